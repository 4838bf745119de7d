"""A check that runs away is stopped and reported; the helper comes back for the next check."""

import time

import pytest

from factory.verify.bounded import Bounded, CheckTimedOut
from factory.verify.math_answer import answers_match
from pipelines.math.verifiers import AnswerVerifier
from tests.pipelines.math.test_verifiers import traj


def spin(seconds: float) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "done"


def test_timeout_then_recovers():
    b = Bounded(timeout_s=1.0)
    try:
        assert b.call(answers_match, "\\frac{1}{2}", "0.5") is True
        t0 = time.monotonic()
        with pytest.raises(CheckTimedOut, match="timed out after 1s"):
            b.call(spin, 60)
        assert time.monotonic() - t0 < 15
        assert b.call(spin, 0) == "done"
    finally:
        b.close()


def test_answer_verifier_through_the_helper():
    b = Bounded(timeout_s=20.0)
    try:
        v = AnswerVerifier(b)
        assert v.verify(traj("\\boxed{0.5}", answer="\\frac{1}{2}")).passed
        assert v.verify(traj("\\boxed{0.6}", answer="\\frac{1}{2}")).reason == "wrong_answer"
    finally:
        b.close()
