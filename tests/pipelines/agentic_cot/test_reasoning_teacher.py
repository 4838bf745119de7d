"""agentic_cot with a reasoning teacher: its thinking, not its final answer alone, is the raw
reasoning the phases are extracted from and checked against; thinking cut off is a failure."""

import json

from factory.inspect.reader import open_run
from factory.runner import driver
from factory.teacher.base import Completion
from tests.conftest import SEED, cot_reply
from tests.fakes.scripted import CompletionTeacher

THOUGHT = ("We need the answer. First identify the quantities, then compute. I carried out the computation and "
           "rechecked every step; it is consistent, so the computation is complete.")


def reasoning_teacher(truncated=False):
    def reply(req):
        if req.structured is None:  # the free reasoning call: a thinking model answers tersely after thinking
            if truncated:
                return Completion("", "length", 384, reasoning=THOUGHT[:40], thinking_unterminated=True)
            answer = SEED.get(req.messages[-1]["content"]) or "unknown"
            return Completion(f"\\boxed{{{answer}}}", "stop", 50, reasoning=THOUGHT)
        assert THOUGHT in req.messages[-1]["content"]  # the extraction reads the thinking
        return Completion(cot_reply(req), "stop", 80)
    return CompletionTeacher(reply, tool_mode="text")


def metas(run_dir):
    return [json.loads(m) for (m,) in open_run(run_dir).con().sql("SELECT meta FROM rows").fetchall()]


def test_raw_reasoning_is_the_thinking(make_cfg):
    out = driver.run(make_cfg(limit=2), teacher=reasoning_teacher())
    thinking = [m for m in metas(out.run_dir) if m["variant"] == "thinking"]
    assert len(thinking) == 2 and all(m["raw_reasoning"].startswith(THOUGHT) for m in thinking)
    assert all(m["raw_answer"] == SEED.get(m.get("question")) or m["raw_answer"] for m in thinking)


def test_thinking_cut_off_is_a_failure_not_a_row_of_invented_phases(make_cfg):
    out = driver.run(make_cfg(limit=1), teacher=reasoning_teacher(truncated=True))
    assert out.stats["accepted"] == 0
    (meta,) = metas(out.run_dir)
    assert meta["failure_reason"] == "malformed:truncated_in_thinking"
