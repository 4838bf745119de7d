"""One run: open the run dir, work out what is left, start teacher and workers, keep chunks in
flight, commit results, and fail loudly (after committing what is complete) when the teacher dies."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factory.config import RunConfig
from factory.errors import TeacherUnavailable
from factory.runner.committer import Committer
from factory.runner.executor import InlineExecutor, RayExecutor, RaySession
from factory.runner.rundir import open_run_dir
from factory.schema import Task
from factory.stats import run_stats
from factory.teacher.base import Teacher
from factory.teacher.build import TeacherHandle, build_teacher, preflight
from pipelines.registry import get_pipeline


@dataclass
class RunOutcome:
    run_dir: Path
    stats: dict[str, Any]
    wall_s: float
    new_tasks: int


class Progress:
    """What the driver reports to (a rich progress bar in the CLI, nothing in tests)."""

    def start(self, total: int, done: int) -> None: ...
    def advance(self, n: int, stats: dict[str, Any]) -> None: ...
    def stop(self) -> None: ...
    def status(self, text: str) -> None: ...


def chunked(tasks: list[Task], size: int) -> list[tuple[str, list[Task]]]:
    # Chunk ids name their first task, so they stay meaningful when chunk_size changes on resume.
    return [(f"chunk-{tasks[i].id}", tasks[i:i + size]) for i in range(0, len(tasks), size)]


def plan(cfg: RunConfig) -> tuple[Any, list[Task]]:
    pipeline = get_pipeline(cfg.pipeline)(cfg)
    tasks = pipeline.tasks()
    if cfg.limit is not None:
        tasks = tasks[: cfg.limit]
    return pipeline, tasks


def run(cfg: RunConfig, progress: Progress | None = None, teacher: Teacher | None = None) -> RunOutcome:
    """`teacher` injects a ready teacher (tests, benchmarks); by default the config builds one."""
    progress = progress or Progress()
    t0 = time.monotonic()
    pipeline, tasks = plan(cfg)
    cfg = cfg.model_copy(update={"pipeline_options": pipeline.options.model_dump(mode="json")})
    if teacher is None:
        preflight(cfg.teacher)
    run_dir, manifest = open_run_dir(cfg)
    done_ids = {t for c in manifest.commits for t in c.task_ids}
    pending = [t for t in tasks if t.id not in done_ids]
    if pending:
        progress.status("preparing the pipeline's environment")
        pipeline.preflight()
        use_ray = cfg.runner.executor == "ray"
        session = RaySession(cfg) if use_ray else None
        if session:
            progress.status("starting Ray")
            session.__enter__()
        try:
            progress.status(f"starting teacher ({cfg.teacher.backend})")
            handle = TeacherHandle(teacher) if teacher else build_teacher(cfg.teacher, use_ray=use_ray)
            try:
                executor = (RayExecutor if use_ray else InlineExecutor)(cfg, handle.teacher, manifest.run_id)
                committer = Committer(cfg, run_dir, manifest, pipeline.stat_keys)
                progress.start(len(tasks), len(tasks) - len(pending))
                try:
                    asyncio.run(_drive(cfg, executor.submit, chunked(pending, cfg.runner.chunk_size),
                                       committer, progress, run_dir))
                finally:
                    executor.close()
            finally:
                handle.close()
        finally:
            progress.stop()
            if session:
                session.__exit__(None, None, None)
    stats = run_stats(manifest)
    _write_stats(run_dir, stats)
    return RunOutcome(run_dir, stats, time.monotonic() - t0, len(pending))


async def _drive(cfg: RunConfig, submit: Callable[..., Any], chunks: list[tuple[str, list[Task]]],
                 committer: Committer, progress: Progress, run_dir: Path) -> None:
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
                    failure = failure or e
                    continue
                committer.add(result)
                progress.advance(len(result.task_ids), {})
            if failure is not None:
                # Whatever is complete gets committed; in-flight chunks are abandoned (they hold no
                # committed state) and will be redone by the rerun.
                for fut in inflight:
                    fut.cancel()
                inflight.clear()
                break
            if committer.due():
                committer.flush()
                _write_stats(run_dir, run_stats(committer.manifest))
    finally:
        committer.flush()
    if failure is not None:
        raise failure


def _write_stats(run_dir: Path, stats: dict[str, Any]) -> None:
    tmp = run_dir / "stats.json.tmp"
    tmp.write_text(json.dumps(stats, indent=1, sort_keys=True))
    tmp.replace(run_dir / "stats.json")
