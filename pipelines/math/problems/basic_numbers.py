"""Basic knowledge & computation: symbol recognition and numerical computation."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction

import sympy as sp

from pipelines.math.problems.base import Problem, Registry, nonzero, scale, shown_equals, tex, value

reg = Registry()


@reg.add("basic.symbols.interval_notation",
         check=lambda p: all((v in value(p)) == (p.params["a"] < v <= p.params["b"])
                             for v in range(p.params["a"] - 2, p.params["b"] + 3)))
def interval_notation(rng: random.Random, d: int) -> Problem:
    a = rng.randint(-scale(d, 5, 10, 20, 50, 100), 10)
    b = a + rng.randint(1, scale(d, 5, 10, 20, 50, 100))
    return Problem(f"Write the set {{x : {a} < x \\le {b}}} in interval notation.",
                   tex(sp.Interval.Lopen(a, b)), {"a": a, "b": b})


@reg.add("basic.symbols.sigma_notation", max_distinct=40,
         check=lambda p: value(p) == p.params["n"] * (p.params["n"] + 1) * (2 * p.params["n"] + 1) // 6
         + p.params["c"] * p.params["n"])
def sigma_notation(rng: random.Random, d: int) -> Problem:
    n, c = rng.randint(3, scale(d, 6, 10, 20, 40, 80)), rng.randint(-5, 5)
    k = sp.Symbol("k")
    total = sp.summation(k**2 + c, (k, 1, n))
    return Problem(f"Evaluate \\sum_{{k=1}}^{{{n}}} (k^2 {'+' if c >= 0 else '-'} {abs(c)}).", tex(total),
                   {"n": n, "c": c})


@reg.add("basic.symbols.factorial_notation", max_distinct=18,
         check=lambda p: value(p) == math.prod(range(p.params["k"] + 1, p.params["n"] + 1)))
def factorial_notation(rng: random.Random, d: int) -> Problem:
    n = rng.randint(4, scale(d, 7, 9, 12, 15, 20))
    k = rng.randint(1, n - 1)
    return Problem(f"Compute \\frac{{{n}!}}{{{k}!}}.", tex(sp.factorial(n) / sp.factorial(k)), {"n": n, "k": k})


@reg.add("basic.symbols.absolute_value", check=shown_equals)
def absolute_value(rng: random.Random, d: int) -> Problem:
    m = scale(d, 10, 20, 50, 100, 500)
    a, b, c = (rng.randint(-m, m) for _ in range(3))
    shown = f"|{a} - ({b})| - |{c}|"
    return Problem(f"Evaluate {shown}.", tex(abs(a - b) - abs(c)), {"shown": shown})


@reg.add("basic.symbols.set_builder",
         check=lambda p: value(p) == len([x for x in range(-1000, 1001) if p.params["lo"] <= x * x <= p.params["hi"]]))
def set_builder(rng: random.Random, d: int) -> Problem:
    lo = rng.randint(0, scale(d, 10, 30, 100, 300, 1000))
    hi = lo + rng.randint(5, scale(d, 30, 100, 300, 1000, 3000))
    count = sum(1 for x in range(-int(math.isqrt(hi)) - 1, math.isqrt(hi) + 2) if lo <= x * x <= hi)
    return Problem(f"How many elements does the set {{x \\in \\mathbb{{Z}} : {lo} \\le x^2 \\le {hi}}} have?",
                   tex(count), {"lo": lo, "hi": hi})


@reg.add("basic.symbols.function_composition")
def function_composition(rng: random.Random, d: int) -> Problem:
    a, b = nonzero(rng, -6, 6), rng.randint(-9, 9)
    c, k = rng.randint(-9, 9), rng.randint(-scale(d, 3, 5, 8, 12, 20), scale(d, 3, 5, 8, 12, 20))
    x = sp.Symbol("x")
    f, g = a * x + b, x**2 + c
    return Problem(f"Let f(x) = {sp.latex(f)} and g(x) = {sp.latex(g)}. Compute f(g({k})).",
                   tex(f.subs(x, g.subs(x, k))))


@reg.add("basic.compute.integer_arithmetic", check=shown_equals)
def integer_arithmetic(rng: random.Random, d: int) -> Problem:
    m = scale(d, 20, 100, 1000, 10000, 100000)
    a, b, c, e = (rng.randint(2, m) for _ in range(4))
    f = rng.randint(-m, m)
    shown = f"{a} \\times {b} - {c} \\times {e} + ({f})"
    return Problem(f"Compute {shown}.", tex(a * b - c * e + f), {"shown": shown})


@reg.add("basic.compute.fraction_arithmetic",
         check=lambda p: value(p) == sp.Rational(p.params["n1"], p.params["d1"]) + sp.Rational(p.params["n2"], p.params["d2"])
         - sp.Rational(p.params["n3"], p.params["d3"]))
def fraction_arithmetic(rng: random.Random, d: int) -> Problem:
    m = scale(d, 6, 9, 12, 20, 40)
    n1, n2, n3 = (rng.randint(1, m) for _ in range(3))
    d1, d2, d3 = (rng.randint(2, m) for _ in range(3))
    total = Fraction(n1, d1) + Fraction(n2, d2) - Fraction(n3, d3)
    return Problem(f"Compute \\frac{{{n1}}}{{{d1}}} + \\frac{{{n2}}}{{{d2}}} - \\frac{{{n3}}}{{{d3}}}. "
                   "Give the answer as a fraction in lowest terms.",
                   tex(sp.Rational(total.numerator, total.denominator)),
                   {"n1": n1, "d1": d1, "n2": n2, "d2": d2, "n3": n3, "d3": d3})


@reg.add("basic.compute.decimal_arithmetic", check=shown_equals)
def decimal_arithmetic(rng: random.Random, d: int) -> Problem:
    places = scale(d, 1, 1, 2, 2, 3)
    a = Fraction(rng.randint(1, 10 ** (places + 2)), 10**places)
    b = Fraction(rng.randint(1, 10 ** (places + 1)), 10**places)
    c = Fraction(rng.randint(1, 10 ** (places + 2)), 10**places)
    total = a * b + c
    show = lambda v: f"{float(v):.{places}f}"  # noqa: E731
    shown = f"{show(a)} \\times {show(b)} + {show(c)}"
    # A terminating decimal (every denominator is a power of ten): the answer is written as one.
    exact = format(Decimal(total.numerator) / Decimal(total.denominator), "f")
    exact = exact.rstrip("0").rstrip(".") if "." in exact else exact
    return Problem(f"Compute {shown} exactly (as a decimal).", exact, {"shown": shown}, form="decimal")


@reg.add("basic.compute.percentages",
         check=lambda p: value(p) * 100 == p.params["pct"] * p.params["n"])
def percentages(rng: random.Random, d: int) -> Problem:
    pct = rng.choice([5, 10, 12, 15, 20, 25, 30, 35, 40, 45, 60, 75, 120, 150][: scale(d, 6, 8, 10, 12, 14)])
    n = rng.randint(2, scale(d, 20, 50, 200, 1000, 5000)) * 4
    return Problem(f"What is {pct}\\% of {n}?", tex(sp.Rational(pct * n, 100)), {"pct": pct, "n": n})


@reg.add("basic.compute.exponent_rules", check=shown_equals)
def exponent_rules(rng: random.Random, d: int) -> Problem:
    base = rng.randint(2, scale(d, 3, 5, 7, 9, 12))
    m, n = rng.randint(1, 6), rng.randint(1, 6)
    k = rng.randint(0, m + n + scale(d, 0, 0, 1, 2, 3))
    shown = f"\\frac{{{base}^{{{m}}} \\cdot {base}^{{{n}}}}}{{{base}^{{{k}}}}}"
    return Problem(f"Compute {shown}.", tex(sp.Integer(base) ** (m + n - k)), {"shown": shown})


@reg.add("basic.compute.order_of_operations", check=shown_equals)
def order_of_operations(rng: random.Random, d: int) -> Problem:
    a, b, c, e, f = (rng.randint(1, scale(d, 9, 12, 20, 30, 50)) for _ in range(5))
    expr = f"{a} + {b} \\times ({c} - {e})^2 \\div {f}"
    return Problem(f"Evaluate {expr}. Give an exact answer.", tex(sp.Integer(a) + sp.Rational(b * (c - e) ** 2, f)),
                   {"shown": expr})


@reg.add("basic.compute.simplify_radical", max_distinct=40, check=lambda p: sp.expand(value(p) ** 2) == p.params["n"])
def simplify_radical(rng: random.Random, d: int) -> Problem:
    k = rng.randint(2, scale(d, 5, 8, 12, 20, 30))
    m = rng.choice([2, 3, 5, 6, 7, 10, 11, 13, 14, 15])
    n = k * k * m
    return Problem(f"Simplify \\sqrt{{{n}}} to the form a\\sqrt{{b}} with b square-free.", tex(sp.sqrt(n)), {"n": n})


@reg.add("basic.compute.scientific_notation")
def scientific_notation(rng: random.Random, d: int) -> Problem:
    a, b = rng.randint(11, 99), rng.randint(11, 99)
    m, n = rng.randint(-scale(d, 2, 4, 6, 8, 12), 6), rng.randint(-scale(d, 2, 4, 6, 8, 12), 6)
    total = sp.Rational(a * b, 100) * sp.Integer(10) ** (m + n)
    return Problem(f"Compute ({a / 10} \\times 10^{{{m}}}) \\times ({b / 10} \\times 10^{{{n}}}) and give the exact value.",
                   tex(total))


@reg.add("basic.compute.modular_power",
         check=lambda p: value(p) == _slow_powmod(p.params["a"], p.params["e"], p.params["m"]))
def modular_power(rng: random.Random, d: int) -> Problem:
    a, m = rng.randint(2, 30), rng.randint(3, scale(d, 11, 20, 50, 100, 1000))
    e = rng.randint(2, scale(d, 10, 50, 200, 1000, 10**6))
    return Problem(f"Compute {a}^{{{e}}} \\bmod {m}.", tex(pow(a, e, m)), {"a": a, "e": e, "m": m})


def _slow_powmod(a: int, e: int, m: int) -> int:
    # A second method: the cycle of powers, not Python's pow.
    seen: dict[int, int] = {}
    seq, cur = [], 1 % m
    for i in range(e + 1):
        if cur in seen:
            start = seen[cur]
            return seq[start + (e - start) % (i - start)]
        seen[cur] = i
        seq.append(cur)
        cur = cur * a % m
    return seq[e]
