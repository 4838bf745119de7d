from factory.config import GenericVerifyConfig
from factory.trajectory import Message, Trajectory
from factory.verify.base import apply_verifiers
from factory.verify.generic import generic_verifiers, repetition_ratio


def traj(text, **meta):
    return Trajectory(pipeline="p", task_id="t", meta=meta,
                      messages=[Message(role="user", content="q"), Message(role="assistant", content=text)])


def test_repetition_ratio_separates_loops_from_prose():
    assert repetition_ratio("the quick brown fox jumps over the lazy dog near the river bank") == 0.0
    assert repetition_ratio("I think so. " * 40) > 0.8


def test_generic_verifiers_accept_and_reject_with_reasons():
    vs = generic_verifiers(GenericVerifyConfig(min_chars=5, max_chars=100, max_repetition=0.5))
    ok = apply_verifiers(traj("A fine and fresh answer."), vs)
    assert ok.accepted and [v.verifier for v in ok.verdicts] == ["generation", "length", "repetition"]
    assert apply_verifiers(traj("hi"), vs).reject_reason == "length:too_short:2<5"
    assert apply_verifiers(traj("x" * 200), vs).reject_reason.startswith("length:too_long")
    assert apply_verifiers(traj("go go go go go go go go go go"), vs).reject_reason.startswith("repetition:")
    bad = apply_verifiers(traj("fine text here", failure_reason="malformed:x"), vs)
    assert bad.reject_reason == "generation:malformed:x" and not bad.accepted


def test_repetition_per_message_allows_a_restating_turn_but_not_a_loop():
    from factory.trajectory import Message, Trajectory
    from factory.verify.generic import RepetitionVerifier

    claim = "the buffer of a channel is bounded and a full buffer blocks the writer"
    restated = Trajectory(pipeline="p", task_id="t", messages=[
        Message(role="assistant", content=f"1. {claim}"), Message(role="assistant", content=f"Report: {claim}.")])
    looping = Trajectory(pipeline="p", task_id="t", messages=[Message(role="assistant", content=" ".join([claim] * 4))])
    assert not RepetitionVerifier(0.3).verify(restated).passed
    assert RepetitionVerifier(0.3, per_message=True).verify(restated).passed
    assert not RepetitionVerifier(0.3, per_message=True).verify(looping).passed
