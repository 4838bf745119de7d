"""Error types. A `UserError` is printed as one line by the CLI and exits non-zero; its text must
say what is wrong, where, and what to do."""


class UserError(Exception):
    """Bad input from the user (config, paths, flags). Printed as one line, exit code 2."""


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
