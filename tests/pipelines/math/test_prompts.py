"""The turn guide's schemas: notes with substance and no whitespace padding, answers shaped by the
problem's form (what keeps a small teacher's turns inside their token budget and its box a value)."""

from __future__ import annotations

import json
import re

import jsonschema

from factory.trajectory import Message, ToolCall, Trajectory
from pipelines.math.prompts import DEMO, MathGuide, answer_schema, system_prompt
from pipelines.math.verifiers import StructureVerifier


def valid(schema: dict, value: object) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(value)


def test_notes_have_a_minimum_and_a_cap():
    turn0 = MathGuide(["evaluate"], 200).structured(0, last=False).json_schema
    plan = turn0["properties"]["plan"]
    assert valid(plan, "Evaluate the sum, then check it.")
    for bad in ("", " ", "ok", "x" * 201):
        assert not valid(plan, bad), bad


def test_the_answer_schema_follows_the_form():
    assert valid(answer_schema("integer"), "-42") and not valid(answer_schema("integer"), "the answer is 42")
    assert not valid(answer_schema("integer"), "6*7")
    assert valid(answer_schema("rational"), "5/6") and not valid(answer_schema("rational"), "\\frac{10}{12} ok")
    assert valid(answer_schema("decimal:2"), "3.14") and not valid(answer_schema("decimal:2"), "pi")
    assert valid(answer_schema("expression"), "x^2 + 1") and not valid(answer_schema(None), "")
    last = MathGuide(["evaluate"], 200, "integer").structured(2, last=True).json_schema
    assert last["properties"]["final_answer"] == answer_schema("integer")


def test_the_demonstration_is_a_trajectory_that_passes_structure():
    assert DEMO not in system_prompt("Focus.")  # a teacher-only aside, never in the stored row
    plan = re.search(r"<plan>\n(.*?)\n</plan>", DEMO, re.S).group(1)
    assert valid(MathGuide(["evaluate"], 200).structured(0, last=False).json_schema["properties"]["plan"], plan)
    first, rest = DEMO.split("Tool result: ")
    result, second = rest.split("\n", 1)
    call = ToolCall(id="c0", name="evaluate", arguments=json.dumps({"expression": "7*8 - 5"}))
    t = Trajectory(pipeline="math", task_id="t", meta={"answer": "51"}, messages=[
        Message(role="user", content="Compute 7 \\times 8 - 5."),
        Message(role="assistant", content=first.split("<tool_call>")[0].split("\n", 2)[2], tool_calls=[call]),
        Message(role="tool", content=result, tool_call_id="c0", name="evaluate"),
        Message(role="assistant", content=second)])
    v = StructureVerifier().verify(t)
    assert v.passed, v.reason
