"""agentic_cot with a reasoning teacher: its thinking, not its final answer alone, is the raw
reasoning the phases are extracted from and checked against; thinking cut off is a failure."""

import json

from factory.inspect.reader import open_run
from factory.runner import driver
from factory.teacher.base import Completion
from tests.fakes.cot import SEED, cot_reply
from tests.fakes.scripted import CompletionTeacher

THOUGHT = "Thinking it through:"  # how each scripted thinking starts (the rest: a competent free reasoning)


def reasoning_teacher(truncated=False):
    def reply(req):
        if req.structured is None:  # the free reasoning call: a thinking model answers tersely after thinking
            if truncated:
                return Completion("", "length", 384, reasoning=THOUGHT[:40], thinking_unterminated=True)
            answer = SEED.get(req.messages[-1]["content"]) or "unknown"
            return Completion(f"So the answer is \\boxed{{{answer}}}.", "stop", 50,
                              reasoning=f"{THOUGHT} {cot_reply(req)}")
        assert THOUGHT in req.messages[-1]["content"]  # the extraction reads the thinking
        return Completion(cot_reply(req), "stop", 80)
    return CompletionTeacher(reply, tool_mode="text")


def metas(run_dir):
    return [json.loads(m) for (m,) in open_run(run_dir).con().sql("SELECT meta FROM rows").fetchall()]


def test_raw_reasoning_is_the_thinking(make_cfg):
    out = driver.run(make_cfg(pipeline="agentic_cot", limit=2), teacher=reasoning_teacher())
    rows = metas(out.run_dir)
    thinking = [m for m in rows if m["variant"] == "thinking"]
    assert len(thinking) == 2 and all(m["raw_reasoning"].startswith(THOUGHT) for m in thinking)
    # The non-thinking variant answers with the teacher's own reply from the same split.
    r = open_run(out.run_dir)
    replies = [json.loads(m)[-1]["content"] for (m,) in r.con().sql(
        "SELECT to_json(messages) FROM rows WHERE meta LIKE '%non_thinking%' AND side = 'accepted'").fetchall()]
    assert replies and all(x.startswith("So the answer is \\boxed{") for x in replies), replies


def test_thinking_cut_off_is_a_failure_not_a_row_of_invented_phases(make_cfg):
    out = driver.run(make_cfg(pipeline="agentic_cot", limit=1), teacher=reasoning_teacher(truncated=True))
    assert out.stats["accepted"] == 0
    (meta,) = metas(out.run_dir)
    assert meta["failure_reason"] == "malformed:truncated_in_thinking"
