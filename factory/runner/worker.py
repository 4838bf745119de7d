"""A worker runs whole chunks: many trajectories concurrently (so the teacher engine stays
batched), then decides what each row is (factory.verify.decide). The same class runs inline or as
a Ray actor. It owns its pipeline's resources: opened when the worker starts, closed by `close()`
(docs/architecture.md, "Lifecycle"). The teacher is attached after the worker has started, so a
pipeline's environment (sandbox pools, tool servers) comes up while the teacher's engine loads."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from factory import logs
from factory.config import RunConfig
from factory.dedup.signature import Signature, Signer
from factory.errors import TeacherUnavailable
from factory.pipeline.registry import PipelineRef
from factory.teacher.base import Teacher
from factory.teacher.meter import MeteredTeacher
from factory.teacher.recording import RecordingTeacher
from factory.trajectory import Task, Trajectory, Usage
from factory.verify.decide import decide
from factory.verify.generic import generic_verifiers

log = logging.getLogger(__name__)


@dataclass
class ChunkResult:
    chunk_id: str
    task_ids: list[str]
    rows: list[Trajectory]
    usage: Usage
    seconds: float
    logs: list[dict[str, Any]] = field(default_factory=list)  # records from a Ray worker, for run.log
    signatures: dict[str, Signature] = field(default_factory=dict)  # dedup signatures of accepted rows, by id
    teacher: dict[str, Any] = field(default_factory=dict)  # the worker's teacher meter since its last chunk


def error_row(task: Task, exc: BaseException) -> Trajectory:
    msg = " ".join(str(exc).split())[:300]
    return Trajectory(pipeline=task.pipeline, task_id=task.id, seed=task.seed, messages=[], outcome="error",
                      meta={"payload": task.payload}, reject_reason=f"error:{type(exc).__name__}:{msg}")


class ChunkWorker:
    def __init__(self, cfg: dict[str, Any], teacher: Teacher | None, run_id: str, pipeline: str, *,
                 buffer_logs: bool = False):
        """`pipeline` is the resolved `module:Class` target (a worker on another node needs no
        registry). `teacher`: None until `attach`. `buffer_logs`: keep log records to hand back with
        results (Ray workers)."""
        ours = {pipeline.split(".", 1)[0].split(":", 1)[0]}  # the pipeline's own package logs at INFO too
        self.buffer = logs.LogBuffer(extra_components=ours) if buffer_logs else None
        if self.buffer is not None:
            logs.install(self.buffer)
        self.cfg = RunConfig.model_validate(cfg)
        self.pipeline = PipelineRef(pipeline).load()(self.cfg)
        self.pipeline.open()
        self.verifiers = generic_verifiers(self.cfg.verify, self.pipeline.repetition_per_message) + self.pipeline.verifiers()
        self.teacher = MeteredTeacher(teacher) if teacher is not None else None
        self.run_id = run_id
        self.signer = Signer(self.cfg.dedup)
        self._sem: asyncio.Semaphore | None = None

    def attach(self, teacher: Teacher) -> None:
        """Give the worker its teacher; returns once the worker (and its pipeline) is up."""
        self.teacher = MeteredTeacher(teacher)

    async def run_chunk(self, chunk_id: str, tasks: list[dict[str, Any]]) -> ChunkResult:
        assert self.teacher is not None, "attach a teacher before running chunks"
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.cfg.runner.trajectories_in_flight)
        t0 = time.monotonic()
        parsed = [Task.model_validate(t) for t in tasks]
        with logs.log_context(run_id=self.run_id, chunk_id=chunk_id):
            try:
                async with asyncio.TaskGroup() as tg:
                    futs = [tg.create_task(self._one(t)) for t in parsed]
            except* TeacherUnavailable as eg:
                raise eg.exceptions[0] from None
        rows: list[Trajectory] = [r for f in futs for r in f.result()]
        usage = Usage()
        for r in rows:
            usage = usage.add(r.usage)
        # Hashing is the costly part of dedup: done here, where workers scale out, not in the committer.
        sigs = {r.id: self.signer.sign(r) for r in rows if r.accepted}
        return ChunkResult(chunk_id, [t.id for t in parsed], rows, usage, time.monotonic() - t0,
                           self.drain_logs(), sigs, self.teacher.take())

    async def _one(self, task: Task) -> list[Trajectory]:
        assert self._sem is not None
        assert self.teacher is not None
        with logs.log_context(task_id=task.id):
            async with self._sem:
                t0 = time.monotonic()
                teacher = RecordingTeacher(self.teacher)
                try:
                    trajs = await self.pipeline.generate(task, teacher)
                except TeacherUnavailable:
                    raise
                except Exception as e:  # noqa: BLE001 - any other failure is recorded as this task's error row
                    log.error("task failed: %s: %s", type(e).__name__, e, exc_info=True)
                    trajs = [error_row(task, e)]
                elapsed = time.monotonic() - t0
            info = teacher.used()
            stamped = []
            for t in trajs:
                usage = t.usage.model_copy(update={"wall_seconds": elapsed}) if t.usage.teacher_calls else t.usage
                stamped.append(t.model_copy(update={"run_id": self.run_id, "seed": task.seed, "teacher": info,
                                                    "usage": usage}))
            # Off the event loop: a slow verifier must not hold up the teacher calls of other trajectories.
            try:
                return await asyncio.to_thread(decide, stamped, self.verifiers, self.pipeline)
            except Exception as e:  # noqa: BLE001 - a verifier that breaks fails this task, not the run
                log.error("verifying the task failed: %s: %s", type(e).__name__, e, exc_info=True)
                return await asyncio.to_thread(decide, [error_row(task, e)], [], self.pipeline)

    def drain_logs(self) -> list[dict[str, Any]]:
        return self.buffer.drain() if self.buffer is not None else []

    def close(self) -> list[dict[str, Any]]:
        """Close the pipeline's resources; returns the last log records. Safe to call twice."""
        try:
            self.pipeline.close()
        except Exception:  # noqa: BLE001 - closing must go on; the failure is logged
            log.exception("closing pipeline %s failed", self.pipeline.name)
        out = self.drain_logs()
        if self.buffer is not None:
            logs.uninstall(self.buffer)
            self.buffer = None
        return out
