"""The engine's agent-row helper: budget → sampling and limits, the shared meta, the stored row."""

from __future__ import annotations

import json
from types import SimpleNamespace

from factory.agent.episode import Budget, agent_row, loop_meta
from factory.agent.loop import LoopResult
from factory.config import SamplingConfig
from factory.trajectory import Branch, Message, Task, Usage


def test_budget_from_options_sets_turn_tokens_temperature_and_total_budget():
    b = Budget.of(SimpleNamespace(max_turns=5, turn_max_tokens=300, temperature=0.3), context_chars=900)
    s = b.sampling(SamplingConfig(temperature=1.0, max_tokens=4096, top_p=0.9))
    assert (s.max_tokens, s.temperature, s.top_p) == (300, 0.3, 0.9)
    lim = b.limits()
    assert (lim.max_turns, lim.max_completion_tokens, lim.context_chars) == (5, 1500, 900)
    assert b.limits(max_turns=2).max_completion_tokens == 600  # a branch's remaining turns
    keep = Budget.of(SimpleNamespace(max_turns=2, turn_max_tokens=64))  # no temperature option: the run's
    assert keep.sampling(SamplingConfig(temperature=0.7)).temperature == 0.7


def test_loop_meta_sets_failure_reason_only_when_the_attempt_did_not_finish():
    done = LoopResult(messages=[], usage=Usage(), stop_reason="final", tool_calls=2, tool_errors=["tool_timeout"])
    meta = loop_meta(done, guided=True, aside="demonstration")
    assert meta["stop_reason"] == "final" and "failure_reason" not in meta
    assert (meta["tool_calls"], meta["tool_errors"], meta["teacher_aside"]) == (2, ["tool_timeout"], "demonstration")
    cut = LoopResult(messages=[], usage=Usage(), stop_reason="max_turns")
    assert loop_meta(cut, guided=False)["failure_reason"] == "max_turns"
    assert "failure_reason" not in loop_meta(cut, guided=False, failed=False)  # a pipeline's own rule wins
    assert loop_meta(done, guided=False, stop_reason="nothing_opened")["failure_reason"] == "nothing_opened"


def test_agent_row_keeps_the_conversation_usage_tools_and_branch():
    msgs = [Message(role="user", content="2+3?"), Message(role="assistant", content="5")]
    res = LoopResult(messages=msgs, usage=Usage(completion_tokens=7, teacher_calls=1), stop_reason="final")
    task = Task(id="t-1", pipeline="toy", seed=1, payload={})
    tools = [{"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}]
    row = agent_row("toy", task, res, {"k": 1}, tools, branch=Branch(kind="step"))
    assert row.task_id == "t-1" and row.messages == msgs and row.usage.completion_tokens == 7
    assert json.loads(row.tools) == tools and row.branch.kind == "step" and row.meta == {"k": 1}
    other = agent_row("toy", task, res, {}, [], messages=msgs[:1], usage=Usage())
    assert other.messages == msgs[:1] and other.usage.completion_tokens == 0 and other.branch.kind == "root"
