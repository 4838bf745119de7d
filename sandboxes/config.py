"""Sandbox settings (pydantic, extra="forbid"), shared by both backends."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tf_common import Strict


class SandboxConfig(Strict):
    backend: Literal["auto", "docker", "bwrap"] = Field(
        "auto", description="auto: Docker when an engine answers, else bubblewrap")
    image: str | None = Field(None, description="Docker tag / rootfs key; default: the base image of this recipe")
    memory_mb: int = Field(512, ge=16, description="memory limit, no swap")
    cpus: float = Field(1.0, gt=0.0)
    pids: int = Field(128, ge=8, description="max processes/threads (fork bombs stop here)")
    timeout_s: float = Field(30.0, gt=0.0, description="wall-clock limit of one run")
    output_cap_bytes: int = Field(64 * 1024, ge=1024, description="stdout and stderr are each cut here")
    work_mb: int = Field(256, ge=1, description="size of the writable work dir")
    max_concurrent: int = Field(8, ge=1, description="sandboxes alive at once in one process")
