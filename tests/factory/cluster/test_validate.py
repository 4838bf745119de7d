"""The offline manifest checks refuse what a strict API server would: misspelt fields at every
level (KubeRay's own, the pod templates inside, Kubernetes' kinds, the RayJob a ConfigMap carries),
wrong types, unknown kinds; and a cluster's own CRD, given, is applied strictly too."""

from __future__ import annotations

import copy

import pytest
import yaml

from factory.cluster import render_k8s
from factory.cluster.validate import check_doc, check_file, crd_validators
from factory.config import RunConfig
from factory.errors import UserError

CFG = RunConfig.model_validate({"pipeline": "math", "name": "n", "output_dir": "/mnt/runs",
                                "teacher": {"backend": "vllm", "model": "/m", "replicas": 2},
                                "deploy": {"image": "img:1", "pvc": "pvc"}})


def job() -> dict:
    return copy.deepcopy(render_k8s.ray_job(CFG))


def test_the_rendered_job_is_valid():
    assert check_doc(job()) == []


@pytest.mark.parametrize("mutate, where", [
    (lambda d: d["spec"].update(shutdownAfterJobFinish=True), "spec.shutdownAfterJobFinish: unknown field"),
    (lambda d: d["spec"]["rayClusterSpec"]["workerGroupSpecs"][0].update(replica=2), "workerGroupSpecs.0.replica"),
    (lambda d: d["spec"]["rayClusterSpec"]["workerGroupSpecs"][0].update(replicas="two"), "replicas"),
    (lambda d: d["spec"].update(submissionMode="BatchMode"), "submissionMode"),
    (lambda d: d["spec"]["rayClusterSpec"]["headGroupSpec"].pop("rayStartParams"), "rayStartParams"),
    (lambda d: d["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
     .update(imagePullPolicyy="Always"), "headGroupSpec.template.spec.containers.0"),
    (lambda d: d["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["template"]["spec"]["volumes"][0]
     .update(persistentVolumeClaim={"claim": "x"}), "workerGroupSpecs.0.template.spec.volumes.0"),
    (lambda d: d.update(apiVersion="ray.io/v2"), "apiVersion"),
    (lambda d: d["metadata"].update(nam="x"), "metadata.nam"),
])
def test_cheats_in_a_rayjob_fail(mutate, where):
    d = job()
    mutate(d)
    errors = check_doc(d)
    assert errors and any(where in e for e in errors), errors


def test_cheats_in_kubernetes_kinds_fail():
    docs = copy.deepcopy(render_k8s.cron_fallback(CFG))
    cron = docs[4]
    cron["spec"]["concurrencyPolicyy"] = "Forbid"
    assert any("concurrencyPolicyy" in e for e in check_doc(cron))
    role = docs[1]
    role["rules"][0]["verb"] = ["create"]
    assert check_doc(role)
    cm = docs[3]
    inner = yaml.safe_load(cm["data"]["rayjob.yaml"])
    inner["spec"]["entrypont"] = "x"
    cm["data"]["rayjob.yaml"] = yaml.safe_dump(inner)
    assert any(e.startswith("data.rayjob.yaml: spec.entrypont") for e in check_doc(cm))


def _with_config(d: dict, edit) -> dict:
    env = yaml.safe_load(d["spec"]["runtimeEnvYAML"])
    cfg = yaml.safe_load(env["env_vars"]["FACTORY_RUN_CONFIG"])
    edit(cfg)
    env["env_vars"]["FACTORY_RUN_CONFIG"] = yaml.safe_dump(cfg)
    d["spec"]["runtimeEnvYAML"] = yaml.safe_dump(env)
    return d


@pytest.mark.parametrize("edit, where", [
    (lambda c: c["teacher"]["sampling"].update(tempreature=0.7), "teacher.sampling.tempreature: unknown field"),
    (lambda c: c["teacher"].update(replicas="one"), "teacher.replicas: Input should be a valid integer"),
    (lambda c: c["pipeline_options"].update(atempts=3), "pipeline_options.atempts: unknown field"),
    (lambda c: c.update(pipeline="no_such_pipeline"), "unknown pipeline 'no_such_pipeline'"),
])
def test_the_run_config_a_job_carries_is_checked_as_factory_run_would(edit, where):
    errors = check_doc(_with_config(job(), edit))
    assert any("spec.runtimeEnvYAML: env_vars.FACTORY_RUN_CONFIG: " in e and where in e for e in errors), errors
    # every problem, not the first and a count
    both = check_doc(_with_config(job(), lambda c: c.update(limt=1, seeed=2)))
    assert any("limt" in e for e in both) and any("seeed" in e for e in both)


def test_types_are_strict_as_the_api_server_s():
    d = job()
    d["spec"]["backoffLimit"] = "0"
    assert any("backoffLimit" in e for e in check_doc(d))
    d = job()
    d["spec"]["shutdownAfterJobFinishes"] = "true"
    assert any("shutdownAfterJobFinishes" in e for e in check_doc(d))


@pytest.mark.parametrize("doc", [[], "text", {"kind": "RayJob"}, {"apiVersion": "v1", "kind": "Nonsense"},
                                 {"apiVersion": "ray.io/v1", "kind": "RayService", "spec": {}}])
def test_what_is_not_a_known_object_fails(doc):
    assert check_doc(doc)


def _crd(tmp_path):
    # A CRD of the shape `kubectl get crd` returns, small enough to reason about.
    schema = {"type": "object", "properties": {
        "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
        "spec": {"type": "object", "required": ["entrypoint"], "properties": {
            "entrypoint": {"type": "string"},
            "runtimeEnvYAML": {"type": "string"},
            "clusterSelector": {"type": "object", "additionalProperties": {"type": "string"}},
            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        }}}}
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "spec": {"group": "ray.io", "names": {"kind": "RayJob"},
                    "versions": [{"name": "v1", "schema": {"openAPIV3Schema": schema}}]}}
    path = tmp_path / "crd.yaml"
    path.write_text(yaml.safe_dump(crd))
    return path


def test_a_given_crd_is_applied_strictly(tmp_path):
    validators = crd_validators([_crd(tmp_path)])
    ok = {"apiVersion": "ray.io/v1", "kind": "RayJob", "metadata": {"name": "a"},
          "spec": {"entrypoint": "x", "clusterSelector": {"ray.io/cluster": "c"}}}
    assert check_doc(ok, validators) == []
    missing = {**ok, "spec": {"runtimeEnvYAML": "a: 1", "clusterSelector": {"ray.io/cluster": "c"}}}
    assert check_doc(missing, validators) == ["(CRD) spec: 'entrypoint' is a required property"]
    # every field the full job has beyond the small CRD is unknown to it
    errors = check_doc(job(), validators)
    assert any(e.startswith("(CRD) spec: Additional properties") and "rayClusterSpec" in e for e in errors)


def test_a_file_that_is_not_a_crd_is_refused(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text(yaml.safe_dump(job()))
    with pytest.raises(UserError, match="expected CustomResourceDefinition"):
        crd_validators([f])


def test_check_file_names_the_document(tmp_path):
    d = job()
    d["spec"]["bogus"] = 1
    f = tmp_path / "m.yaml"
    f.write_text(render_k8s.dump_yaml(job(), d))
    [problem] = check_file(f)
    assert problem.startswith(f"{f} doc 2 (RayJob n): spec.bogus")
    f.write_text("a: [")
    assert check_file(f) == [f"{f}: not YAML (ParserError)"]


@pytest.mark.parametrize("mutate, what", [
    (lambda d: d["metadata"].update(name="a" * 48), "longer than the operator's 47"),
    (lambda d: d["metadata"].update(name="1st-run"), "DNS-1035"),
    (lambda d: d["spec"].update(activeDeadlineSeconds=0), "activeDeadlineSeconds must be a positive"),
    (lambda d: d["spec"].pop("rayClusterSpec"), "one of rayClusterSpec or clusterSelector"),
    (lambda d: d["spec"].update(suspend=True, shutdownAfterJobFinishes=False), "suspended RayJob"),
    (lambda d: d["spec"].update(runtimeEnvYAML="- a list"), "runtimeEnvYAML must be a YAML mapping"),
    (lambda d: d["spec"]["rayClusterSpec"]["workerGroupSpecs"][0].update(minReplicas=3, maxReplicas=2),
     "minReplicas > maxReplicas"),
    (lambda d: d["spec"]["rayClusterSpec"]["workerGroupSpecs"][0].pop("maxReplicas"), "required without autoscaling"),
    (lambda d: d["spec"]["rayClusterSpec"]["workerGroupSpecs"].append(
        copy.deepcopy(d["spec"]["rayClusterSpec"]["workerGroupSpecs"][0])), "unique"),
])
def test_what_the_operator_would_refuse_fails(mutate, what):
    d = job()
    mutate(d)
    errors = check_doc(d)
    assert any(what in e for e in errors), errors


@pytest.mark.parametrize("spec, what", [
    ({"schedule": "CRON_TZ=UTC 0 2 * * *"}, "TZ"), ({"schedule": "every night"}, "five cron fields"),
    ({"timeZone": "Mars/Olympus"}, "not an IANA time zone"),
])
def test_a_bad_schedule_fails(spec, what):
    cron = copy.deepcopy(render_k8s.ray_cron_job(CFG))
    cron["spec"].update(spec)
    assert any(what in e for e in check_doc(cron))
    cron = copy.deepcopy(render_k8s.ray_cron_job(CFG))
    cron["metadata"]["name"] = "n" * 37
    assert any("36" in e for e in check_doc(cron))
