"""Cheats first: each row here tries to pass garbage through the math verifiers, and must fail
with the reason named. Then the honest answers of the same problems pass."""

from __future__ import annotations

import json

import pytest

from factory.trajectory import Message, ToolCall, Trajectory
from pipelines.math import forms
from pipelines.math.verifiers import AnswerVerifier, StructureVerifier


def traj(question: str, box: str, answer: str, form: str | None = None) -> Trajectory:
    call = ToolCall(id="c0", name="evaluate", arguments=json.dumps({"expression": "1"}))
    msgs = [Message(role="system", content="s"), Message(role="user", content=question),
            Message(role="assistant", content="<plan>\nEvaluate it with the tool, then check.\n</plan>",
                    tool_calls=[call]),
            Message(role="tool", content="41", tool_call_id="c0", name="evaluate"),
            Message(role="assistant", content=f"<reflection>\nThe tool printed 41 for it.\n</reflection>\n"
                                              f"\\boxed{{{box}}}")]
    return Trajectory(pipeline="math", task_id="t", messages=msgs, meta={"answer": answer, "form": form})


CHEATS = [  # question, boxed, ground truth, declared form (None: inferred), reason
    ("Expand (x+3)(x-5).", "(x+3)(x-5)", "x^{2} - 2 x - 15", "expanded", "restates_question"),
    ("Expand (x+3)(x-5).", "(x-5)(x+3)", "x^{2} - 2 x - 15", "expanded", "not_expanded"),
    ("Compute 12\\times6-14\\times3+(-16).", "12\\times6-14\\times3+(-16)", "14", None, "restates_question"),
    ("Compute 12\\times6-14\\times3+(-16).", "72 - 42 - 16", "14", None, "not_a_number"),
    ("Simplify \\sqrt{80}.", "\\sqrt{80}", "4 \\sqrt{5}", None, "restates_question"),
    ("Simplify \\sqrt{80}.", "2\\sqrt{20}", "4 \\sqrt{5}", None, "radical_not_simplified"),
    ("Compute \\frac{6!}{2!}.", "\\frac{6!}{2!}", "360", None, "restates_question"),
    ("Compute \\frac{6!}{2!}.", "6 \\cdot 5 \\cdot 4 \\cdot 3", "360", None, "not_a_number"),
    ("Compute 2^{10}.", "2^{10}", "1024", None, "restates_question"),
    ("What is 2 to the power 10?", "2^{10}", "1024", None, "not_a_number"),
    ("Simplify \\frac{x^2-1}{x-1}.", "\\frac{x^2-1}{x-1}", "x + 1", None, "restates_question"),
    ("Simplify \\frac{x^2+2x+1}{x^2-1}.", "\\frac{(x+1)^2}{x^2-1}", "\\frac{x + 1}{x - 1}", None, "not_simplified"),
    ("A circle has radius 6. What is its area? Give an exact answer.", "113.097336", "36 \\pi", None,
     "inexact_decimal"),
    ("A cylinder has radius 2 and height 9; its volume?", "113.0973355292", "36 \\pi", "exact", "inexact_decimal"),
    ("Compute 1/2 + 1/3.", "\\frac{10}{12}", "\\frac{5}{6}", None, "fraction_not_reduced"),
    ("Compute 1/2 + 1/3.", "0.8333", "\\frac{5}{6}", None, "wrong_answer"),
    ("Compute 1/2 + 1/3.", "0.833333333", "\\frac{5}{6}", "rational", "inexact_decimal"),
    ("What is 10 / 2?", "\\frac{10}{2}", "5", None, "not_an_integer"),
    ("Round 92.30651 to 1 decimal place.", "92.31", "92.3", None, "wrong_answer"),
    ("Round 92.30651 to 2 decimal places.", "92.3", "92.31", None, "wrong_answer"),
    ("Factor x^2+5x+4 completely.", "(x^2+5x+4)^{1}", "(x + 1)(x + 4)", "factored", "unevaluated"),
    ("Factor x^2+5x+4 completely.", "1\\cdot(x^2+5x+4)", "(x + 1)(x + 4)", "factored", "unevaluated"),
    ("Factor x^2+5x+4 completely.", "-(-x^2-5x-4)", "(x + 1)(x + 4)", "factored", "not_factored"),
    ("Factor 2x^2-8x+6 completely.", "2(x^2-4x+3)", "2 (x - 3)(x - 1)", "factored", "not_factored"),
    ("Factor 2x^2-8x+6 completely.", "(2x-2)(x-3)", "2 (x - 3)(x - 1)", "factored", "not_factored"),
    ("What is 7 * 6?", "the answer 42", "42", None, "boxed_prose_not_a_value"),
    ("What is 2.88 / 1?", "answer: 2.88", "2.88", None, "boxed_prose_not_a_value"),
    ("What is 7 * 6?", "it is 42", "42", None, "boxed_prose_not_a_value"),
    ("What is 7 * 6?", "\\text{so } 42", "42", None, "boxed_prose_not_a_value"),
    ("Compute \\int_0^1 2x\\,dx.", "\\int_0^1 2x\\,dx", "1", None, "restates_question"),
    ("Find the area under 2x from 0 to 1.", "\\int_{0}^{1} 2 x dx", "1", "integer", "not_a_number"),
]


