"""The one interface every pipeline uses: put files in, run a command, read files back, tear
down. A sandbox is a context manager; the code it runs is hostile."""

from __future__ import annotations

import abc
import os
import posixpath
from dataclasses import dataclass

WORKDIR = "/work"
SANDBOX_UID = 65534


class SandboxError(Exception):
    """The sandbox itself failed (not the program in it)."""


@dataclass
class RunResult:
    exit_code: int
    stdout: str
    stderr: str
    stdout_truncated: bool
    stderr_truncated: bool
    timed_out: bool
    oom_killed: bool
    duration_s: float

    @property
    def passed(self) -> bool:
        """Graded from the exit status alone, never from what the program printed."""
        return self.exit_code == 0 and not self.timed_out and not self.oom_killed


def process_alive(pid: int) -> bool:
    """Whether the process that owns a sandbox still runs (sandboxes of dead owners are reaped)."""
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's


def work_path(path: str) -> str:
    """Resolve `path` inside the work dir; refuse anything that escapes it."""
    full = posixpath.normpath(posixpath.join(WORKDIR, path))
    if full != WORKDIR and not full.startswith(WORKDIR + "/"):
        raise SandboxError(f"path '{path}' is outside the sandbox work dir {WORKDIR}")
    return full


class Sandbox(abc.ABC):
    backend: str

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abc.abstractmethod
    def put_files(self, files: dict[str, bytes | str]) -> None:
        """Write files (paths relative to the work dir)."""

    @abc.abstractmethod
    def run(self, argv: list[str], *, env: dict[str, str] | None = None, cwd: str = ".",
            stdin: bytes | None = None, timeout_s: float | None = None) -> RunResult: ...

    @abc.abstractmethod
    def read_file(self, path: str) -> bytes: ...

    @abc.abstractmethod
    def close(self) -> None:
        """Tear down; idempotent."""
