"""`factory verify`: re-run a pipeline's verifiers over a file of trajectory records."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from pydantic import ValidationError

from factory.config import RunConfig
from factory.inputs import read_records
from factory.schema import Trajectory, Verdict
from factory.verify.generic import generic_verifiers
from pipelines.registry import get_pipeline


def _record(row: dict[str, Any], pipeline: str) -> Trajectory:
    meta = row.get("meta") or {}
    if isinstance(meta, str):
        meta = json.loads(meta) if meta.strip() else {}
    msgs = [{k: v for k, v in m.items() if v is not None} for m in row["messages"]]
    return Trajectory(pipeline=pipeline, task_id=str(row.get("task_id") or ""), messages=msgs, meta=meta)


def verify(
    input: Path = typer.Argument(..., help=".jsonl or .parquet of records (only `messages` required)"),
    pipeline: str = typer.Option(..., help="whose verifiers to run"),
    out: Optional[Path] = typer.Option(None, help="write JSON lines here instead of stdout"),
) -> None:
    """Write one JSON line per input row, in input order: index, accepted, verdicts."""
    cfg = RunConfig(pipeline=pipeline)
    verifiers = generic_verifiers(cfg.verify) + get_pipeline(pipeline)(cfg).verifiers()
    rows = read_records(input, "INPUT")
    sink = out.open("w") if out else sys.stdout
    try:
        for i, row in enumerate(rows):
            try:
                traj = _record(row, pipeline)
                verdicts = [v.verify(traj) for v in verifiers]
            except (KeyError, TypeError, ValueError, ValidationError) as e:
                why = f"not a trajectory record: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
                verdicts = [Verdict(verifier="schema", passed=False, reason=why)]
            line = {"index": i, "accepted": all(v.passed for v in verdicts),
                    "verdicts": [v.model_dump() for v in verdicts]}
            sink.write(json.dumps(line, ensure_ascii=False) + "\n")
    finally:
        if out:
            sink.close()
