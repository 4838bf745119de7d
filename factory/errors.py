"""Error types. A `UserError` is printed as one line by the CLI and exits non-zero; its text must
say what is wrong, where, and what to do."""

from __future__ import annotations

import errno
import re


class UserError(Exception):
    """Bad input from the user (config, paths, flags). Printed as one line, exit code 2."""


def one_line(text: str, limit: int = 600) -> str:
    """What the CLI prints: an error whose text embeds another library's multi-line message still
    ends as one line (continuation lines joined with ' | ')."""
    parts = [p.strip() for p in _ANSI.sub("", text).splitlines() if p.strip()]
    joined = " | ".join(parts)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


class StorageFull(Exception):
    """The run's storage refused a write (no space left, quota): the run stops with one line, exit 1;
    the commit being written is discarded and every earlier one is intact."""


def is_storage_full(e: BaseException) -> bool:
    return isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class TeacherError(Exception):
    """The teacher could not answer. `transient` errors may be retried; others end the run."""

    def __init__(self, message: str, *, transient: bool = False):
        super().__init__(message)
        self.transient = transient


class TeacherUnavailable(TeacherError):
    """The teacher is gone (endpoint down, engine actor dead, watchdog fired): fatal for the run."""


class MalformedOutput(Exception):
    """The teacher's text could not be used. This is data, not a crash: callers record `reason`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Ray's wrapper line: "ray::ChunkWorker.run_chunk() (pid=123, ip=10.0.0.1, actor_id=…, repr=…)".
_RAY_FRAME = re.compile(r"ray::\S+\(\)\s*(\([^)]*\))?")


def plain_error(e: BaseException, limit: int = 400) -> str:
    """One line for a user: the innermost cause Ray wrapped (RayTaskError.cause), without Ray's
    actor/pid wrapper, ANSI colours or remote traceback."""
    seen = 0
    while getattr(e, "cause", None) is not None and seen < 10:  # RayTaskError chains, one per hop
        e, seen = e.cause, seen + 1
    lines = [ln for ln in _ANSI.sub("", str(e)).splitlines() if ln.strip()]
    # A RayTaskError's text is wrapper, "Traceback …", frames, then the cause's own last line.
    if any(ln.startswith("Traceback") for ln in lines):
        lines = lines[-1:]
    text = " ".join(_RAY_FRAME.sub("", ln).strip() for ln in lines[:1]) or type(e).__name__
    return " ".join(text.split())[:limit]


class WorkersLost(Exception):
    """More chunk workers were lost (nodes gone, actors crashed) than `runner.worker_restarts` allows."""