@pytest.mark.parametrize("question, box, gold, form, reason", CHEATS)
def test_cheat_fails_with_its_reason(question, box, gold, form, reason):
    v = AnswerVerifier().verify(traj(question, box, gold, form))
    assert not v.passed and v.reason == reason


HONEST = [
    ("Expand (x+3)(x-5).", "x^2 - 2x - 15", "x^{2} - 2 x - 15", "expanded"),
    ("Compute 12\\times6-14\\times3+(-16).", "14", "14", None),
    ("Simplify \\sqrt{80}.", "4\\sqrt{5}", "4 \\sqrt{5}", None),
    ("Compute \\frac{6!}{2!}.", "360", "360", None),
    ("A circle has radius 6. What is its area? Give an exact answer.", "36\\pi", "36 \\pi", None),
    ("Compute 1/2 + 1/3.", "\\frac{5}{6}", "\\frac{5}{6}", None),
    ("Compute 1/2 + 1/3.", "5/6", "\\frac{5}{6}", None),
    ("What is half of 1?", "0.5", "\\frac{1}{2}", None),  # an exact decimal of a rational is exact
    ("Round 92.30651 to 1 decimal place.", "92.3", "92.3", None),
    ("Factor x^2+5x+4 completely.", "(x+4)(x+1)", "(x + 1)(x + 4)", "factored"),
    ("Factor 2x^2-8x+6 completely.", "2(x-1)(x-3)", "2 (x - 3)(x - 1)", "factored"),
    ("Simplify \\frac{x^2+2x+1}{x^2-1}.", "\\frac{x+1}{x-1}", "\\frac{x + 1}{x - 1}", None),
    ("Find all real solutions of x^2+x-12=0 as a set.", "\\{3, -4\\}", "\\left\\{-4, 3\\right\\}", None),
    ("Solve 16 - x < -16 in interval notation.", "(32, \\infty)", "\\left(32, \\infty\\right)", None),
    ("Solve for x: 2x = 10.", "x = 5", "5", None),
    ("Which is larger, \\sqrt{2} or 1.4?", "\\sqrt{2}", "\\sqrt{2}", None),  # the answer is in the question
    ("What is the cosine? Give an exact answer.", "\\frac{\\sqrt{3}}{2}", "\\frac{\\sqrt{3}}{2}", None),
    ("Is 7 prime? Answer yes or no.", "\\text{yes}", "\\text{yes}", None),
]


@pytest.mark.parametrize("question, box, gold, form", HONEST)
def test_honest_answer_passes(question, box, gold, form):
    v = AnswerVerifier().verify(traj(question, box, gold, form))
    assert v.passed, v.reason


def test_forms_are_inferred_from_the_question_then_the_ground_truth():
    assert forms.infer("Factor x^2 - 1 completely.", "(x-1)(x+1)") == "factored"
    assert forms.infer("Round 3.14159 to 2 decimal places.", "3.14") == "decimal:2"
    assert forms.infer("Give the solution in interval notation.", "(1, 2]") == "interval"
    assert forms.infer("What is 3 + 4?", "7") == "integer"
    assert forms.infer("What is 1/2 + 1/4?", "\\frac{3}{4}") == "rational"
    assert forms.infer("Find the distance.", "\\sqrt{26}") == "exact"
    assert forms.infer("Solve.", "\\{1, 2\\}") == "set"


def structure(plan: str = "Evaluate it with the tool, then check.", reflection: str = "The tool printed 41 for it.",
              result: str = "41", final: str = "41") -> Trajectory:
    call = ToolCall(id="c0", name="evaluate", arguments=json.dumps({"expression": "40+1"}))
    msgs = [Message(role="system", content="s"), Message(role="user", content="What is 40+1?"),
            Message(role="assistant", content=f"<plan>\n{plan}\n</plan>", tool_calls=[call]),
            Message(role="tool", content=result, tool_call_id="c0", name="evaluate"),
            Message(role="assistant", content=f"<reflection>\n{reflection}\n</reflection>\n\\boxed{{{final}}}")]
    return Trajectory(pipeline="math", task_id="t", messages=msgs, meta={"answer": "41"})


@pytest.mark.parametrize("kw, reason", [
    ({"plan": " "}, "empty_plan"), ({"plan": "ok"}, "empty_plan"),
    ({"reflection": ""}, "empty_reflection"), ({"reflection": "fine."}, "empty_reflection"),
    ({"result": ""}, "no_valid_tool_result"), ({"result": "error: bad expression"}, "no_valid_tool_result"),
    ({"result": "97", "reflection": "The computation went as planned here.", "final": "41"}, "tool_result_unused"),
    ({"reflection": "The tool said <tool_response>\n41\n</tool_response> for it."}, "stray_tag"),
    ({"plan": "Use evaluate as listed in <tools> to add them."}, "stray_tag"),
])
def test_structure_cheats(kw, reason):
    v = StructureVerifier().verify(structure(**kw))
    assert not v.passed and v.reason == reason


def test_structure_honest():
    assert StructureVerifier().verify(structure()).passed
    # a result used only in the final answer counts as used too
    assert StructureVerifier().verify(structure(reflection="The tool returned the sum as expected.")).passed
