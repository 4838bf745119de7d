"""A worker runs whole chunks: many trajectories concurrently (so the teacher engine stays
batched), then verifies them. The same class runs inline or as a Ray actor."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from factory.config import RunConfig
from factory.errors import TeacherUnavailable
from factory.schema import Task, Trajectory, Usage
from factory.teacher.base import Teacher
from factory.verify.base import apply_verifiers
from factory.verify.generic import generic_verifiers
from pipelines.registry import get_pipeline


@dataclass
class ChunkResult:
    chunk_id: str
    task_ids: list[str]
    rows: list[dict[str, Any]]
    usage: Usage
    seconds: float


def error_row(task: Task, exc: BaseException) -> Trajectory:
    msg = " ".join(str(exc).split())[:300]
    return Trajectory(pipeline=task.pipeline, task_id=task.id, seed=task.seed, messages=[], outcome="error",
                      meta={"payload": task.payload}, reject_reason=f"error:{type(exc).__name__}:{msg}")


class ChunkWorker:
    def __init__(self, cfg: dict[str, Any], teacher: Teacher, run_id: str):
        self.cfg = RunConfig.model_validate(cfg)
        self.pipeline = get_pipeline(self.cfg.pipeline)(self.cfg)
        self.verifiers = generic_verifiers(self.cfg.verify) + self.pipeline.verifiers()
        self.teacher = teacher
        self.run_id = run_id
        self._sem: asyncio.Semaphore | None = None

    async def run_chunk(self, chunk_id: str, tasks: list[dict[str, Any]]) -> ChunkResult:
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.cfg.runner.trajectories_in_flight)
        t0 = time.monotonic()
        parsed = [Task.model_validate(t) for t in tasks]
        try:
            async with asyncio.TaskGroup() as tg:
                futs = [tg.create_task(self._one(t)) for t in parsed]
        except* TeacherUnavailable as eg:
            raise eg.exceptions[0] from None
        rows: list[Trajectory] = [r for f in futs for r in f.result()]
        usage = Usage()
        for r in rows:
            usage = usage.add(r.usage)
        return ChunkResult(chunk_id, [t.id for t in parsed], [r.model_dump() for r in rows], usage,
                           time.monotonic() - t0)

    async def _one(self, task: Task) -> list[Trajectory]:
        assert self._sem is not None
        async with self._sem:
            t0 = time.monotonic()
            try:
                trajs = await self.pipeline.generate(task, self.teacher)
            except TeacherUnavailable:
                raise
            except Exception as e:  # noqa: BLE001 - any other failure is recorded as this task's error row
                trajs = [error_row(task, e)]
            elapsed = time.monotonic() - t0
        info = self.teacher.info
        done = []
        for t in trajs:
            usage = t.usage.model_copy(update={"wall_seconds": elapsed}) if t.usage.teacher_calls else t.usage
            t = t.model_copy(update={"run_id": self.run_id, "seed": task.seed, "teacher": info, "usage": usage})
            # Off the event loop: a slow verifier must not hold up the teacher calls of other trajectories.
            done.append(await asyncio.to_thread(apply_verifiers, t.with_content_id(), self.verifiers))
        return [t.with_content_id() if t.id == "" else t for t in self.pipeline.postprocess(done)]
