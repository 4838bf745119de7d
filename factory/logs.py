"""Logging: stdlib `logging` everywhere, three sinks.

- the CLI: a rich handler on stderr (`-v` for info, `-vv` for debug, `-q` for errors only);
- the run: `runs/<name>/run.log`, JSON lines (time, level, component, run/chunk/task id, message,
  traceback) written by the driver;
- Ray workers and teacher actors keep their records in a `LogBuffer` and hand them to the driver
  with each chunk result (and when they close), which appends them to run.log. Forwarding through
  results works on a cluster without a shared file system; a worker that dies takes only the
  records of its unfinished chunk with it, and the driver logs the death itself.

Context (run_id, chunk_id, task_id) travels in a ContextVar, so asyncio tasks inherit it."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import traceback
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from types import MappingProxyType
from typing import Any

from factory.errors import strip_ansi

# Loggers whose INFO records we keep; everyone else's (httpx, urllib3, vllm, ray…) from WARNING up.
OUR_COMPONENTS = {"factory", "pipelines", "sandboxes", "tool_graph", "tf_common"}

# Read-only default: a context is replaced (log_context), never changed in place.
_context: ContextVar[Mapping[str, str]] = ContextVar("tf_log_context", default=MappingProxyType({}))


@contextlib.contextmanager
def log_context(**fields: str) -> Iterator[None]:
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


class _OursOrWarnings(logging.Filter):
    def __init__(self, extra: set[str] | None = None):
        super().__init__()
        self.ours = OUR_COMPONENTS | (extra or set())

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "tf_context"):
            record.tf_context = _context.get()
        return record.levelno >= logging.WARNING or record.name.split(".", 1)[0] in self.ours


def as_dict(record: logging.LogRecord) -> dict[str, Any]:
    d: dict[str, Any] = {
        "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
        "level": record.levelname, "component": record.name,
        **(getattr(record, "tf_context", None) or _context.get()),
        "message": record.getMessage(),
    }
    if record.exc_info and record.exc_info[0] is not None:
        d["traceback"] = "".join(traceback.format_exception(*record.exc_info))
    return d


class JsonLinesHandler(logging.Handler):
    """Appends one JSON object per record; each line is flushed, so a killed run keeps its log."""

    def __init__(self, path: Path, extra_components: set[str] | None = None):
        super().__init__(logging.DEBUG)
        self.path = path
        self.lost = 0  # lines the file system refused
        self._f = path.open("a", encoding="utf-8", buffering=1)
        self.addFilter(_OursOrWarnings(extra_components))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.write(as_dict(record))
        except ValueError:
            self.handleError(record)

    def write(self, d: dict[str, Any]) -> None:
        try:
            if self._f.closed:  # a library's logging.config.dictConfig closes every handler (vLLM does, in-process)
                self._f = self.path.open("a", encoding="utf-8", buffering=1)
            self._f.write(json.dumps(d, ensure_ascii=False, default=str) + "\n")
        except OSError:
            # A full disk: the log is the first casualty and must not become a traceback on the
            # console; the commit that fails next says what happened in one line.
            self.lost += 1

    def write_many(self, records: list[dict[str, Any]]) -> None:
        """Records forwarded from other processes (already filtered and formatted there)."""
        for d in records:
            self.write(d)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._f.close()
        super().close()


class LogBuffer(logging.Handler):
    """Keeps records (as dicts) in memory until `drain()`; bounded, counting what it had to drop."""

    def __init__(self, limit: int = 20_000, extra_components: set[str] | None = None):
        super().__init__(logging.DEBUG)
        self.limit = limit
        self.records: list[dict[str, Any]] = []
        self.dropped = 0
        self.addFilter(_OursOrWarnings(extra_components))

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) >= self.limit:
            self.dropped += 1
            return
        self.records.append(as_dict(record))

    def drain(self) -> list[dict[str, Any]]:
        out, self.records = self.records, []
        if self.dropped:
            out.append({"level": "WARNING", "component": "factory.logs",
                        "message": f"{self.dropped} log records dropped (buffer full)"})
            self.dropped = 0
        return out


def install(handler: logging.Handler, level: int = logging.INFO) -> None:
    """Attach to the root logger and let `level` through to the handlers (their filters decide)."""
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)


def uninstall(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    handler.close()


@contextlib.contextmanager
def run_log(path: Path, extra_components: set[str] | None = None) -> Iterator[JsonLinesHandler]:
    handler = JsonLinesHandler(path, extra_components)
    install(handler)
    try:
        yield handler
    finally:
        uninstall(handler)


_worker_log = logging.getLogger("factory.workers.output")


def _log_worker_lines(data: dict[str, Any]) -> None:
    """Lines a Ray actor printed (vLLM's and torch's start-up warnings, progress bars, a crashing
    worker's traceback) as run.log records: the console is for our lines (`-v` shows these too);
    a worker's death is reported by the driver itself."""
    if data.get("pid") == "autoscaler":  # Ray's own cluster status every few seconds: not the workers' words
        return
    who = f"{data.get('actor_name') or data.get('task_name') or 'worker'} pid={data.get('pid')}"
    for line in data.get("lines") or []:
        # A progress bar redraws with carriage returns: its last state is the line.
        text = strip_ansi(str(line)).rsplit("\r", 1)[-1].strip()
        if text:
            _worker_log.info("(%s%s) %s", who, " stderr" if data.get("is_err") else "", text)


def route_worker_output() -> None:
    """After `ray.init(log_to_driver=True)`: send what actors print to logging (run.log) instead of
    the driver's stdout/stderr. Ray exposes the stream as a dispatcher with named handlers."""
    from ray._private.ray_logging import global_worker_stdstream_dispatcher as streams

    streams.remove_handler("ray_print_logs")
    streams.remove_handler("tf_worker_output")
    streams.add_handler("tf_worker_output", _log_worker_lines)


FINAL = {"tf_final": True}  # `log.error(..., extra=FINAL)`: for run.log only; the CLI prints it as its error line


def setup_cli(verbose: int, quiet: bool) -> None:
    """The console handler: our warnings by default (the progress bar and tables say the rest)."""
    from rich.console import Console
    from rich.logging import RichHandler

    level = logging.ERROR if quiet else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    handler = RichHandler(console=Console(stderr=True), level=level, show_path=False, rich_tracebacks=False)
    # Our lines only: other libraries' warnings (and Python warnings, captured) go to run.log.
    handler.addFilter(lambda r: r.levelno >= logging.ERROR or r.name.split(".", 1)[0] in OUR_COMPONENTS)
    logging.captureWarnings(True)
    # The run's last error goes to run.log; on the console the CLI prints it once, as its one line.
    handler.addFilter(lambda r: not getattr(r, "tf_final", False))
    install(handler, level)
