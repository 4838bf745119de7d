import asyncio
import json

from factory.agent.loop import LoopLimits, run_agent
from factory.agent.tools import Tool, ToolBox
from factory.config import SamplingConfig
from factory.trajectory import Message
from tests.fakes.scripted import ScriptedTeacher


async def add(args):
    return str(args["a"] + args["b"])


async def slow(args):
    await asyncio.sleep(5)
    return "late"


BOX = ToolBox([
    Tool("add", "add two numbers", {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                                    "required": ["a", "b"]}, add),
    Tool("slow", "never in time", {"type": "object", "properties": {}}, slow, timeout_s=0.05),
])


def run(replies, limits=None):
    limits = limits or LoopLimits()
    it = iter(replies)
    teacher = ScriptedTeacher(lambda req: next(it))
    res = asyncio.run(run_agent(teacher, [Message(role="user", content="2+3?")], BOX, SamplingConfig(), 1,
                                limits, "t"))
    return res, teacher


def call(name, **args):
    return f'<tool_call>{json.dumps({"name": name, "arguments": args})}</tool_call>'


def test_tool_call_then_final_answer():
    res, teacher = run(["Plan: add. " + call("add", a=2, b=3), "It is \\boxed{5}"])
    assert res.stop_reason == "final" and res.tool_calls == 1
    assert [m.role for m in res.messages] == ["user", "assistant", "tool", "assistant"]
    assert res.messages[2].content == "5" and res.messages[2].tool_call_id == res.messages[1].tool_calls[0].id
    # the second request carried the tool result back to the teacher
    assert "<tool_response>" in teacher.calls[1].messages[-1]["content"]
    assert res.usage.teacher_calls == 2


def test_malformed_call_ends_with_reason():
    res, _ = run(["<tool_call>{oops</tool_call>"])
    assert res.stop_reason == "malformed:tool_call_not_json"


def test_invalid_arguments_and_unknown_tool_become_observations():
    res, _ = run([call("add", a="x"), call("nope"), "done"])
    assert res.stop_reason == "final"
    assert res.tool_errors == ["invalid_arguments", "unknown_tool"]
    assert res.messages[2].content.startswith("error: invalid arguments")


def test_tool_timeout_is_reported():
    res, _ = run([call("slow"), "gave up"])
    assert res.tool_errors == ["tool_timeout"] and "timed out" in res.messages[2].content


def test_turn_limit():
    res, teacher = run([call("add", a=1, b=1)] * 5, LoopLimits(max_turns=3))
    assert res.stop_reason == "max_turns" and len(teacher.calls) == 3


def test_seeds_differ_per_turn_and_replay():
    _, t1 = run([call("add", a=1, b=1), "x"])
    _, t2 = run([call("add", a=1, b=1), "x"])
    assert [c.seed for c in t1.calls] == [c.seed for c in t2.calls]
    assert t1.calls[0].seed != t1.calls[1].seed


async def _done(args):
    return "submitted"


def test_an_ending_tool_stops_the_loop_and_counts_as_finished():
    box = ToolBox([*BOX.tools.values(), Tool("submit", "finish", {"type": "object", "properties": {}}, _done, ends=True)])
    it = iter([call("add", a=1, b=1), call("submit"), "never asked"])
    teacher = ScriptedTeacher(lambda req: next(it))
    res = asyncio.run(run_agent(teacher, [Message(role="user", content="go")], box, SamplingConfig(), 1,
                                LoopLimits(), "t"))
    assert res.stop_reason == "submitted" and res.finished and len(teacher.calls) == 2
    assert res.messages[-1].role == "tool" and res.messages[-1].content == "submitted"


def test_first_turn_and_on_turn_hook():
    seen = []

    async def hook(turn, msgs):
        seen.append((turn, len(msgs)))

    it = iter([call("add", a=1, b=2), "done"])
    teacher = ScriptedTeacher(lambda req: next(it))
    res = asyncio.run(run_agent(teacher, [Message(role="user", content="go")], BOX, SamplingConfig(), 1,
                                LoopLimits(), "t", first_turn=3, on_turn=hook))
    assert seen == [(3, 1), (4, 3)]  # before each teacher turn, with the messages so far
    assert res.messages[1].tool_calls[0].id.startswith("call_3_")  # a branch continues its parent's numbering


def test_old_tool_output_is_elided_for_the_teacher_only():
    from factory.agent.loop import elide

    msgs = [Message(role="user", content="go")]
    for i in range(3):
        msgs += [Message(role="assistant", content=f"step {i}"), Message(role="tool", content=str(i) * 100, tool_call_id=f"c{i}")]
    out = elide(msgs, 250)
    assert [m.content for m in out if m.role == "tool"][1:] == ["1" * 100, "2" * 100]
    assert out[2].content == "[output elided to save context: 100 characters]"
    assert msgs[2].content == "0" * 100 and elide(msgs, None) is msgs


def test_malformed_turns_become_observations_while_the_budget_lasts():
    broken = "<tool_call>{not json</tool_call>"
    it = iter([broken, call("add", a=1, b=2), broken, broken, "never asked"])
    teacher = ScriptedTeacher(lambda req: next(it))
    res = asyncio.run(run_agent(teacher, [Message(role="user", content="go")], BOX, SamplingConfig(), 1,
                                LoopLimits(malformed_observations=2), "t"))
    assert res.malformed_turns == 2 and res.stop_reason.startswith("malformed:") and len(teacher.calls) == 4
    errors = [m.content for m in res.messages if m.role == "user"][1:]
    assert len(errors) == 2 and all(e.startswith("error: your tool call could not be parsed") for e in errors)
    assert res.tool_calls == 1  # the good call in between ran
    res0, _ = run([broken])  # the default budget is 0: the first malformed turn ends the run, as before
    assert res0.malformed_turns == 0 and res0.stop_reason.startswith("malformed:")
