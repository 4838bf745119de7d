"""Answer equivalence on a table of pairs, and the structure and tool-call checks."""

import json

import pytest

from factory.trajectory import Message, ToolCall, Trajectory
from pipelines.math.verifiers import AnswerVerifier, StructureVerifier, ToolCallsVerifier


def traj(final: str, answer: str = "1/2", form=None, tool_result="0.5", calls=None, plan=True, reflect=True):
    calls = calls if calls is not None else [ToolCall(id="c0", name="evaluate", arguments=json.dumps({"expression": "1/2"}))]
    msgs = [Message(role="system", content="s"), Message(role="user", content="q"),
            Message(role="assistant", content="<plan>\ncompute it with the tool\n</plan>" if plan else "",
                    tool_calls=calls)]
    msgs += [Message(role="tool", content=tool_result, tool_call_id=c.id, name=c.name) for c in calls]
    note = f"<reflection>\nthe tool returned {tool_result} here\n</reflection>\n" if reflect else ""
    msgs.append(Message(role="assistant", content=note + final))
    return Trajectory(pipeline="math", task_id="t", messages=msgs, meta={"answer": answer, "form": form})


@pytest.mark.parametrize("gold, pred, same", [
    ("\\frac{1}{2}", "0.5", True), ("\\frac{1}{2}", "1/2", True), ("0.5", "\\frac{1}{2}", True),
    ("2", "x = 2", True), ("\\left\\{-1, 3\\right\\}", "\\{3, -1\\}", True),
    ("\\left(2, 5\\right]", "(2, 5]", True), ("3 \\sqrt{2}", "\\sqrt{18}", True),
    ("25 \\pi", "25\\pi", True), ("x^{2} + 2 x", "x(x+2)", True), ("\\frac{13}{11}", "13/11", True),
    ("\\frac{1}{2}", "0.51", False), ("2", "-2", False), ("\\left\\{-1, 3\\right\\}", "\\{3\\}", False),
    ("\\left(2, 5\\right]", "[2, 5]", False), ("3 \\sqrt{2}", "4.24", False), ("x^{2} + 2 x", "x^2 + 2", False),
])
def test_answer_pairs(gold, pred, same):
    v = AnswerVerifier().verify(traj(f"\\boxed{{{pred}}}", answer=gold))
    assert v.passed is same, v.reason
    if not same:
        assert v.reason == "wrong_answer"


def test_prose_in_the_box_is_not_an_answer():
    # math-verify alone would take the 200 out of this sentence and call it right
    t = traj("\\boxed{By default, the maximum number of results to return is 200.}", answer="200")
    assert AnswerVerifier().verify(t).reason == "boxed_prose_not_a_value"
    assert AnswerVerifier().verify(traj("\\boxed{\\frac{\\sqrt{3}}{2} \\pi}", answer="\\frac{\\sqrt{3} \\pi}{2}")).passed
    assert AnswerVerifier().verify(traj("\\boxed{x = 200}", answer="200")).passed


def test_answer_needs_a_box_and_ground_truth():
    assert AnswerVerifier().verify(traj("the answer is 1/2")).reason == "no_boxed_answer"
    t = traj("\\boxed{1/2}")
    t.meta.pop("answer")
    assert AnswerVerifier().verify(t).reason == "no_ground_truth_in_meta.answer"


def test_factored_form_required():
    gold = "\\left(x + 1\\right) \\left(x + 5\\right)"
    assert AnswerVerifier().verify(traj("\\boxed{(x+5)(x+1)}", answer=gold, form="factored")).passed
    v = AnswerVerifier().verify(traj("\\boxed{x^2 + 6x + 5}", answer=gold, form="factored"))
    assert not v.passed and v.reason == "not_factored"
    assert AnswerVerifier().verify(traj("\\boxed{x^2 + 6x + 5}", answer=gold)).passed


def test_structure():
    assert StructureVerifier().verify(traj("\\boxed{1/2}")).passed
    assert StructureVerifier().verify(traj("\\boxed{1/2}", plan=False)).reason == "empty_plan"
    assert StructureVerifier().verify(traj("\\boxed{1/2}", calls=[])).reason == "no_tool_call"
    assert StructureVerifier().verify(traj("\\boxed{1/2}", tool_result="error: boom")).reason == "no_valid_tool_result"
    assert StructureVerifier().verify(traj("\\boxed{1/2}", reflect=False)).reason == "empty_reflection"
    assert StructureVerifier().verify(traj("no box")).reason == "no_final_answer"


def test_tool_calls():
    assert ToolCallsVerifier().verify(traj("\\boxed{1}")).passed
    unknown = [ToolCall(id="c0", name="wolfram", arguments="{}")]
    assert ToolCallsVerifier().verify(traj("\\boxed{1}", calls=unknown)).reason == "unknown_tool:wolfram"
    bad = [ToolCall(id="c0", name="solve", arguments=json.dumps({"eq": "x=1"}))]
    assert ToolCallsVerifier().verify(traj("\\boxed{1}", calls=bad)).reason == "invalid_arguments:solve"
    t = traj("\\boxed{1}")
    t.messages.pop(3)  # the tool result
    assert ToolCallsVerifier().verify(t).reason == "call_without_result"
