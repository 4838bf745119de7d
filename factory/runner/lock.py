"""One writer per run directory. A nightly job that runs long meets the next tick, and no scheduler
here (cron, RayCronJob, scrontab) prevents the overlap: two writers would commit into one manifest.

The lock is `flock` on `run.lock` in the run directory, held for the whole run: the kernel drops it
when the holder dies, however it dies, so a lock we can take is never held by a live process (on a
shared volume too — Linux NFS maps flock to byte-range locks the server arbitrates). The file also
records who holds it (host, pid, start time) so that a refused run can name the holder, and so that
taking over from a holder that died without releasing says so."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import time
from pathlib import Path
from typing import Any

from factory.errors import UserError

LOCK_FILE = "run.lock"
log = logging.getLogger(__name__)


def holder_text(h: dict[str, Any]) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(h.get("started", 0)))
    return f"pid {h.get('pid', '?')} on {h.get('host', '?')} (since {when}, {h.get('command', 'factory')})"


def read_holder(run_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((run_dir / LOCK_FILE).read_text() or "null")
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class RunLock:
    """Context manager: `with RunLock(run_dir): ...` — raises UserError at once when another process
    holds the directory. `taken_over` is the record of a holder that died without releasing."""

    def __init__(self, run_dir: Path, command: str = "factory run"):
        self.run_dir, self.command = run_dir, command
        self.fd: int | None = None
        self.taken_over: dict[str, Any] | None = None

    def __enter__(self) -> "RunLock":
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.run_dir / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            h = read_holder(self.run_dir)
            who = holder_text(h) if h else "another process"
            raise UserError(f"{self.run_dir} is being written by {who}; wait for that run to end or stop it "
                            f"(one writer per run directory: {path})") from None
        except OSError as e:
            os.close(fd)
            raise UserError(f"{path}: cannot lock the run directory ({e.strerror}); the file system must "
                            "support flock (local disk, NFS v4, a Kubernetes PVC)") from None
        self.fd = fd
        self.taken_over = read_holder(self.run_dir)
        if self.taken_over:
            log.warning("took over %s's lock from %s, which ended without releasing it", self.run_dir,
                        holder_text(self.taken_over))
        record = {"host": socket.gethostname(), "pid": os.getpid(), "started": time.time(), "command": self.command}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        os.fsync(fd)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is None:
            return
        # An empty file is a released lock: the next run takes it without a "took over" warning.
        os.ftruncate(self.fd, 0)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None
