"""Docker backend (docker SDK): one long-lived hardened container per sandbox, commands run by
exec. Network none, read-only root, tmpfs work dir, uid 65534, no capabilities,
no-new-privileges, memory without swap, CPU and pids limits. A timeout kills the container."""

from __future__ import annotations

import io
import os
import socket
import tarfile
import threading
import time
from typing import Any

import docker
import docker.errors
from docker.utils.socket import frames_iter

from sandboxes.base import SANDBOX_UID, WORKDIR, RunResult, Sandbox, SandboxError, process_alive, work_path
from sandboxes.capture import Capped
from sandboxes.config import SandboxConfig

LABEL = "trajectory-factory.sandbox.owner"


def engine() -> docker.DockerClient | None:
    """A client when a Docker engine answers, else None."""
    try:
        client = docker.from_env(timeout=10)
        client.ping()
        return client
    except (docker.errors.DockerException, OSError):
        return None


class DockerSandbox(Sandbox):
    backend = "docker"

    def __init__(self, cfg: SandboxConfig, tag: str, client: docker.DockerClient):
        self.cfg, self.client = cfg, client
        self.dead = False
        user = f"{SANDBOX_UID}:{SANDBOX_UID}"
        self.container = client.containers.run(
            tag, ["sleep", "infinity"], detach=True, network_mode="none", read_only=True, user=user,
            tmpfs={WORKDIR: f"size={cfg.work_mb}m,uid={SANDBOX_UID},gid={SANDBOX_UID},mode=0700,exec",
                   "/tmp": "size=64m,mode=1777"},
            cap_drop=["ALL"], security_opt=["no-new-privileges"], mem_limit=f"{cfg.memory_mb}m",
            memswap_limit=f"{cfg.memory_mb}m", nano_cpus=int(cfg.cpus * 1e9), pids_limit=cfg.pids,
            working_dir=WORKDIR, labels={LABEL: str(os.getpid())}, environment={"HOME": WORKDIR})
        self._ooms = self._oom_count()

    # -- exec plumbing -------------------------------------------------------------------------
    def _exec(self, cmd: list[str], *, stdin: bytes | None, env: dict[str, str] | None = None,
              workdir: str = WORKDIR, timeout_s: float | None = None, cap: int | None = None):
        if self.dead:
            raise SandboxError("this sandbox was killed (timeout); open a new one")
        api = self.client.api
        eid = api.exec_create(self.container.id, cmd, stdin=stdin is not None, environment=env or {},
                              workdir=workdir, user=f"{SANDBOX_UID}:{SANDBOX_UID}")["Id"]
        sock = api.exec_start(eid, socket=True)
        raw = getattr(sock, "_sock", sock)
        out, err = Capped(cap or 1 << 30), Capped(cap or 1 << 30)

        def pump() -> None:
            if stdin is not None:
                try:
                    raw.sendall(stdin)
                except OSError:
                    pass  # the program exited without reading all of its stdin
            if stdin is not None:
                try:
                    raw.shutdown(socket.SHUT_WR)
                except OSError:
                    pass  # the exec already ended and closed its side
            for stream, data in frames_iter(sock, tty=False):
                (out if stream == 1 else err).feed(data)

        t = threading.Thread(target=pump, daemon=True)
        t.start()
        t.join(timeout_s)
        timed_out = t.is_alive()
        if timed_out:
            self.kill()
        sock.close()
        code = 137 if timed_out else int(api.exec_inspect(eid).get("ExitCode") or 0)
        return code, out, err, timed_out

    def _oom_count(self) -> int:
        # cgroup v1 and v2 both expose an oom_kill counter to the container itself.
        probe = ["sh", "-c", "cat /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null"]
        code, out, _, _ = self._exec(probe, stdin=None, timeout_s=10)
        for line in out.text().splitlines():
            key, _, val = line.partition(" ")
            if key == "oom_kill":
                return int(val)
        return 0

    # -- interface -----------------------------------------------------------------------------
    def put_files(self, files: dict[str, bytes | str]) -> None:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for path, content in files.items():
                data = content.encode() if isinstance(content, str) else content
                info = tarfile.TarInfo(work_path(path)[len(WORKDIR) + 1:])
                info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
                tar.addfile(info, io.BytesIO(data))
        code, _, err, _ = self._exec(["tar", "-x", "-C", WORKDIR, "--no-same-owner"], stdin=buf.getvalue(),
                                     timeout_s=120)
        if code != 0:
            raise SandboxError(f"putting files into the sandbox failed: {err.text()[:300]}")

    def run(self, argv: list[str], *, env: dict[str, str] | None = None, cwd: str = ".",
            stdin: bytes | None = None, timeout_s: float | None = None) -> RunResult:
        t0 = time.monotonic()
        code, out, err, timed_out = self._exec(argv, stdin=stdin, env=env, workdir=work_path(cwd),
                                               timeout_s=timeout_s or self.cfg.timeout_s,
                                               cap=self.cfg.output_cap_bytes)
        oom = False
        if not timed_out and code == 137:
            n = self._oom_count()
            oom, self._ooms = n > self._ooms, n
        return RunResult(code, out.text(), err.text(), out.truncated, err.truncated, timed_out, oom,
                         time.monotonic() - t0)

    def read_file(self, path: str) -> bytes:
        code, out, err, _ = self._exec(["cat", "--", work_path(path)], stdin=None, timeout_s=60)
        if code != 0:
            raise SandboxError(f"cannot read '{path}' from the sandbox: {err.text().strip()[:200]}")
        return bytes(out.data)

    def kill(self) -> None:
        self.dead = True
        try:
            self.container.kill()
        except docker.errors.APIError:
            pass  # already stopped

    def close(self) -> None:
        try:
            self.container.remove(force=True)
        except docker.errors.NotFound:
            pass
        self.dead = True


def reap(client: docker.DockerClient) -> int:
    """Remove sandboxes whose owning process is gone (a caller killed before it could clean up)."""
    n = 0
    for c in client.containers.list(all=True, filters={"label": LABEL}):
        owner = int(c.labels.get(LABEL, "0") or 0)
        if not process_alive(owner):
            c.remove(force=True)
            n += 1
    return n



def labelled(client: docker.DockerClient) -> list[Any]:
    return client.containers.list(all=True, filters={"label": LABEL})
