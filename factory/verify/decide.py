"""The one function that decides what a row is: content id, every verdict, the reject reason, then
the pipeline's postprocess (outcomes, derived rows). The worker calls it on each task's rows and
`factory verify` on each record, so a file re-verified offline gets the run's answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from factory.trajectory import Trajectory
from factory.verify.base import Verifier, apply_verifiers

if TYPE_CHECKING:
    from factory.pipeline.base import Pipeline


def decide(rows: list[Trajectory], verifiers: list[Verifier], pipeline: "Pipeline") -> list[Trajectory]:
    keys = pipeline.id_meta_keys
    verified = [apply_verifiers(t.with_content_id(keys), verifiers) for t in rows]
    out = pipeline.postprocess(verified)
    if [t.task_id for t in out[:len(verified)]] != [t.task_id for t in verified]:
        raise RuntimeError(f"{type(pipeline).__name__}.postprocess must return its input rows first, in order")
    return [t if t.id else t.with_content_id(keys) for t in out]
