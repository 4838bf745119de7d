"""The KubeRay objects `factory deploy` renders (`RayJob`, `RayCronJob`; apiVersion ray.io/v1), as
strict models written from KubeRay v1.7's API types: every field of RayJobSpec, RayCronJobSpec,
RayClusterSpec and its head and worker group specs is known here, and an unknown one fails, as the
API server does with a structural CRD in strict field validation. Nested KubeRay options we do not
render (autoscaler, deletion strategy, GCS fault tolerance, …) are checked for their name only; the
pod templates inside are Kubernetes' own and are checked against Kubernetes' schema (`validate.py`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

API_VERSION = "ray.io/v1"
KUBERAY_VERSION = "v1.7.0"  # the API types these models follow; RayCronJob needs >= 1.6 (alpha)


class _K(BaseModel):
    # camelCase names on purpose: these mirror an external API field for field.
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


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


class RayJob(_K):
    apiVersion: Literal["ray.io/v1"]
    kind: Literal["RayJob"]
    metadata: _Meta
    spec: RayJobSpec


class RayCronJobSpec(_K):
    jobTemplate: RayJobSpec
    schedule: str = Field(min_length=1)
    timeZone: str | None = Field(None, min_length=1)
    suspend: bool | None = None


class RayCronJob(_K):
    apiVersion: Literal["ray.io/v1"]
    kind: Literal["RayCronJob"]
    metadata: _Meta
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
