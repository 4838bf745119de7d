"""bubblewrap backend for machines with no Docker engine: the same root filesystem read-only,
every namespace unshared (network included), privileges dropped with setpriv before entering,
memory/CPU/pids limits through cgroups, the same timeout and output-cap semantics."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sandboxes import cgroups, workfs
from sandboxes.base import SANDBOX_UID, WORKDIR, RunResult, Sandbox, SandboxError, process_alive, work_path
from sandboxes.capture import Capped
from sandboxes.config import SandboxConfig

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def available() -> bool:
    return shutil.which("bwrap") is not None and shutil.which("setpriv") is not None


class BwrapSandbox(Sandbox):
    backend = "bwrap"

    def __init__(self, cfg: SandboxConfig, rootfs: Path):
        if not available():
            raise SandboxError("bubblewrap not found: apt-get install bubblewrap (or use the docker backend)")
        self.cfg, self.rootfs = cfg, rootfs
        self.name = f"{cgroups.PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.base = Path(tempfile.mkdtemp(prefix=self.name + "-"))
        self.base.chmod(0o711)  # uid 65534 must traverse to its work dir, and list nothing else
        self.work = self.base / "work"
        self.work.mkdir(mode=0o700)
        self.closed = False
        try:
            workfs.mount(self.work, cfg.work_mb, SANDBOX_UID)
            self.cg = cgroups.Cgroup(self.name, cfg.memory_mb, cfg.cpus, cfg.pids)
        except BaseException:
            workfs.unmount(self.work)
            shutil.rmtree(self.base, ignore_errors=True)
            raise

    def _host(self, path: str) -> Path:
        """Host path of a work-dir path; symlinks planted by the sandboxed program cannot lead out."""
        rel = work_path(path)[len(WORKDIR):].lstrip("/")
        host = (self.work / rel).resolve()
        if host != self.work and self.work not in host.parents:
            raise SandboxError(f"'{path}' resolves outside the sandbox work dir")
        return host

    def put_files(self, files: dict[str, bytes | str]) -> None:
        for path, content in files.items():
            target = self._host(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            for d in [target.parent, *target.parent.parents]:
                if d == self.work or self.work not in d.parents:
                    break
                os.chown(d, SANDBOX_UID, SANDBOX_UID)
            target.write_bytes(content.encode() if isinstance(content, str) else content)
            os.chown(target, SANDBOX_UID, SANDBOX_UID)

    def read_file(self, path: str) -> bytes:
        host = self._host(path)
        try:
            fd = os.open(host, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as e:
            raise SandboxError(f"cannot read '{path}' from the sandbox: {e.strerror}") from None
        with os.fdopen(fd, "rb") as f:
            return f.read()

    def _argv(self, argv: list[str], env: dict[str, str], cwd: str) -> list[str]:
        bw = ["bwrap", "--ro-bind", str(self.rootfs), "/", "--dev", "/dev", "--proc", "/proc",
              "--tmpfs", "/tmp", "--bind", str(self.work), WORKDIR, "--unshare-all", "--die-with-parent",
              "--new-session", "--clearenv", "--chdir", cwd]
        for k, v in {"PATH": PATH, "HOME": WORKDIR, **env}.items():
            bw += ["--setenv", k, v]
        drop = ["setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
        # -S -I: the helper needs no site-packages, and skipping them saves most of its start-up
        enter = [sys.executable, "-S", "-I", str(Path(__file__).with_name("enter_cgroup.py"))]
        return [*enter, *self.cg.procs_files(), "--", *drop, *bw, "--", *argv]

    def run(self, argv: list[str], *, env: dict[str, str] | None = None, cwd: str = ".",
            stdin: bytes | None = None, timeout_s: float | None = None) -> RunResult:
        if self.closed:
            raise SandboxError("this sandbox is closed")
        t0 = time.monotonic()
        ooms = self.cg.oom_kills()
        proc = subprocess.Popen(self._argv(argv, env or {}, work_path(cwd)), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                env={"PATH": PATH})  # nothing of ours leaks in (LD_PRELOAD from torch, keys)
        out, err = Capped(self.cfg.output_cap_bytes), Capped(self.cfg.output_cap_bytes)
        readers = [threading.Thread(target=c.drain, args=(s,), daemon=True)
                   for c, s in ((out, proc.stdout), (err, proc.stderr))]
        for r in readers:
            r.start()
        self._feed(proc, stdin)
        timed_out = False
        try:
            code = proc.wait(timeout=timeout_s or self.cfg.timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            self._kill(proc)
            code = proc.wait()
        self.cg.kill_all()  # nothing outlives its run
        for r in readers:
            r.join(timeout=5)
        oom = not timed_out and self.cg.oom_kills() > ooms
        if code < 0:
            code = 128 - code  # report signals the way a shell (and Docker) does: SIGKILL → 137
        return RunResult(code, out.text(), err.text(), out.truncated, err.truncated, timed_out, oom,
                         time.monotonic() - t0)

    @staticmethod
    def _feed(proc: subprocess.Popen, data: bytes | None) -> None:
        assert proc.stdin is not None

        def write() -> None:
            try:
                if data:
                    proc.stdin.write(data)
                proc.stdin.close()
            except OSError:
                pass  # the program exited without reading its stdin

        threading.Thread(target=write, daemon=True).start()

    def _kill(self, proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.cg.kill_all()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.cg.remove()
        workfs.unmount(self.work)
        shutil.rmtree(self.base, ignore_errors=True)


def reap() -> int:
    """Remove cgroups and work dirs left by sandboxes whose owning process died."""
    n = 0
    for path in cgroups.stale():
        owner = int(path.name[len(cgroups.PREFIX):].split("-")[0] or 0)
        if owner and not process_alive(owner):
            cg = cgroups.Cgroup.__new__(cgroups.Cgroup)
            cg.dirs = [path]
            cg.remove()
            n += 1
    for d in Path(tempfile.gettempdir()).glob(f"{cgroups.PREFIX}*"):
        owner = int(d.name[len(cgroups.PREFIX):].split("-")[0] or 0)
        if owner and not process_alive(owner):
            workfs.unmount(d / "work")
            shutil.rmtree(d, ignore_errors=True)
            n += 1
    return n

