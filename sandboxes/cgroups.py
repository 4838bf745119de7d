"""Memory, CPU and pids limits for bubblewrap sandboxes, through cgroup v1 or v2 (whichever the
host mounts), and the oom_kill counter that tells an OOM kill from any other SIGKILL."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PREFIX = "tf-sbx-"


def is_v2() -> bool:
    return (ROOT / "cgroup.controllers").exists()


class Cgroup:
    def __init__(self, name: str, memory_mb: int, cpus: float, pids: int):
        self.name = name
        if is_v2():
            self.dirs = [ROOT / name]
        else:
            self.dirs = [ROOT / c / name for c in ("memory", "pids", "cpu") if (ROOT / c).is_dir()]
        try:
            for d in self.dirs:
                d.mkdir()
        except PermissionError:
            raise PermissionError("creating cgroups needs root (or a delegated cgroup); run as root or use "
                                  "the docker backend") from None
        mem = memory_mb * 1024 * 1024
        period = 100_000
        if is_v2():
            d = self.dirs[0]
            self._write(d / "memory.max", mem)
            self._write(d / "memory.swap.max", 0, optional=True)
            self._write(d / "pids.max", pids)
            self._write(d / "cpu.max", f"{int(cpus * period)} {period}", optional=True)
        else:
            for d in self.dirs:
                if d.parent.name == "memory":
                    self._write(d / "memory.limit_in_bytes", mem)
                    self._write(d / "memory.memsw.limit_in_bytes", mem, optional=True)  # no swap
                elif d.parent.name == "pids":
                    self._write(d / "pids.max", pids)
                elif d.parent.name == "cpu":
                    self._write(d / "cpu.cfs_period_us", period, optional=True)
                    self._write(d / "cpu.cfs_quota_us", int(cpus * period), optional=True)

    @staticmethod
    def _write(path: Path, value: object, optional: bool = False) -> None:
        try:
            path.write_text(str(value))
        except OSError:
            if not optional:
                raise

    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    def pids(self) -> set[int]:
        out: set[int] = set()
        for d in self.dirs:
            try:
                out |= {int(x) for x in (d / "cgroup.procs").read_text().split()}
            except OSError:
                pass  # the cgroup is already gone: it holds no process
        return out

    def oom_kills(self) -> int:
        for d in self.dirs:
            for f in ("memory.events", "memory.oom_control"):
                p = d / f
                if p.exists():
                    for line in p.read_text().splitlines():
                        key, _, val = line.partition(" ")
                        if key == "oom_kill":
                            return int(val)
        return 0

    def kill_all(self) -> None:
        """SIGKILL everything inside, until nothing is left (a fork bomb keeps forking)."""
        deadline = time.monotonic() + 10
        while (left := self.pids()) and time.monotonic() < deadline:
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass  # exited between listing and killing
            time.sleep(0.01)

    def remove(self) -> None:
        self.kill_all()
        for d in self.dirs:
            for _ in range(100):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def stale() -> list[Path]:
    """Our cgroups anywhere in the hierarchy (for reaping and leak checks)."""
    found: list[Path] = []
    for base in ([ROOT] if is_v2() else [ROOT / c for c in ("memory", "pids", "cpu")]):
        if base.is_dir():
            found += [p for p in base.iterdir() if p.name.startswith(PREFIX)]
    return found
