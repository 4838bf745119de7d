"""Open a sandbox with the backend the config asks for (`auto`: Docker when an engine answers,
else bubblewrap, else one clear line on how to get either)."""

from __future__ import annotations

import logging
from typing import Any

from sandboxes import bwrap_backend, docker_backend, image
from sandboxes.base import Sandbox, SandboxError
from sandboxes.config import SandboxConfig

log = logging.getLogger(__name__)
NO_BACKEND = ("no sandbox backend available: install bubblewrap and mmdebstrap (apt-get install bubblewrap "
              "mmdebstrap; `make setup` does it as root), or run a Docker engine (apt-get install docker.io mmdebstrap; "
              "dockerd --iptables=false --bridge=none)")


class Backend:
    """A resolved backend: what `open()` needs, found once (engine client, image, rootfs)."""

    def __init__(self, cfg: SandboxConfig):
        self.cfg = cfg
        self.client: Any = None
        name = cfg.backend
        if name in ("auto", "docker"):
            self.client = docker_backend.engine()
            if self.client is None and name == "docker":
                raise SandboxError("backend 'docker': no Docker engine answers; start dockerd "
                                   "(dockerd --iptables=false --bridge=none) or choose backend bwrap")
            if self.client is not None:
                name = "docker"
        if name == "auto":
            if not bwrap_backend.available():
                raise SandboxError(NO_BACKEND)
            name = "bwrap"
        if name == "bwrap" and not bwrap_backend.available():
            raise SandboxError("backend 'bwrap': bubblewrap not found; apt-get install bubblewrap")
        self.name = name
        self.tag = cfg.image or image.build(docker_client=self.client if name == "docker" else None)
        reaped = docker_backend.reap(self.client) if name == "docker" else bwrap_backend.reap()
        if reaped:
            log.warning("reaped %d %s sandbox leftover(s) (containers, cgroups, work dirs) of a process that died", reaped, name)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def open(self) -> Sandbox:
        if self.name == "docker":
            return docker_backend.DockerSandbox(self.cfg, self.tag, self.client)
        return bwrap_backend.BwrapSandbox(self.cfg, image.rootfs_path(self.tag))


def check_backend(cfg: SandboxConfig) -> str:
    """Resolve the backend (building the image if missing) and let go of it: what a driver does
    before starting workers that open their own pools. Returns the backend's name."""
    backend = Backend(cfg)
    backend.close()
    return backend.name
