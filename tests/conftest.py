from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from factory.config import RunConfig, deep_merge
from factory.runner import driver
from factory.teacher.base import ChatRequest
from pipelines.agentic_cot.tasks import SEED_FILE
from tests.fakes.scripted import ScriptedTeacher

SEED = {json.loads(line)["question"]: json.loads(line).get("answer") for line in SEED_FILE.read_text().splitlines()}


def cot_reply(req: ChatRequest, wrong: bool = False) -> str:
    """A competent Agentic-CoT teacher: long free reasoning, then a faithful five-phase JSON."""
    user = req.messages[-1]["content"]
    if req.structured is None:
        ans = SEED.get(user) or "unknown"
        steps = " ".join(f"Step {i}: consider quantity number {i} of the problem and how it relates to the "
                         f"others, then write down an intermediate result {i * 7}." for i in range(1, 9))
        return (f"We need to answer: {user} First identify the quantities, then compute. {steps} I carried out "
                f"the computation and rechecked every step; it is consistent, so the computation is complete. "
                f"After careful work the answer is \\boxed{{{ans}}}.")
    q = re.sub(r"\s+", " ", user.split("Reasoning transcript:")[0].replace("Question:", "")).strip()
    ans = SEED.get(q) or ""
    if wrong and ans:
        ans = ans + "1"
    return json.dumps({"analysis": f"Asked: {q}", "plan": "Identify the quantities, then compute.",
                       "action": "Carried out the computation.", "reflection": "Rechecked every step; it is consistent.",
                       "summary": "The computation is complete.", "final_answer": ans})


@pytest.fixture
def scripted_cot() -> ScriptedTeacher:
    return ScriptedTeacher(cot_reply)


@pytest.fixture
def make_cfg(tmp_path: Path):
    def make(**over: Any) -> RunConfig:
        base = {"pipeline": "agentic_cot", "output_dir": str(tmp_path / "runs"), "name": "t",
                "runner": {"executor": "inline", "chunk_size": 4}, "shards": {"rows_per_shard": 8}}
        return RunConfig.model_validate(deep_merge(base, over))

    return make


def mixed_reply(req):
    """Right answers for some questions, wrong for others: a run with both sides."""
    wrong = int(hashlib.sha256(req.messages[-1]["content"].encode()).hexdigest(), 16) % 3 == 0
    return cot_reply(req, wrong=wrong)


@pytest.fixture
def run_dir(make_cfg):
    out = driver.run(make_cfg(limit=16, runner={"chunk_size": 4}), teacher=ScriptedTeacher(mixed_reply))
    assert out.stats["accepted"] and out.stats["rejected"]
    return out.run_dir
