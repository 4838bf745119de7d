import pytest

from factory.trajectory import Message, Trajectory
from pipelines.agentic_cot.prompts import NON_THINKING_SYSTEM, THINKING_SYSTEM, assemble
from pipelines.agentic_cot.verifiers import AnswerVerifier, ConciseVerifier, FaithfulVerifier, PhasesVerifier, check_phases

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
    v = AnswerVerifier().verify(traj(GOOD))  # nothing to check against: never checked, so not data
    assert not v.passed and v.reason == "unverifiable"
    assert AnswerVerifier().verify(traj(GOOD, raw_answer="42")).passed  # derived rows keep the raw answer
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


def test_a_summary_that_is_the_answer_alone_is_a_summary():
    text = assemble({"analysis": "what is asked here", "plan": "the steps to take", "action": "carried them out",
                     "reflection": "checked the work", "summary": "\\boxed{12}"}, "")
    assert PhasesVerifier().verify(traj(text)).passed


def moded(system: str, reply: str) -> Trajectory:
    return Trajectory(pipeline="agentic_cot", task_id="t", meta={"reference_answer": "42"}, messages=[
        Message(role="system", content=system), Message(role="user", content="q"),
        Message(role="assistant", content=reply)])


def test_dual_mode_rows_are_told_apart_by_their_system_flag():
    assert PhasesVerifier().verify(moded(NON_THINKING_SYSTEM, "\\boxed{42}")).passed
    v = PhasesVerifier().verify(moded(NON_THINKING_SYSTEM, GOOD))
    assert not v.passed and v.reason == "phases_in_non_thinking_reply"
    v = PhasesVerifier().verify(moded(THINKING_SYSTEM, "\\boxed{42}"))  # thinking mode needs its phases
    assert not v.passed and v.reason == "no_phases"
    assert PhasesVerifier().verify(moded(THINKING_SYSTEM, GOOD)).passed


RAW = ("The question asks for 6 times 7. I plan to multiply the two numbers. Multiplying 6 by 7 gives 42. "
       "Checking: 42 divided by 7 is 6, consistent. So the product is \\boxed{42}.")


def faithful(phases: dict, final: str = "42", raw: str = RAW) -> Trajectory:
    return traj(assemble(phases, final), raw_reasoning=raw)


HONEST = {"analysis": "The question asks for 6 times 7.", "plan": "Multiply the two numbers.",
          "action": "Multiplying 6 by 7 gives 42.", "reflection": "Checking: 42 divided by 7 is 6, consistent.",
          "summary": "The product is found."}


@pytest.mark.parametrize("phases, final, reason", [
    ({**HONEST, "action": "Multiplying 6 by 7 gives 43, plus 5 is 48."}, "42", "numbers_not_in_reasoning:43,5,48"),
    ({**HONEST, "plan": "Apply Fermat theorem modulo prime fields, invoking Galois cohomology spectral sequences."},
     "42", "terms_not_in_reasoning"),
    (HONEST, "41", "answer_differs_from_reasoning:41"),
])
def test_unfaithful_rewrites_fail(phases, final, reason):
    v = FaithfulVerifier().verify(faithful(phases, final))
    assert not v.passed and v.reason.startswith(reason)


def test_faithful_rewrite_passes():
    assert FaithfulVerifier().verify(faithful(HONEST)).passed


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_phases_with_no_transcript_behind_them_are_unverifiable(raw):
    # Invented phases pass any check against an empty transcript: they must not pass at all.
    t = traj(GOOD, **({} if raw is None else {"raw_reasoning": raw}))
    for v in (ConciseVerifier(), FaithfulVerifier()):
        got = v.verify(t)
        assert not got.passed and got.reason == "unverifiable"
