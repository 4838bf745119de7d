"""Kubernetes manifests of a run as a scheduled job: a KubeRay `RayJob` (one night, by hand), a
`RayCronJob` (KubeRay's own schedule), and a plain `CronJob` that creates a RayJob per tick (for
clusters without the RayCronJob feature gate). All three run the same thing as `factory submit`: the
resolved run config in the job's environment, `python -m factory.cluster.entry` as its entrypoint,
the run directory on a persistent volume every pod mounts at `output_dir`."""

from __future__ import annotations

import hashlib
import re
from importlib import metadata
from typing import Any

import yaml

from factory.cluster.jobs import CONFIG_ENV, META_DIR, META_RUN, entrypoint, job_config
from factory.cluster.kuberay import API_VERSION
from factory.config import RunConfig, dump_config
from factory.errors import UserError

APP = "trajectory-factory"
MANIFESTS_DIR = "/manifests"


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the run config inside a runtime env, a RayJob inside a ConfigMap) as
    literal blocks, so a rendered manifest can be read and reviewed."""


_Dumper.add_representer(str, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None))


def dump_yaml(*docs: Any) -> str:
    return yaml.dump_all(docs, Dumper=_Dumper, sort_keys=False, width=10_000)


def k8s_name(run_name: str, limit: int = 36) -> str:
    """A DNS-1035 label from a run name (what KubeRay requires of a RayJob's); a name that had to
    change keeps a hash of the original, so two runs never share one. 36 is the operator's limit for
    a RayCronJob (its RayJobs and their clusters append suffixes)."""
    base = re.sub(r"[^a-z0-9-]+", "-", run_name.lower()).strip("-") or "run"
    if not base[0].isalpha():
        base = f"r-{base}"
    if len(base) <= limit and base == run_name:
        return base
    digest = hashlib.sha256(run_name.encode()).hexdigest()[:6]
    return f"{base[: limit - 7].rstrip('-')}-{digest}"


def _require(cfg: RunConfig, field: str, what: str) -> Any:
    value = getattr(cfg.deploy, field)
    if value is None:
        raise UserError(f"{cfg.source or 'config'}: deploy.{field}: required by `factory deploy`: {what}")
    return value


def _runtime_env(cfg: RunConfig) -> str:
    env = {"env_vars": {CONFIG_ENV: dump_config(job_config(cfg)), "RAY_USAGE_STATS_ENABLED": "0"}}
    return dump_yaml(env)


def _ray_version() -> str:
    try:
        return metadata.version("ray")
    except metadata.PackageNotFoundError:  # rendering on a machine without Ray: the version we pin
        return "2.60.0"


def _pod(cfg: RunConfig, role: str, cpus: int, memory_gib: int, gpus: int) -> dict[str, Any]:
    d = cfg.deploy
    group = d.head if role == "head" else d.workers
    limits: dict[str, Any] = {"cpu": str(cpus), "memory": f"{memory_gib}Gi", **group.resources}
    if gpus:
        limits["nvidia.com/gpu"] = str(gpus)
    mount = cfg.output_dir.rstrip("/") or "/"
    container: dict[str, Any] = {
        "name": f"ray-{role}",
        "image": _require(cfg, "image", "the container image with this project installed"),
        "resources": {"limits": limits, "requests": dict(limits)},
        "volumeMounts": [{"name": "runs", "mountPath": mount}],
    }
    if d.secret_env:
        container["env"] = [{"name": k, "valueFrom": {"secretKeyRef": {"name": v.secret, "key": v.key}}}
                            for k, v in sorted(d.secret_env.items())]
    spec: dict[str, Any] = {
        "containers": [container],
        # ReadWriteMany: every Ray pod mounts it, and pods on other nodes cannot share a ReadWriteOnce volume.
        "volumes": [{"name": "runs", "persistentVolumeClaim": {
            "claimName": _require(cfg, "pvc", "the PersistentVolumeClaim (ReadWriteMany) holding output_dir")}}],
    }
    if group.node_selector:
        spec["nodeSelector"] = dict(group.node_selector)
    if group.tolerations:
        spec["tolerations"] = [dict(t) for t in group.tolerations]
    if d.image_pull_secrets:
        spec["imagePullSecrets"] = [{"name": n} for n in d.image_pull_secrets]
    if d.service_account:
        spec["serviceAccountName"] = d.service_account
    return {"metadata": {"labels": {"app.kubernetes.io/name": APP,
                                    "app.kubernetes.io/instance": k8s_name(cfg.run_name)}}, "spec": spec}


def _worker_groups(cfg: RunConfig) -> list[dict[str, Any]]:
    d = cfg.deploy
    if cfg.teacher.backend == "vllm":
        # one node per teacher replica, its GPUs the replica's tensor-parallel group
        n, gpus, name = cfg.teacher.replicas, cfg.teacher.tensor_parallel_size, "teacher"
    else:  # the teacher is a server elsewhere (openai) or embedded on CPU: workers only run the agent loop
        n, gpus, name = cfg.runner.workers, 0, "workers"
    return [{"groupName": name, "replicas": n, "minReplicas": n, "maxReplicas": n, "rayStartParams": {},
             "template": _pod(cfg, "worker", d.worker_cpus, d.worker_memory_gib, gpus)}]


def ray_job_spec(cfg: RunConfig) -> dict[str, Any]:
    d = cfg.deploy
    spec: dict[str, Any] = {
        "entrypoint": entrypoint("python", cfg.deploy.add),  # the image's Python
        "runtimeEnvYAML": _runtime_env(cfg),
        # the same metadata `factory submit` gives its jobs, so `factory jobs` lists these too
        "metadata": {META_RUN: cfg.run_name, META_DIR: str(cfg.run_dir)},
        "submissionMode": "K8sJobMode",
        "shutdownAfterJobFinishes": True,
        "ttlSecondsAfterFinished": 3600,
        # a failed night is not retried in place: the next tick resumes it (only the manifest commits)
        "backoffLimit": 0,
        "rayClusterSpec": {
            "rayVersion": _ray_version(),
            "headGroupSpec": {"rayStartParams": {"dashboard-host": "0.0.0.0", "num-gpus": "0"},
                              "template": _pod(cfg, "head", d.head_cpus, d.head_memory_gib, 0)},
            "workerGroupSpecs": _worker_groups(cfg),
        },
    }
    if d.deadline_s:
        spec["activeDeadlineSeconds"] = d.deadline_s
    return spec


def _meta(cfg: RunConfig, **extra: str) -> dict[str, Any]:
    return {**extra, "namespace": cfg.deploy.namespace,
            "labels": {"app.kubernetes.io/name": APP, "app.kubernetes.io/instance": k8s_name(cfg.run_name)}}


def ray_job(cfg: RunConfig, generate: bool = False) -> dict[str, Any]:
    """One run of the job. `generate`: a name the API server makes unique (a RayJob per tick)."""
    name = k8s_name(cfg.run_name)
    meta = _meta(cfg, generateName=f"{name}-") if generate else _meta(cfg, name=name)
    return {"apiVersion": API_VERSION, "kind": "RayJob", "metadata": meta, "spec": ray_job_spec(cfg)}


def ray_cron_job(cfg: RunConfig) -> dict[str, Any]:
    """KubeRay's schedule (alpha, KubeRay >= 1.6, feature gate RayCronJob). It has no concurrency
    policy: a night that runs long meets the next one at the run directory's lock, which refuses it."""
    return {"apiVersion": API_VERSION, "kind": "RayCronJob", "metadata": _meta(cfg, name=k8s_name(cfg.run_name)),
            "spec": {"schedule": cfg.deploy.schedule, "timeZone": cfg.deploy.time_zone,
                     "jobTemplate": ray_job_spec(cfg)}}


def cron_fallback(cfg: RunConfig) -> list[dict[str, Any]]:
    """A plain CronJob whose pod creates a RayJob per tick from a ConfigMap, with the least rights
    that needs (create RayJobs in its namespace)."""
    name = k8s_name(cfg.run_name)
    sa, cm = f"{name}-scheduler", f"{name}-rayjob"
    rayjob = dump_yaml(ray_job(cfg, generate=True))
    pod = {
        "serviceAccountName": sa,
        "restartPolicy": "Never",
        "containers": [{
            "name": "create-rayjob",
            "image": cfg.deploy.kubectl_image,
            "command": ["kubectl", "create", "-f", f"{MANIFESTS_DIR}/rayjob.yaml"],
            "volumeMounts": [{"name": "manifests", "mountPath": MANIFESTS_DIR, "readOnly": True}],
        }],
        "volumes": [{"name": "manifests", "configMap": {"name": cm}}],
    }
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(cfg, name=sa)},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": _meta(cfg, name=sa),
         "rules": [{"apiGroups": ["ray.io"], "resources": ["rayjobs"], "verbs": ["create", "get", "list"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": _meta(cfg, name=sa),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": sa},
         "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": cfg.deploy.namespace}]},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(cfg, name=cm), "data": {"rayjob.yaml": rayjob}},
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": _meta(cfg, name=name),
         "spec": {"schedule": cfg.deploy.schedule, "timeZone": cfg.deploy.time_zone,
                  # Forbid only covers this short pod (it creates the RayJob and ends); two nights' RayJobs
                  # can still overlap, and the second stops at the run directory's lock
                  "concurrencyPolicy": "Forbid", "startingDeadlineSeconds": 3600,
                  "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 3,
                  "jobTemplate": {"spec": {"backoffLimit": 2, "template": {"spec": pod}}}}},
    ]
