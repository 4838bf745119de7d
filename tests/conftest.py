"""Shared fixtures. Engine tests run the toy pipeline (tests/factory/pipeline/toy.py), so no built-in
pipeline's prompts or checks can break them; `run_dir` is an Agentic-CoT run for the CLI tests that
read a real pipeline's rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from factory.config import RunConfig, deep_merge
from factory.runner import driver
from tests.factory.pipeline.toy import toy_reply
from tests.fakes.cot import cot_reply, mixed_reply
from tests.fakes.scripted import ScriptedTeacher

TOY = "tests.factory.pipeline.toy:Toy"
TOY_TASKS = 40


@pytest.fixture
def scripted_toy() -> ScriptedTeacher:
    return ScriptedTeacher(toy_reply)


@pytest.fixture
def scripted_cot() -> ScriptedTeacher:
    return ScriptedTeacher(cot_reply)


@pytest.fixture
def make_cfg(tmp_path: Path):
    """A run config: the toy pipeline unless `pipeline=` names another (then its own options only)."""
    def make(**over: Any) -> RunConfig:
        base: dict[str, Any] = {"pipeline": TOY, "output_dir": str(tmp_path / "runs"), "name": "t",
                                "runner": {"executor": "inline", "chunk_size": 4}, "shards": {"rows_per_shard": 8}}
        if "pipeline" not in over:
            base["pipeline_options"] = {"tasks": TOY_TASKS}
        return RunConfig.model_validate(deep_merge(base, over))

    return make


@pytest.fixture
def run_dir(make_cfg):
    out = driver.run(make_cfg(pipeline="agentic_cot", limit=16, runner={"chunk_size": 4}),
                     teacher=ScriptedTeacher(mixed_reply))
    assert out.stats["accepted"] and out.stats["rejected"]
    return out.run_dir
