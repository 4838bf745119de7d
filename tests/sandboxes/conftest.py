import os

import pytest

from sandboxes import cgroups, docker_backend
from sandboxes.config import SandboxConfig
from sandboxes.select import Backend

BACKENDS = ["docker", "bwrap"]


def _docker_or_skip():
    if docker_backend.engine() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI: no Docker engine answers; .ci/run should have started dockerd")
        pytest.skip("no Docker engine answers (start dockerd to run the Docker half)")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> Backend:
    if request.param == "docker":
        _docker_or_skip()
    return Backend(SandboxConfig(backend=request.param, memory_mb=128, pids=64, timeout_s=20,
                                 output_cap_bytes=4096, max_concurrent=3))


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind():
    yield
    client = docker_backend.engine()
    if client is not None:
        assert docker_backend.labelled(client) == [], "sandbox containers left behind"
    assert cgroups.stale() == [], "sandbox cgroups left behind"
