"""`factory verify`: re-run a pipeline's verifiers over a file of trajectory records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from pydantic import ValidationError

from factory.config import RunConfig, load_config
from factory.errors import UserError
from factory.inputs import output_lines, read_records
from factory.pipeline.registry import get_pipeline
from factory.records import from_record
from factory.trajectory import Verdict
from factory.verify.decide import decide
from factory.verify.generic import generic_verifiers


def verify(
    input: Path = typer.Argument(..., help=".jsonl or .parquet of records (only `messages` required)"),
    pipeline: Optional[str] = typer.Option(None, help="whose verifiers to run (default: the config's)"),
    config: Optional[Path] = typer.Option(None, "--config", help="a run's config (RUN/config.yaml): its tool "
                                          "sources, corpus and verifier settings, so replays re-run its own tools"),
    out: Optional[Path] = typer.Option(None, help="write JSON lines here instead of stdout"),
) -> None:
    """Write one JSON line per input row, in input order: index, accepted, verdicts. Acceptance is
    decided exactly as in a run (the same function, postprocess included)."""
    if config is None and pipeline is None:
        raise UserError("factory verify: give --pipeline NAME or --config RUN/config.yaml")
    cfg = load_config(config, {}) if config else RunConfig(pipeline=pipeline)
    if pipeline and cfg.pipeline != pipeline:
        raise UserError(f"{config}: pipeline is '{cfg.pipeline}', but --pipeline {pipeline} was given; drop one")
    pipeline = cfg.pipeline
    rows = read_records(input, "INPUT")
    with get_pipeline(pipeline)(cfg) as p:
        verifiers = generic_verifiers(cfg.verify, p.repetition_per_message) + p.verifiers()
        with output_lines(out) as sink:
            for i, row in enumerate(rows):
                try:
                    t = decide([from_record(row, p.name)], verifiers, p)[0]
                    line = {"index": i, "accepted": t.accepted, "verdicts": [v.model_dump() for v in t.verdicts]}
                except (KeyError, TypeError, ValueError, ValidationError) as e:
                    why = f"not a trajectory record: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
                    line = {"index": i, "accepted": False,
                            "verdicts": [Verdict(verifier="schema", passed=False, reason=why).model_dump()]}
                sink.write(json.dumps(line, ensure_ascii=False) + "\n")
