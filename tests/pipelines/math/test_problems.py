"""Every generator: same seed → same problem; the answer parses the way the verifier parses it;
and, where a generator has one, a second independent method agrees with the answer."""

import random

import pytest

from pipelines.math import forms
from pipelines.math.catalogue import shipped_catalogue
from pipelines.math.problems import GENERATORS
from pipelines.math.problems.base import value
from pipelines.math.verifiers import AnswerVerifier
from tests.pipelines.math.test_verifiers import traj

ANSWER = AnswerVerifier()

ABILITIES = shipped_catalogue().by_id()


def _levels(aid):
    lo, hi = ABILITIES[aid].difficulty
    return range(lo, hi + 1)


@pytest.mark.parametrize("aid", sorted(GENERATORS))
def test_generator(aid):
    gen = GENERATORS[aid]
    questions = set()
    for d in _levels(aid):
        for seed in range(6):
            p = gen(random.Random(seed * 10 + d), d)
            again = gen(random.Random(seed * 10 + d), d)
            assert (p.question, p.answer, p.form) == (again.question, again.answer, again.form), "not deterministic"
            assert p.question.strip() and p.answer.strip()
            value(p)  # parses with math-verify, or raises
            if seed == 0:  # the gold answer, boxed, passes the pipeline's own check (its form rules too)
                t = traj(f"\\boxed{{{p.answer}}}", answer=p.answer, form=p.form or forms.infer(p.question, p.answer))
                t.messages[1].content = p.question  # the form rules read the question (restating it is no answer)
                v = ANSWER.verify(t)
                assert v.passed, f"gold answer rejected ({v.reason}): {p.question!r} -> {p.answer!r}"
            if gen.check is not None:
                assert gen.check(p), f"second method disagrees: {p.question!r} -> {p.answer!r}"
            questions.add(p.question)
    assert len(questions) > 3, "the seed barely changes the problem"


def test_most_generators_have_a_second_method():
    with_check = [a for a, g in GENERATORS.items() if g.check is not None]
    assert len(with_check) >= 99, sorted(set(GENERATORS) - set(with_check))


def test_a_wrong_answer_fails_the_second_method():
    gen = GENERATORS["basic.numbers.gcd"]
    p = gen(random.Random(1), 2)
    bad = type(p)(p.question, str(int(p.answer) + 1), p.params)
    assert gen.check(p) and not gen.check(bad)
