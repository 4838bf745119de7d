"""What a problem generator is: `(rng, difficulty) -> Problem`, with the answer computed by the
generator itself (sympy, fractions, exact integers), never looked up. An optional `check` is a
second, independent method the tests use to confirm the answer (substitution, brute force)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp


@dataclass(frozen=True)
class Problem:
    question: str
    answer: str  # LaTeX that math-verify parses
    params: dict[str, Any] = field(default_factory=dict)  # what a second method needs to re-derive it
    form: str | None = None  # "factored": an equivalent but unfactored answer is wrong


Generate = Callable[[random.Random, int], Problem]
Check = Callable[[Problem], bool]


@dataclass(frozen=True)
class Generator:
    ability: str
    fn: Generate
    check: Check | None = None
    # Distinct problems its smallest difficulty level can pose, when under 50: easy levels use small
    # numbers (a regular 5- to 8-gon, a circle of radius 1 to 10), which bounds how many there are.
    max_distinct: int | None = None

    def most(self) -> int:
        """How many distinct problems one difficulty level can pose (tests hold generators to it)."""
        return self.max_distinct or 50

    def __call__(self, rng: random.Random, difficulty: int) -> Problem:
        return self.fn(rng, difficulty)


class Registry:
    """One per module, so each file states what it provides; `problems/__init__` merges them."""

    def __init__(self) -> None:
        self.generators: dict[str, Generator] = {}

    def add(self, ability: str, check: Check | None = None,
            max_distinct: int | None = None) -> Callable[[Generate], Generate]:
        """`max_distinct`: declare it when a level cannot pose 50 distinct problems (a small space)."""
        def deco(fn: Generate) -> Generate:
            if ability in self.generators:
                raise ValueError(f"two generators for ability {ability}")
            self.generators[ability] = Generator(ability, fn, check, max_distinct)
            return fn
        return deco


def tex(value: Any) -> str:
    """Canonical answer text: sympy's LaTeX of the exact value."""
    return sp.latex(sp.nsimplify(value) if isinstance(value, float) else sp.sympify(value))


def nonzero(rng: random.Random, lo: int, hi: int) -> int:
    while True:
        v = rng.randint(lo, hi)
        if v:
            return v


def scale(difficulty: int, *steps: int) -> int:
    """Size parameter by difficulty 1..5 (`steps` lists the value for each level)."""
    return steps[min(max(difficulty, 1), len(steps)) - 1]


def signed(v: Any) -> str:
    """`+ 3` / `- 3`, for writing polynomials and equations as a person would."""
    return f"- {-v}" if v < 0 else f"+ {v}"


def value(p: Problem) -> Any:
    """The answer back as a sympy object, parsed the way the verifier parses it (checks use this)."""
    from math_verify import parse

    got = parse(f"${p.answer}$")
    if not got:
        raise ValueError(f"answer does not parse: {p.answer!r}")
    v = got[0]
    # math-verify makes every letter a real symbol; the generators' symbols carry no assumptions.
    return v.xreplace({s: sp.Symbol(s.name) for s in getattr(v, "free_symbols", ())})


X = sp.Symbol("x")


def shown_equals(p: Problem) -> bool:
    """Second method for "evaluate this" problems: parse the expression exactly as the question
    shows it (`params['shown']`) and compare with the answer, so the text and the answer agree."""
    from math_verify import parse

    shown = parse(f"${p.params['shown']}$")
    if not shown:
        return False
    diff = sp.simplify(sp.sympify(shown[0]) - value(p))
    return diff == 0 or (diff.is_number and abs(sp.N(diff)) < 1e-9)  # decimals parse as floats


_LETTERS = {c: sp.Symbol(c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}


def sym(src: str) -> Any:
    """sympify where every single letter is a plain symbol (sympy would read S, E, I, N, Q as its own)."""
    return sp.parse_expr(src, local_dict=dict(_LETTERS))
