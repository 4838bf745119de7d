"""The KubeRay objects `factory deploy` renders (`RayJob`, `RayCronJob`; apiVersion ray.io/v1), as
strict models written from KubeRay v1.7's API types: every field of RayJobSpec, RayCronJobSpec,
RayClusterSpec and its head and worker group specs is known here, and an unknown one fails, as the
API server does with a structural CRD in strict field validation. Nested KubeRay options we do not
render (autoscaler, deletion strategy, GCS fault tolerance, …) are checked for their name only; the
pod templates inside are Kubernetes' own and are checked against Kubernetes' schema (`validate.py`).
The operator's own admission rules that a manifest can break on its own (name lengths, deadlines,
replica bounds, the schedule and time zone) are checked too, so a manifest that passes here is not
refused when the operator reconciles it."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import ConfigDict, Field, model_validator

from tf_common import Strict

API_VERSION = "ray.io/v1"
KUBERAY_VERSION = "v1.7.0"  # the API types these models follow; RayCronJob needs >= 1.6 (alpha)
# The operator's limits: a RayCluster name is at most 53 characters; a RayJob's cluster adds 6, a
# RayCronJob's RayJob 11 more.
MAX_RAYJOB_NAME, MAX_RAYCRONJOB_NAME = 47, 36
GENERATED_SUFFIX = 5  # what the API server appends to a generateName
_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def _check_name(meta: "_Meta", kind: str, limit: int) -> None:
    name = meta.name if meta.name is not None else (meta.generateName or "") + "x" * GENERATED_SUFFIX
    if meta.name is None and meta.generateName is None:
        raise ValueError(f"{kind} needs metadata.name or metadata.generateName")
    if len(name) > limit:
        raise ValueError(f"{kind} name {name!r} is longer than the operator's {limit} characters")
    if not _DNS1035.match(name):
        raise ValueError(f"{kind} name {name!r} is not a DNS-1035 label (lower-case letters, digits, '-'; "
                         "starts with a letter)")


class _K(Strict):
    # camelCase names on purpose: these mirror an external API field for field.
    # strict: the API server refuses `backoffLimit: "0"` (a string where an integer belongs); so do we.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


class _Meta(_K):
    name: str | None = None
    generateName: str | None = None
    namespace: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class HeadGroupSpec(_K):
    template: dict[str, Any]
    rayStartParams: dict[str, str]
    headService: dict[str, Any] | None = None
    enableIngress: bool | None = None
    ingressOptions: dict[str, Any] | None = None
    resources: dict[str, str] | None = None
    labels: dict[str, str] | None = None
    serviceType: str | None = None


class WorkerGroupSpec(_K):
    groupName: str = Field(min_length=1)
    template: dict[str, Any]
    rayStartParams: dict[str, str]
    suspend: bool | None = None
    replicas: int | None = Field(None, ge=0)
    minReplicas: int | None = Field(None, ge=0)
    maxReplicas: int | None = Field(None, ge=0)
    idleTimeoutSeconds: int | None = None
    priority: int | None = None
    resources: dict[str, str] | None = None
    labels: dict[str, str] | None = None
    scaleStrategy: dict[str, Any] | None = None
    numOfHosts: int | None = Field(None, ge=1)


class RayClusterSpec(_K):
    headGroupSpec: HeadGroupSpec
    workerGroupSpecs: list[WorkerGroupSpec] | None = None
    rayVersion: str | None = None
    upgradeStrategy: dict[str, Any] | None = None
    authOptions: dict[str, Any] | None = None
    suspend: bool | None = None
    managedBy: str | None = None
    autoscalerOptions: dict[str, Any] | None = None
    headServiceAnnotations: dict[str, str] | None = None
    enableInTreeAutoscaling: bool | None = None
    gcsFaultToleranceOptions: dict[str, Any] | None = None
    historyServerOptions: dict[str, Any] | None = None
    networkPolicy: dict[str, Any] | None = None
    tlsOptions: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _groups(self) -> "RayClusterSpec":
        names = [g.groupName for g in self.workerGroupSpecs or []]
        if len(names) != len(set(names)):
            raise ValueError(f"worker group names must be unique, got {names}")
        for g in self.workerGroupSpecs or []:
            if not self.enableInTreeAutoscaling and (g.minReplicas is None or g.maxReplicas is None):
                raise ValueError(f"worker group {g.groupName}: minReplicas and maxReplicas are required without "
                                 "autoscaling")
            if g.minReplicas is not None and g.maxReplicas is not None and g.minReplicas > g.maxReplicas:
                raise ValueError(f"worker group {g.groupName}: minReplicas > maxReplicas")
            if g.replicas is not None and g.maxReplicas is not None and not (g.minReplicas or 0) <= g.replicas <= g.maxReplicas:
                raise ValueError(f"worker group {g.groupName}: replicas outside [minReplicas, maxReplicas]")
        return self


class RayJobSpec(_K):
    entrypoint: str | None = None
    runtimeEnvYAML: str | None = None
    rayClusterSpec: RayClusterSpec | None = None
    clusterSelector: dict[str, str] | None = None
    submissionMode: Literal["K8sJobMode", "HTTPMode", "InteractiveMode", "SidecarMode"] | None = None
    submitterPodTemplate: dict[str, Any] | None = None
    submitterConfig: dict[str, Any] | None = None
    metadata: dict[str, str] | None = None
    jobId: str | None = None
    entrypointResources: str | None = None
    entrypointNumCpus: float | None = None
    entrypointNumGpus: float | None = None
    activeDeadlineSeconds: int | None = Field(None, ge=0)
    preRunningDeadlineSeconds: int | None = Field(None, ge=0)
    backoffLimit: int | None = Field(None, ge=0)
    ttlSecondsAfterFinished: int | None = Field(None, ge=0)
    shutdownAfterJobFinishes: bool | None = None
    deletionStrategy: dict[str, Any] | None = None
    managedBy: str | None = None
    suspend: bool | None = None

    @model_validator(mode="after")
    def _admission(self) -> "RayJobSpec":
        if self.suspend and not self.shutdownAfterJobFinishes:
            raise ValueError("a suspended RayJob needs shutdownAfterJobFinishes: true")
        if self.rayClusterSpec is None and not self.clusterSelector:
            raise ValueError("one of rayClusterSpec or clusterSelector must be set")
        for name in ("activeDeadlineSeconds", "preRunningDeadlineSeconds"):
            if getattr(self, name) is not None and getattr(self, name) <= 0:
                raise ValueError(f"{name} must be a positive integer")
        if self.runtimeEnvYAML:
            try:
                env = yaml.safe_load(self.runtimeEnvYAML)
            except yaml.YAMLError:
                raise ValueError("runtimeEnvYAML is not YAML") from None
            if not isinstance(env, dict):
                raise ValueError("runtimeEnvYAML must be a YAML mapping (a Ray runtime_env)")
        return self


class _Object(_K):
    """A top-level KubeRay object: its name must fit what the operator derives from it."""
    name_limit: ClassVar[int]
    apiVersion: Literal["ray.io/v1"]
    metadata: _Meta

    @model_validator(mode="after")
    def _name(self) -> "_Object":
        _check_name(self.metadata, type(self).__name__, self.name_limit)
        return self


class RayJob(_Object):
    name_limit = MAX_RAYJOB_NAME
    kind: Literal["RayJob"]
    spec: RayJobSpec


class RayCronJobSpec(_K):
    jobTemplate: RayJobSpec
    schedule: str = Field(min_length=1)
    timeZone: str | None = Field(None, min_length=1)
    suspend: bool | None = None

    @model_validator(mode="after")
    def _schedule(self) -> "RayCronJobSpec":
        if "TZ" in self.schedule:
            raise ValueError("schedule: no TZ= or CRON_TZ= in it; use timeZone")
        if len(self.schedule.split()) != 5 and not self.schedule.startswith("@"):
            raise ValueError(f"schedule {self.schedule!r}: expected five cron fields")
        if self.timeZone is not None:
            try:
                ZoneInfo(self.timeZone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"timeZone {self.timeZone!r} is not an IANA time zone") from None
        return self


class RayCronJob(_Object):
    name_limit = MAX_RAYCRONJOB_NAME
    kind: Literal["RayCronJob"]
    spec: RayCronJobSpec


KINDS: dict[str, type[_K]] = {"RayJob": RayJob, "RayCronJob": RayCronJob}


def pod_templates(spec: RayJobSpec) -> dict[str, dict[str, Any]]:
    """The Kubernetes pod templates inside a RayJob spec, by where they sit."""
    out: dict[str, dict[str, Any]] = {}
    if spec.submitterPodTemplate is not None:
        out["submitterPodTemplate"] = spec.submitterPodTemplate
    if spec.rayClusterSpec is not None:
        out["rayClusterSpec.headGroupSpec.template"] = spec.rayClusterSpec.headGroupSpec.template
        for i, g in enumerate(spec.rayClusterSpec.workerGroupSpecs or []):
            out[f"rayClusterSpec.workerGroupSpecs.{i}.template"] = g.template
    return out
