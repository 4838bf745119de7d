"""Offline checks of manifests, strict (an unknown field is an error, as `kubectl apply
--validate=strict` would report): Kubernetes' own kinds against the schemas `kubernetes-validate`
ships for a pinned Kubernetes version; KubeRay's kinds against `kuberay.py`, their pod templates
against Kubernetes' PodTemplateSpec schema; and, given the CRDs a cluster actually has (`kubectl get
crd rayjobs.ray.io -o yaml`), against those too."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from pydantic import ValidationError

from factory.cluster.kuberay import KINDS, pod_templates
from factory.errors import UserError

K8S_VERSION = "1.33.0"  # the oldest Kubernetes CronJob.timeZone is GA in with RayCronJob's KubeRay


def _loc(path: Any) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


@lru_cache(maxsize=8)
def _k8s_validator(filename: str) -> jsonschema.protocols.Validator:
    import kubernetes_validate.utils as kv
    from referencing import Registry, Resource

    version = [v for v in kv.all_versions() if kv.major_minor(v) <= kv.major_minor(K8S_VERSION)][-1]
    root = resources.files("kubernetes_validate") / "kubernetes-json-schema" / f"v{version}-local-strict"
    schema = json.loads((root / filename).read_text())
    defs = json.loads((root / "_definitions.json").read_text())
    registry = Resource.from_contents(defs) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _schema_errors(validator: jsonschema.protocols.Validator, doc: Any, prefix: str) -> list[str]:
    errs = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [f"{_loc([*prefix.split('.'), *e.absolute_path]) if prefix else _loc(e.absolute_path)}: {e.message}"
            for e in errs[:5]]


def check_core(doc: dict[str, Any]) -> list[str]:
    # kubernetes-validate's file naming: rbac.authorization.k8s.io/v1 Role -> role-rbac-v1.json
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", doc["apiVersion"])
    filename = f"{doc['kind'].lower()}-{group}.json"
    try:
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+\.json", filename):
            raise FileNotFoundError(filename)
        validator = _k8s_validator(filename)
    except FileNotFoundError:
        return [f"kind {doc['kind']!r} of apiVersion {doc['apiVersion']!r} is neither a Kubernetes "
                f"{K8S_VERSION} kind nor a KubeRay one (RayJob, RayCronJob)"]
    return _schema_errors(validator, doc, "")


def check_run_config(runtime_env_yaml: Any, where: str) -> list[str]:
    """The run config a job carries in its runtime env, checked with the models `factory run` uses
    (the run config, then the pipeline's options), so a misspelt field fails here, not at night."""
    from factory.cluster.jobs import CONFIG_ENV
    from factory.config import RunConfig, validation_problems
    from factory.pipeline.registry import get_pipeline

    try:
        env = yaml.safe_load(runtime_env_yaml) if isinstance(runtime_env_yaml, str) else None
    except yaml.YAMLError as e:
        return [f"{where}: not YAML ({e.__class__.__name__})"]
    text = ((env or {}).get("env_vars") or {}).get(CONFIG_ENV) if isinstance(env, dict) else None
    if not isinstance(text, str):
        return [f"{where}: env_vars.{CONFIG_ENV}: missing; the job would have no run config "
                "(render the manifests with `factory deploy kuberay`)"]
    at = f"{where}: env_vars.{CONFIG_ENV}"
    try:
        data = yaml.safe_load(text)
        cfg = RunConfig.model_validate(data)
    except yaml.YAMLError as e:
        return [f"{at}: not YAML ({e.__class__.__name__})"]
    except ValidationError as e:
        return [f"{at}: {p}" for p in validation_problems(e)]
    try:
        get_pipeline(cfg.pipeline).Options.model_validate(cfg.pipeline_options)
    except ValidationError as e:
        return [f"{at}: pipeline_options.{p}" for p in validation_problems(e)]
    except (LookupError, ImportError, UserError) as e:
        return [f"{at}: pipeline: {e}"]
    return []


def check_kuberay(doc: dict[str, Any]) -> list[str]:
    try:
        obj = KINDS[doc["kind"]].model_validate(doc)
    except ValidationError as e:
        return [f"{_loc(x['loc'])}: "
                + ("unknown field" if x["type"] == "extra_forbidden" else x["msg"]) for x in e.errors()[:5]]
    spec = obj.spec.jobTemplate if doc["kind"] == "RayCronJob" else obj.spec
    prefix = "spec.jobTemplate" if doc["kind"] == "RayCronJob" else "spec"
    errors: list[str] = []
    if "factory.cluster.entry" in (spec.entrypoint or ""):  # one of ours: it runs the config it carries
        errors += check_run_config(spec.runtimeEnvYAML, f"{prefix}.runtimeEnvYAML")
    for where, template in pod_templates(spec).items():
        errors += _schema_errors(_k8s_validator("podtemplatespec-v1.json"), template, f"{prefix}.{where}")
    return errors


def _strict(schema: Any) -> Any:
    """A CRD's schema with unknown fields refused wherever it lists the fields of an object."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if ("properties" in out and "additionalProperties" not in out
                and not out.get("x-kubernetes-preserve-unknown-fields")):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


def crd_validators(paths: list[Path]) -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    """(apiVersion, kind) → a strict validator, from CustomResourceDefinition files."""
    out: dict[tuple[str, str], jsonschema.protocols.Validator] = {}
    for path in paths:
        try:
            docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        except (OSError, yaml.YAMLError, UnicodeDecodeError, RecursionError) as e:
            raise UserError(f"{path}: cannot read it as YAML ({e.__class__.__name__}); pass a CRD file") from None
        for d in docs:
            if not isinstance(d, dict) or d.get("kind") != "CustomResourceDefinition":
                raise UserError(f"{path}: expected CustomResourceDefinition documents, found kind "
                                f"{d.get('kind') if isinstance(d, dict) else type(d).__name__!r}")
            spec = d.get("spec") or {}
            for v in spec.get("versions") or []:
                schema = ((v.get("schema") or {}).get("openAPIV3Schema"))
                if schema:
                    schema = _strict(schema)
                    schema.setdefault("properties", {})["metadata"] = {"type": "object"}
                    out[(f"{spec.get('group')}/{v.get('name')}", spec["names"]["kind"])] = \
                        jsonschema.Draft7Validator(schema)
    return out


def check_doc(doc: Any, crds: dict[tuple[str, str], jsonschema.protocols.Validator] | None = None) -> list[str]:
    if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str) or not isinstance(doc.get("apiVersion"), str):
        return ["(top level): expected a Kubernetes object with apiVersion and kind"]
    key = (doc["apiVersion"], doc["kind"])
    errors = check_kuberay(doc) if doc["kind"] in KINDS else check_core(doc)
    if crds and key in crds:
        errors += [f"(CRD) {e}" for e in _schema_errors(crds[key], doc, "")]
    if doc["kind"] == "ConfigMap":  # the fallback CronJob's: it carries the RayJob it creates
        for name, text in (doc.get("data") or {}).items():
            if name.endswith((".yaml", ".yml")):
                try:
                    inner = yaml.safe_load(text)
                except yaml.YAMLError as e:
                    errors.append(f"data.{name}: not YAML ({e.__class__.__name__})")
                    continue
                errors += [f"data.{name}: {e}" for e in check_doc(inner, crds)]
    return errors


def check_file(path: Path, crds: dict[tuple[str, str], jsonschema.protocols.Validator] | None = None) -> list[str]:
    """Every problem of every document in a manifest file, as `FILE doc N (Kind name): where: what`."""
    try:
        docs = list(yaml.safe_load_all(path.read_text()))
    except FileNotFoundError:
        raise UserError(f"{path}: no such file; pass rendered manifests (factory deploy kuberay --out DIR)") from None
    except (OSError, yaml.YAMLError, UnicodeDecodeError, RecursionError) as e:
        return [f"{path}: not YAML ({e.__class__.__name__})"]
    problems = []
    for i, doc in enumerate(d for d in docs if d is not None):
        meta = doc.get("metadata") if isinstance(doc, dict) else None
        name = (meta or {}).get("name") or (meta or {}).get("generateName") if isinstance(meta, dict) else None
        kind = doc.get("kind") if isinstance(doc, dict) else None
        problems += [f"{path} doc {i + 1} ({kind} {name}): {e}" for e in check_doc(doc, crds)]
    return problems
