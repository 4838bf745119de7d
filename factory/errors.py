"""Error types. A `UserError` is printed as one line by the CLI and exits non-zero; its text must
say what is wrong, where, and what to do."""

from __future__ import annotations

import errno
import re


class UserError(Exception):
    """Bad input from the user (config, paths, flags). Printed as one line, exit code 2."""


class ConfigError(UserError):
    """A config field found wrong after loading (a pipeline's option: a tool source, an input file).
    `where(source)` names the file it came from, so the line points at the file and the field."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem

    def where(self, source: str | None) -> UserError:
        return UserError(f"{source}: {self}") if source else self


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


def storage_full(e: OSError, where: object, what: str = "") -> StorageFull:
    """The one wording of a full disk: where, what was lost (`what`), and what to do."""
    return StorageFull(f"{where}: {e.strerror or e} ({e.filename or 'a write'}); {what or 'committed shards are intact'}"
                       " — free space and rerun the same command to resume")


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


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # colours and cursor moves (CSI sequences)


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)
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


# Exit codes: 1 the run stopped (storage, workers), 2 bad input, 3 the teacher is gone, 130 interrupted.
def explain(e: BaseException) -> tuple[int, str] | None:
    """The one place an expected failure becomes its line and exit code (the CLI prints it, the
    driver writes it to run.log). None: not an expected failure — a bug, shown with its traceback."""
    from sandboxes.base import SandboxError  # the sandboxes package's own error; imported here, not at the top

    if isinstance(e, UserError):
        return 2, one_line(str(e))
    if isinstance(e, SandboxError):
        return 2, f"sandbox: {one_line(str(e))}"
    if isinstance(e, TeacherUnavailable):
        return 3, (f"the teacher stopped answering: {plain_error(e)}. Committed shards are intact; rerun the same "
                   "command to resume once the teacher is back.")
    if isinstance(e, (WorkersLost, StorageFull)):
        return 1, one_line(str(e))
    if isinstance(e, OSError) and is_storage_full(e):
        return 1, str(storage_full(e, "storage"))
    if isinstance(e, KeyboardInterrupt):
        return 130, "interrupted: committed shards are intact; rerun the same command to resume."
    return None
