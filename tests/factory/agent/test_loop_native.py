"""The agent loop with a teacher that calls tools natively and thinks: calls come from `tool_calls`,
reasoning is kept apart and never executed, truncation is its own failure, and a row written
through native calls equals the same conversation written in the Hermes text format."""

import asyncio
import json

from factory.agent.loop import NATIVE_FORMAT, LoopLimits, run_agent
from factory.config import SamplingConfig
from factory.teacher.base import Completion
from factory.teacher.reply import completion
from factory.trajectory import Message, ToolCall
from tests.factory.agent.test_loop import BOX, call
from tests.fakes.scripted import CompletionTeacher, ScriptedTeacher


def native_call(name, id_="chatcmpl-tool-1", **args):
    return ToolCall(id=id_, function={"name": name, "arguments": json.dumps(args)})


def run(replies, mode="native", limits=None, **kw):
    limits = limits or LoopLimits()
    it = iter(replies)
    teacher = CompletionTeacher(lambda req: next(it), tool_mode=mode, **kw)
    res = asyncio.run(run_agent(teacher, [Message(role="system", content="Be exact."),
                                          Message(role="user", content="2+3?")], BOX, SamplingConfig(), 1,
                                limits, "t", aside="Worked example.", tool_choice="required"))
    return res, teacher


def test_native_calls_reach_tools_with_ids_kept_and_go_back_in_openai_form():
    res, teacher = run([Completion("", "tool_calls", 5, reasoning="I should add.", tool_calls=[native_call("add", a=2, b=3)]),
                        Completion("It is \\boxed{5}", "stop", 5, reasoning="The tool said 5.")])
    assert res.stop_reason == "final" and res.teacher_format == NATIVE_FORMAT
    first = teacher.calls[0]
    assert [t["function"]["name"] for t in first.tools] == ["add", "slow"] and first.tool_choice == "required"
    assert "<tools>" not in first.messages[0]["content"] and first.messages[0]["content"].endswith("Worked example.")
    sent = teacher.calls[1].messages
    assert sent[2]["tool_calls"][0]["id"] == "chatcmpl-tool-1"
    assert sent[3] == {"role": "tool", "content": "5", "tool_call_id": "chatcmpl-tool-1", "name": "add"}
    assert all("reasoning_content" not in m for m in sent)  # earlier thinking is not sent back
    a1, tool, a2 = res.messages[2:]
    assert a1.tool_calls[0].id == "chatcmpl-tool-1" and a1.reasoning_content == "I should add."
    assert tool.content == "5" and tool.tool_call_id == "chatcmpl-tool-1"
    assert a2.content == "It is \\boxed{5}" and a2.reasoning_content == "The tool said 5."


def test_a_call_drafted_in_the_thinking_is_never_executed():
    draft = completion("<think>maybe " + call("add", a=1, b=1) + "</think>The answer is 2.", None, "stop", 9)
    res, _ = run([draft], mode="text")
    assert res.stop_reason == "final" and res.tool_calls == 0
    assert res.messages[-1].content == "The answer is 2." and "tool_call" in res.messages[-1].reasoning_content


def test_thinking_cut_off_by_the_budget_is_its_own_failure():
    res, _ = run([completion(None, "Let me think about 2 and 3 and", "length", 100)])
    assert res.stop_reason == "malformed:truncated_in_thinking"
    assert res.messages[-1].reasoning_content.startswith("Let me think")


def test_a_reply_cut_off_by_max_tokens_is_not_a_final_answer():
    res, _ = run([Completion("The answer is", "length", 512)])
    assert res.stop_reason == "malformed:truncated" and not res.finished


def test_native_calls_are_validated_like_text_ones():
    bad = ToolCall(id="x", function={"name": "add", "arguments": "{a: 2"})
    res, _ = run([Completion("", "tool_calls", 5, tool_calls=[bad])])
    assert res.stop_reason == "malformed:tool_call_arguments_not_json" and res.tool_calls == 0


def test_missing_or_repeated_call_ids_are_numbered_by_turn():
    res, _ = run([Completion("", "tool_calls", 5, tool_calls=[native_call("add", id_="", a=1, b=2)]),
                  Completion("", "tool_calls", 5, tool_calls=[native_call("add", id_="call_0_n0", a=1, b=2)]),
                  Completion("3", "stop", 1)])
    ids = [c.id for m in res.messages for c in m.tool_calls]
    assert ids == ["call_0_n0", "call_1_n0"] and len(set(ids)) == 2


def test_a_call_the_server_left_in_the_content_is_still_a_call():
    # a parser that did not recognise the model's Hermes block hands it back as content
    res, _ = run([Completion(call("add", a=2, b=3), "stop", 5), Completion("5", "stop", 1)])
    assert res.tool_calls == 1 and res.messages[3].content == "5"


def test_thinking_budget_widens_the_loops_token_budget():
    limits = LoopLimits(max_turns=3, max_completion_tokens=100)
    replies = [Completion("", "tool_calls", 150, tool_calls=[native_call("add", id_=f"c{i}", a=1, b=1)])
               for i in range(3)]
    assert run(replies, limits=limits)[0].stop_reason == "max_tokens"
    assert run(replies, limits=limits, thinking_budget=200)[0].stop_reason == "max_turns"


def test_native_and_text_rows_are_the_same_conversation():
    native, _ = run([Completion("Plan: add.", "tool_calls", 5, tool_calls=[native_call("add", id_="call_0_0", a=2, b=3)]),
                     Completion("It is \\boxed{5}", "stop", 5)])
    it = iter(["Plan: add. " + call("add", a=2, b=3), "It is \\boxed{5}"])
    text = asyncio.run(run_agent(ScriptedTeacher(lambda req: next(it)), [Message(role="system", content="Be exact."),
                                 Message(role="user", content="2+3?")], BOX, SamplingConfig(), 1, LoopLimits(), "t"))
    assert [m.model_dump() for m in native.messages] == [m.model_dump() for m in text.messages]
