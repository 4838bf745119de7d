import pytest

from factory.schema import Message, Trajectory
from pipelines.agentic_cot.prompts import assemble
from pipelines.agentic_cot.verifiers import AnswerVerifier, ConciseVerifier, PhasesVerifier, check_phases

GOOD = assemble({"analysis": "what is asked here", "plan": "the steps to take", "action": "carried them out",
                 "reflection": "checked the work", "summary": "so it is done"}, "42")


def traj(text, **meta):
    return Trajectory(pipeline="agentic_cot", task_id="t", meta=meta,
                      messages=[Message(role="user", content="q"), Message(role="assistant", content=text)])


def test_assembled_text_passes():
    assert check_phases(GOOD) is None
    assert GOOD.endswith("The final answer is \\boxed{42}.</summary>")


@pytest.mark.parametrize("text,problem", [
    ("<analysis>a</analysis><plan>p</plan><action>x</action><reflection>r</reflection>", "missing:summary"),
    ("<plan>p</plan><analysis>a</analysis><action>x</action><reflection>r</reflection><summary>s</summary>",
     "wrong_order"),
    ("<analysis> </analysis><plan>p</plan><action>x</action><reflection>r</reflection><summary>s</summary>",
     "empty:analysis"),
    ("<analysis>a<plan>p</plan><action>x</action><reflection>r</reflection><summary>s</summary>",
     "unclosed:analysis"),
    ("Sure! <analysis>a</analysis><plan>p</plan><action>x</action><reflection>r</reflection><summary>s</summary>",
     "text_outside_phases:'Sure!'"),
    (GOOD + " trailing words", "text_outside_phases:trailing"),
    (GOOD + "<summary>again</summary>", "repeated_phase"),
])
def test_structure_problems_are_named(text, problem):
    assert check_phases(text) == problem
    assert PhasesVerifier().verify(traj(text)).reason == problem


def test_answer_uses_math_equivalence_and_falls_back_to_raw():
    assert AnswerVerifier().verify(traj(GOOD, reference_answer="42.0")).passed
    v = AnswerVerifier().verify(traj(GOOD, reference_answer="41"))
    assert not v.passed and v.reason == "mismatch_reference:42"
    assert AnswerVerifier().verify(traj(GOOD, raw_reasoning="so \\boxed{42}")).passed
    assert not AnswerVerifier().verify(traj(GOOD, raw_reasoning="so \\boxed{7}")).passed
    assert AnswerVerifier().verify(traj(GOOD)).reason == "no_reference"
    assert AnswerVerifier().verify(traj("<summary>x</summary>", reference_answer="1")).reason == "no_boxed_answer"


def test_concise_needs_shorter_than_raw():
    assert ConciseVerifier().verify(traj(GOOD, raw_reasoning="x" * (len(GOOD) + 1))).passed
    assert not ConciseVerifier().verify(traj(GOOD, raw_reasoning="short")).passed


def test_substance_short_or_repeated_phases_rejected():
    text = assemble({p: "7!" for p in ("analysis", "plan", "action", "reflection", "summary")}, "")
    assert PhasesVerifier().verify(traj(text)).reason == "phase_too_short:analysis"
    same = assemble({p: "the same three words" for p in ("analysis", "plan", "action", "reflection", "summary")}, "")
    assert PhasesVerifier().verify(traj(same)).reason == "phases_repeat_each_other"
    assert PhasesVerifier(min_words=1).verify(traj(GOOD)).passed
