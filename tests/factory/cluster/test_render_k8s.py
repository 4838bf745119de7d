"""What `factory deploy kuberay` renders: the job the cluster runs is the run config's, placed the
way the teacher needs (GPU nodes per replica), on the volume holding the runs; and every manifest
passes the strict offline checks."""

from __future__ import annotations

import pytest
import yaml

from factory.cluster import render_k8s
from factory.cluster.jobs import CONFIG_ENV, META_RUN, job_config
from factory.cluster.validate import check_doc
from factory.config import RunConfig
from factory.errors import UserError

DEPLOY = {"image": "registry.example/tf:1", "pvc": "runs-pvc", "namespace": "data", "schedule": "30 1 * * *",
          "time_zone": "Asia/Tokyo", "add": 700}


def cfg(**over) -> RunConfig:
    base = {"pipeline": "math", "name": "nightly", "output_dir": "/mnt/runs", "deploy": DEPLOY,
            "teacher": {"backend": "vllm", "model": "/models/t", "replicas": 3, "tensor_parallel_size": 2}}
    return RunConfig.model_validate({**base, **over})


def test_rayjob_runs_the_config_on_gpu_nodes_per_replica():
    c = cfg()
    job = render_k8s.ray_job(c)
    spec = job["spec"]
    env = yaml.safe_load(spec["runtimeEnvYAML"])["env_vars"]
    assert RunConfig.model_validate(yaml.safe_load(env[CONFIG_ENV])) == job_config(c)
    assert yaml.safe_load(env[CONFIG_ENV])["runner"]["address"] == "auto"
    assert spec["entrypoint"].endswith("--add 700")
    assert spec["metadata"][META_RUN] == "nightly"
    [group] = spec["rayClusterSpec"]["workerGroupSpecs"]
    assert group["replicas"] == group["minReplicas"] == group["maxReplicas"] == 3
    limits = group["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/gpu"] == "2"
    head = spec["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]
    assert "nvidia.com/gpu" not in head["containers"][0]["resources"]["limits"]
    for pod in (head, group["template"]["spec"]):
        assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == "runs-pvc"
        assert pod["containers"][0]["volumeMounts"][0]["mountPath"] == "/mnt/runs"
        assert pod["containers"][0]["image"] == "registry.example/tf:1"
    assert job["metadata"]["namespace"] == "data"
    assert check_doc(job) == []


def test_a_teacher_elsewhere_gets_cpu_workers():
    c = cfg(teacher={"backend": "openai", "base_url": "http://vllm:8000/v1"}, runner={"workers": 5})
    [group] = render_k8s.ray_job(c)["spec"]["rayClusterSpec"]["workerGroupSpecs"]
    assert group["replicas"] == 5
    assert "nvidia.com/gpu" not in group["template"]["spec"]["containers"][0]["resources"]["limits"]


def test_cron_and_fallback_carry_the_schedule_and_pass_strict_checks():
    c = cfg()
    cron = render_k8s.ray_cron_job(c)
    assert cron["spec"]["schedule"] == "30 1 * * *" and cron["spec"]["timeZone"] == "Asia/Tokyo"
    assert cron["spec"]["jobTemplate"] == render_k8s.ray_job_spec(c)
    assert check_doc(cron) == []
    docs = render_k8s.cron_fallback(c)
    kinds = [d["kind"] for d in docs]
    assert kinds == ["ServiceAccount", "Role", "RoleBinding", "ConfigMap", "CronJob"]
    for d in docs:
        assert check_doc(d) == [], d["kind"]
    inner = yaml.safe_load(docs[3]["data"]["rayjob.yaml"])
    assert inner["metadata"]["generateName"] == "nightly-" and "name" not in inner["metadata"]
    assert inner["spec"] == render_k8s.ray_job_spec(c)
    cron_spec = docs[4]["spec"]
    pod = cron_spec["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == docs[0]["metadata"]["name"] == docs[2]["subjects"][0]["name"]
    assert pod["volumes"][0]["configMap"]["name"] == docs[3]["metadata"]["name"]
    assert cron_spec["schedule"] == "30 1 * * *" and cron_spec["timeZone"] == "Asia/Tokyo"
    assert docs[1]["rules"] == [{"apiGroups": ["ray.io"], "resources": ["rayjobs"], "verbs": ["create", "get", "list"]}]


def test_rendered_yaml_round_trips_with_readable_blocks():
    text = render_k8s.dump_yaml(render_k8s.ray_job(cfg()))
    assert "runtimeEnvYAML: |" in text
    assert yaml.safe_load(text) == render_k8s.ray_job(cfg())


@pytest.mark.parametrize("run_name", ["Nightly_Math", "a" * 80, "x.y", "--"])
def test_names_become_valid_and_distinct_labels(run_name):
    name = render_k8s.k8s_name(run_name)
    assert len(name) <= 40 and name == name.lower() and name.strip("-") == name
    assert all(ch.isalnum() or ch == "-" for ch in name)


def test_two_names_that_clean_up_alike_stay_apart():
    assert render_k8s.k8s_name("nightly_math") != render_k8s.k8s_name("nightly-math")


@pytest.mark.parametrize("field", ["image", "pvc"])
def test_missing_deploy_fields_are_named(field):
    c = cfg(deploy={k: v for k, v in DEPLOY.items() if k != field})
    with pytest.raises(UserError, match=f"deploy.{field}: required"):
        render_k8s.ray_job(c)


def test_a_relative_output_dir_is_refused():
    with pytest.raises(UserError, match="absolute path"):
        render_k8s.ray_job(cfg(output_dir="runs"))


@pytest.mark.parametrize("over, what", [
    ({"schedule": "nightly"}, "five cron fields"), ({"schedule": "0 2 * * * *"}, "five cron fields"),
    ({"schedule": "0 2 * * ;reboot"}, "five cron fields"), ({"time_zone": "Mars/Olympus"}, "not an IANA time zone"),
])
def test_deploy_config_rejects_a_bad_schedule(over, what):
    with pytest.raises(ValueError, match=what):
        cfg(deploy={**DEPLOY, **over})
    assert cfg(deploy={**DEPLOY, "schedule": "*/15 1-5 * JAN,FEB MON-FRI"}).deploy.time_zone == "Asia/Tokyo"


def test_deploy_settings_do_not_change_the_run():
    from factory.runner.rundir import config_sha

    assert config_sha(cfg()) == config_sha(cfg(deploy={**DEPLOY, "schedule": "0 5 * * *", "image": "other:2"}))


def test_secrets_placement_and_identity_are_config_fields():
    c = cfg(teacher={"backend": "openai", "base_url": "http://teacher:8000/v1", "model": "m"},
            deploy={"image": "img:1", "pvc": "runs", "service_account": "factory-runner",
                    "image_pull_secrets": ["regcred"],
                    "secret_env": {"OPENAI_API_KEY": {"secret": "teacher-api", "key": "token"}},
                    "head": {"node_selector": {"pool": "cpu"}},
                    "workers": {"node_selector": {"pool": "agents"}, "resources": {"ephemeral-storage": "100Gi"},
                                "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "agents",
                                                 "effect": "NoSchedule"}]}})
    job = render_k8s.ray_job(c)
    assert check_doc(job) == []
    cluster = job["spec"]["rayClusterSpec"]
    head, worker = cluster["headGroupSpec"]["template"]["spec"], cluster["workerGroupSpecs"][0]["template"]["spec"]
    for pod in (head, worker):
        assert pod["serviceAccountName"] == "factory-runner" and pod["imagePullSecrets"] == [{"name": "regcred"}]
        assert pod["containers"][0]["env"] == [{"name": "OPENAI_API_KEY", "valueFrom": {
            "secretKeyRef": {"name": "teacher-api", "key": "token"}}}]
    assert head["nodeSelector"] == {"pool": "cpu"} and "tolerations" not in head
    assert worker["nodeSelector"] == {"pool": "agents"} and worker["tolerations"][0]["effect"] == "NoSchedule"
    assert worker["containers"][0]["resources"]["limits"]["ephemeral-storage"] == "100Gi"
    # What Kubernetes would refuse in those fields is refused when rendered manifests are checked.
    bad = render_k8s.ray_job(c.model_copy(update={"deploy": c.deploy.model_copy(update={
        "workers": c.deploy.workers.model_copy(update={"tolerations": [{"key": "x", "effect": 5}]})})}))
    assert any("tolerations" in e for e in check_doc(bad))
