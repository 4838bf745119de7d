import pytest

from factory.verify.math_answer import answers_match, last_boxed

EQUIVALENT = [("1/2", "0.5"), ("\\frac{1}{2}", "1/2"), ("x = 2", "2"), ("\\{1,2\\}", "\\{2,1\\}"),
              ("(0,1]", "\\left(0, 1\\right]"), ("x^2+2x+1", "(x+1)^2"), ("12", "12.0"), ("3/4", "0.75")]
DIFFERENT = [("2", "3"), ("1/2", "0.51"), ("(0,1]", "[0,1]"), ("x^2", "2x"), ("13.2", "13")]


@pytest.mark.parametrize("gold,pred", EQUIVALENT)
def test_equivalent(gold, pred):
    assert answers_match(gold, pred)


@pytest.mark.parametrize("gold,pred", DIFFERENT)
def test_different(gold, pred):
    assert not answers_match(gold, pred)


def test_last_boxed_balances_braces():
    assert last_boxed("a \\boxed{1} then \\boxed{\\frac{1}{2}}.") == "\\frac{1}{2}"
    assert last_boxed("no box") is None
    assert last_boxed("\\boxed{unclosed") is None
