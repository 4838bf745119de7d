"""A helper that mixes a spec through the CLI, over the runs of `mix_runs` (tests/factory/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from factory.cli.app import app
from factory.errors import explain


def run_mix(spec: dict, tmp: Path, name: str = "mix", *args: str):
    """(exit code, output, the mix directory) of `factory mix` on `spec`."""
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    to = tmp / name
    r = CliRunner().invoke(app, ["mix", "--spec", str(path), "--to", str(to), *args])
    known = explain(r.exception) if r.exception and not isinstance(r.exception, SystemExit) else None
    if known is not None:  # as `factory` itself prints it (factory.cli.app.main)
        return known[0], f"error: {known[1]}\n", to
    return r.exit_code, r.output, to


def two_sources(runs: dict[str, Path], **over) -> dict:
    return {"tokenizer": "embedded", "format": "hf", "seed": 3, "validation": 0.2,
            "sources": [{"name": "math", "path": str(runs["math"]), "weight": 0.25},
                        {"name": "cot", "path": str(runs["agentic_cot"]), "weight": 0.75}], **over}
