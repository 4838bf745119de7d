"""Runs of built-in pipelines (scripted teachers, the real math sandbox), made once for the export
and mix tests, and their exports in each form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factory.cli.app import app
from factory.config import RunConfig
from factory.runner import driver
from tests.fakes.cot import mixed_reply
from tests.fakes.math_teacher import PROBLEMS, guided_reply
from tests.fakes.scripted import ScriptedTeacher


def _cfg(out: Path, pipeline: str, **over) -> RunConfig:
    return RunConfig.model_validate({"pipeline": pipeline, "output_dir": str(out), "name": pipeline,
                                     "runner": {"executor": "inline", "chunk_size": 4}, **over})


@pytest.fixture(scope="session")
def pipeline_runs(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("runs")
    problems = out / "problems.jsonl"
    problems.write_text("\n".join(json.dumps(p) for p in PROBLEMS[:2]))
    math = driver.run(_cfg(out, "math", pipeline_options={
        "problems": str(problems), "generated_problems": 0, "attempts": 2, "sandbox": {"backend": "bwrap"}}),
        teacher=ScriptedTeacher(guided_reply))
    cot = driver.run(_cfg(out, "agentic_cot", limit=6), teacher=ScriptedTeacher(mixed_reply))
    assert math.stats["accepted"] and cot.stats["accepted"]
    return {"math": math.run_dir, "agentic_cot": cot.run_dir}


def export(run: Path, to: Path, *args: str) -> Path:
    r = CliRunner().invoke(app, ["export", str(run), "--to", str(to), *args])
    assert r.exit_code == 0, r.output
    return to


@pytest.fixture(scope="session")
def hf_exports(pipeline_runs, tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("hf")
    return {name: export(run, base / name, "--format", "hf") for name, run in pipeline_runs.items()}


@pytest.fixture(scope="session")
def mix_runs(pipeline_runs, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("mix-runs")
    cot = driver.run(_cfg(out, "agentic_cot", limit=20), teacher=ScriptedTeacher(mixed_reply))
    assert cot.stats["accepted"] >= 20
    return {"math": pipeline_runs["math"], "agentic_cot": cot.run_dir}
