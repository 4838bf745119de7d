"""A caller killed with -9 while holding sandboxes leaves nothing behind once the next pool starts."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandboxes import cgroups, docker_backend
from sandboxes.config import SandboxConfig
from sandboxes.select import Backend
from tests.fakes.servers import ROOT

HOLDER = """
import sys, time
from sandboxes.config import SandboxConfig
from sandboxes.select import Backend
sb = Backend(SandboxConfig(backend=sys.argv[1])).open()
sb.run(["true"])
print("ready", flush=True)
time.sleep(600)
"""


def test_killed_caller_is_reaped(backend):
    p = subprocess.Popen([sys.executable, "-c", HOLDER, backend.name], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    owned = lambda: ([c for c in docker_backend.labelled(backend.client)  # noqa: E731
                      if c.labels[docker_backend.LABEL] == str(p.pid)] if backend.name == "docker"
                     else [c for c in cgroups.stale() if c.name.startswith(f"{cgroups.PREFIX}{p.pid}-")]
                     + list(Path(tempfile.gettempdir()).glob(f"{cgroups.PREFIX}{p.pid}-*"))
                     + [m for m in Path("/proc/self/mounts").read_text().splitlines()
                        if f"/{cgroups.PREFIX}{p.pid}-" in m])
    assert owned(), "the holder should own a live sandbox"
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    time.sleep(0.2)
    Backend(SandboxConfig(backend=backend.name))  # a new pool reaps what dead owners left
    assert owned() == []
