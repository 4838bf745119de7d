"""One run: open the run dir, work out what is left, start teacher and workers, keep chunks in
flight, commit results, and fail loudly (after committing what is complete) when the teacher dies.
Start-up and tear-down are one ExitStack: whatever was started is stopped, in reverse order, however
the run ends (docs/architecture.md, "Lifecycle")."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factory import logs, provenance
from factory.config import RunConfig
from factory.errors import ConfigError, TeacherUnavailable, UserError, explain, is_storage_full, plain_error, storage_full
from factory.manifest import Manifest, load_manifest
from factory.pipeline import Pipeline, PipelineView
from factory.pipeline.registry import PipelineRef, resolve
from factory.runner.committer import Committer
from factory.runner.executor import InlineExecutor, RayExecutor, RaySession, reap_stale_temp_dirs
from factory.runner.lock import RunLock
from factory.runner.rundir import open_run_dir
from factory.stats import run_stats
from factory.teacher.base import Teacher
from factory.teacher.build import TeacherHandle, build_teacher, preflight
from factory.trajectory import Task

log = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    run_dir: Path
    stats: dict[str, Any]
    wall_s: float
    new_tasks: int
    view: PipelineView


class Progress:
    """What the driver reports to (a rich progress bar in the CLI, nothing in tests)."""

    def start(self, total: int, done: int) -> None: ...
    def advance(self, n: int, stats: dict[str, Any]) -> None: ...
    def stop(self) -> None: ...
    def status(self, text: str) -> None: ...


def chunked(tasks: list[Task], size: int) -> list[tuple[str, list[Task]]]:
    # Chunk ids name their first task, so they stay meaningful when chunk_size changes on resume.
    return [(f"chunk-{tasks[i].id}", tasks[i:i + size]) for i in range(0, len(tasks), size)]


def plan(cfg: RunConfig, ref: PipelineRef | None = None) -> tuple[Pipeline, list[Task]]:
    pipeline = (ref or resolve(cfg.pipeline)).load()(cfg)
    try:
        tasks = pipeline.tasks()
    except ConfigError as e:  # an option of the config (a tool source, an input file) failed: name the config
        raise e.where(cfg.source) from None
    if cfg.limit is not None:
        tasks = tasks[: cfg.limit]
    return pipeline, tasks


def grow(cfg: RunConfig, stream_option: str | None, add: int) -> RunConfig:
    """The config of a run extended by `add` tasks: no `limit`, and an append-only stream sized to
    what is committed plus `add` (earlier tasks stay the same, so none is redone)."""
    manifest = load_manifest(cfg.run_dir) if cfg.run_dir.exists() else None
    committed = sum(len(c.task_ids) for c in manifest.commits) if manifest else 0
    update: dict[str, Any] = {"limit": None}
    if stream_option:
        size = cfg.pipeline_options.get(stream_option) or 0
        update["pipeline_options"] = {**cfg.pipeline_options, stream_option: max(int(size), committed + add)}
    return cfg.model_copy(update=update)


@dataclass
class Plan:
    """What a run will do, worked out before anything is written (bad options fail here)."""

    cfg: RunConfig
    ref: PipelineRef
    pipeline: Pipeline
    tasks: list[Task]
    stream_option: str | None


@dataclass
class Started:
    """A run dir opened and locked, and (when tasks are left) the teacher, executor and committer."""

    run_dir: Path
    manifest: Manifest
    tasks: list[Task]
    pending: list[Task]
    run_log: logs.JsonLinesHandler
    executor: Any = None
    committer: Committer | None = None


def run(cfg: RunConfig, progress: Progress | None = None, teacher: Teacher | None = None,
        add: int | None = None) -> RunOutcome:
    """`teacher` injects a ready teacher (tests, benchmarks); by default the config builds one.
    `add`: run only the next `add` tasks not yet committed (a nightly top-up of a named run)."""
    progress = progress or Progress()
    t0 = time.monotonic()
    p = make_plan(cfg, add, check_teacher=teacher is None)
    with contextlib.ExitStack() as stack:
        st = start(p, add, stack, progress, teacher)
        if st.pending:
            drive(p.cfg, st, progress)
        stats = finish(st)
    return RunOutcome(st.run_dir, stats, time.monotonic() - t0, len(st.pending), p.pipeline.view())


def make_plan(cfg: RunConfig, add: int | None, check_teacher: bool) -> Plan:
    ref = resolve(cfg.pipeline)
    stream_option = ref.load().stream_option
    if add is not None:
        cfg = grow(cfg, stream_option, add)
    pipeline, tasks = plan(cfg, ref)
    # The resolved options (defaults filled in) are what the run dir records.
    cfg = cfg.model_copy(update={"pipeline_options": pipeline.options.model_dump(mode="json")})
    if check_teacher:
        preflight(cfg.teacher)
    return Plan(cfg, ref, pipeline, tasks, stream_option)


def start(p: Plan, add: int | None, stack: contextlib.ExitStack, progress: Progress,
          teacher: Teacher | None) -> Started:
    """Lock and open the run dir, work out what is left; with work left, start Ray, the teacher,
    the executor and the committer. Each start registers its stop on `stack`."""
    cfg = p.cfg
    stack.enter_context(RunLock(cfg.run_dir))  # before anything reads or cleans the directory
    view = p.pipeline.view()
    run_dir, manifest = open_run_dir(cfg, view, p.pipeline.option_defaults(), p.stream_option)
    p.pipeline.record(run_dir)
    done_ids = {t for c in manifest.commits for t in c.task_ids}
    tasks, pending = p.tasks, [t for t in p.tasks if t.id not in done_ids]
    if add is not None:
        pending = _top_up(pending, add, len(done_ids), cfg.pipeline, p.stream_option)
        tasks = [t for t in tasks if t.id in done_ids] + pending
    run_log = stack.enter_context(logs.run_log(run_dir / "run.log", {type(p.pipeline).__module__.split(".")[0]}))
    stack.enter_context(logs.log_context(run_id=manifest.run_id))
    log.info("run %s: %d tasks, %d committed, %d to do (pipeline %s)", manifest.run_id,
             len(tasks), len(tasks) - len(pending), len(pending), cfg.pipeline)
    st = Started(run_dir, manifest, tasks, pending, run_log)
    use_ray = cfg.runner.executor == "ray"
    if use_ray and not cfg.runner.address:
        # Even with nothing to do: a run killed after its last commit left its Ray session behind.
        reap_stale_temp_dirs()
    if not pending:
        return st
    with _failure_logged():
        _start_engines(p, st, stack, progress, teacher)
    return st


def _start_engines(p: Plan, st: Started, stack: contextlib.ExitStack, progress: Progress,
                   teacher: Teacher | None) -> None:
    cfg, manifest, run_log = p.cfg, st.manifest, st.run_log
    use_ray = cfg.runner.executor == "ray"
    stack.callback(progress.stop)
    progress.status("preparing the pipeline's environment")
    p.pipeline.preflight()
    if use_ray:
        progress.status("starting Ray")
        stack.enter_context(RaySession(cfg))
    # Workers first: on Ray they start (and open the pipeline's environment) while the engine loads.
    st.executor = executor = (RayExecutor if use_ray else InlineExecutor)(cfg, manifest.run_id, p.ref.target)
    stack.callback(lambda: run_log.write_many(executor.close()))
    progress.status(f"starting teacher ({cfg.teacher.backend})")
    handle = TeacherHandle(teacher) if teacher else build_teacher(cfg.teacher, use_ray=use_ray,
                                                                  log_sink=run_log.write_many)
    stack.callback(handle.close)
    # Workers still stop before the teacher (a chunk cut short ends while its teacher is there);
    # the callback registered above is then a no-op.
    stack.callback(lambda: run_log.write_many(executor.close()))
    info = handle.teacher.info
    log.info("teacher ready: %s %s, sampling %s", info.backend, info.model, info.sampling)
    provenance.record(st.run_dir, info.model_dump(), handle.model_path)
    progress.status("starting workers")
    executor.attach(handle.teacher)
    st.committer = Committer(cfg, st.run_dir, manifest, p.pipeline.view())
    stack.callback(st.committer.close)
    progress.start(len(st.tasks), len(st.tasks) - len(st.pending))


def drive(cfg: RunConfig, st: Started, progress: Progress) -> None:
    """Keep chunks in flight until every pending task is committed or the run fails; a failure is
    written to run.log once, in the words the CLI prints (factory.errors.explain)."""
    assert st.committer is not None
    try:
        asyncio.run(_drive(cfg, st.executor.submit, chunked(st.pending, cfg.runner.chunk_size),
                           st.committer, progress, st.run_dir, st.run_log))
    except OSError as e:
        if not is_storage_full(e):
            log.error("run failed: %s: %s", type(e).__name__, e, exc_info=True)
            raise
        full = storage_full(e, st.run_dir)
        log.error("%s", full, extra=logs.FINAL)
        raise full from None
    except BaseException as e:
        _log_failure(e)
        raise


@contextlib.contextmanager
def _failure_logged() -> Iterator[None]:
    try:
        yield
    except BaseException as e:
        _log_failure(e)
        raise


def _log_failure(e: BaseException) -> None:
    """Into run.log once, in the words the CLI prints; a failure that is not expected with its traceback."""
    known = explain(e)
    if known is not None:
        log.error("%s", known[1], extra=logs.FINAL)
    else:
        log.error("run failed: %s: %s", type(e).__name__, e, exc_info=True)


def finish(st: Started) -> dict[str, Any]:
    stats = run_stats(st.manifest)
    _write_stats(st.run_dir, stats)
    log.info("run %s done: %d rows, %d accepted", st.manifest.run_id, stats["rows"], stats["accepted"])
    return stats


async def _drive(cfg: RunConfig, submit: Callable[..., Any], chunks: list[tuple[str, list[Task]]],
                 committer: Committer, progress: Progress, run_dir: Path, run_log: logs.JsonLinesHandler) -> None:
    limit = cfg.runner.workers * cfg.runner.chunks_in_flight
    queue = list(enumerate(chunks))
    inflight: dict[asyncio.Future[Any], str] = {}
    failure: BaseException | None = None
    try:
        while queue or inflight:
            while queue and len(inflight) < limit and failure is None:
                i, (cid, ts) = queue.pop(0)
                inflight[asyncio.ensure_future(submit(i, cid, [t.model_dump() for t in ts]))] = cid
            if not inflight:
                break
            done, _ = await asyncio.wait(inflight, timeout=max(0.5, cfg.shards.flush_seconds / 4),
                                         return_when=asyncio.FIRST_COMPLETED)
            for fut in done:
                inflight.pop(fut)
                try:
                    result = fut.result()
                except TeacherUnavailable as e:
                    # From a Ray worker this is a RayTaskError that is also a TeacherUnavailable: its
                    # text carries the remote traceback. The user gets the cause in one line.
                    failure = failure or TeacherUnavailable(plain_error(e))
                    continue
                run_log.write_many(result.logs)
                committer.add(result)
                progress.advance(len(result.task_ids), {})
            if failure is not None:
                # Whatever is complete gets committed; in-flight chunks are abandoned (they hold no
                # committed state) and will be redone by the rerun.
                for fut in inflight:
                    fut.cancel()
                # Let them end here: a chunk may end with the same teacher error while it is being
                # cancelled, and one left to asyncio.run's shutdown is printed there as a traceback.
                ended, _ = await asyncio.wait(inflight, timeout=10) if inflight else (set(), set())
                for fut in ended:
                    if not fut.cancelled():
                        fut.exception()
                inflight.clear()
                break
            if committer.due():
                committer.flush()
                _write_stats(run_dir, run_stats(committer.manifest))
    finally:
        committer.flush()
    if failure is not None:
        raise failure


def _top_up(pending: list[Task], add: int, committed: int, pipeline: str, stream_option: str | None) -> list[Task]:
    if not pending:
        grow_how = ("" if stream_option else f"; pipeline {pipeline} has a fixed task list (no append-only stream): "
                    "give it more input (e.g. a larger task file) and rerun with --add")
        raise UserError(f"--add {add}: no new task — all {committed} tasks this config defines are committed"
                        + grow_how)
    if len(pending) < add:
        log.warning("--add %d: only %d new task(s) left in this config", add, len(pending))
    return pending[:add]


def _write_stats(run_dir: Path, stats: dict[str, Any]) -> None:
    tmp = run_dir / "stats.json.tmp"
    try:
        tmp.write_text(json.dumps(stats, indent=1, sort_keys=True))
        tmp.replace(run_dir / "stats.json")
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
