"""Mathematical metacognition: finding errors in worked solutions, verifying claims, estimating and
choosing a strategy. Every flawed solution is built by injecting one known mistake into a correct
one, so the answer (the step, or the corrected result) is known by construction."""

from __future__ import annotations

import math
import random
from decimal import ROUND_HALF_UP, Decimal

import sympy as sp

from pipelines.math.problems.base import Problem, Registry, X, nonzero, scale, sym, tex, value

reg = Registry()


@reg.add("meta.errors.find_wrong_step",
         check=lambda p: value(p) == next(i + 1 for i, (shown, true)
                                          in enumerate(zip(p.params["shown"], p.params["true"], strict=False))
                                          if shown != true))
def find_wrong_step(rng: random.Random, d: int) -> Problem:
    n = scale(d, 3, 4, 5, 6, 7)
    start = rng.randint(2, 20)
    ops = [(rng.choice("+-×"), rng.randint(2, 12)) for _ in range(n)]
    bad = rng.randrange(n)
    true_vals, shown_vals, lines = [], [], []
    cur_true = cur_shown = start
    for i, (op, k) in enumerate(ops):
        f = {"+": lambda v, k=k: v + k, "-": lambda v, k=k: v - k, "×": lambda v, k=k: v * k}[op]
        cur_true, cur_shown = f(cur_true), f(cur_shown)
        if i == bad:
            cur_shown += rng.choice([-2, -1, 1, 2, 10])
        true_vals.append(f(shown_vals[-1]) if shown_vals else f(start))
        shown_vals.append(cur_shown)
        lines.append(f"Step {i + 1}: {shown_vals[-2] if i else start} {op} {k} = {cur_shown}")
    return Problem("A student computed a chain of operations:\n" + "\n".join(lines) +
                   "\nWhich step is the first one with an arithmetic mistake? Answer with the step number.",
                   tex(bad + 1), {"shown": shown_vals, "true": true_vals})


@reg.add("meta.errors.correct_the_derivative", max_distinct=20,
         check=lambda p: sp.simplify(value(p) - sp.diff(sym(p.params["f"]), X)) == 0)
def correct_the_derivative(rng: random.Random, d: int) -> Problem:
    a, n = nonzero(rng, -5, 5), rng.randint(2, scale(d, 3, 4, 5, 6, 7))
    g = rng.choice([sp.sin(X), sp.exp(X), sp.cos(X), sp.sin(2 * X)][: scale(d, 1, 2, 3, 4, 4)])
    f = a * X**n * g
    wrong = sp.diff(a * X**n, X) * sp.diff(g, X)  # the classic mistake: (uv)' = u'v'
    return Problem(f"A student claims that the derivative of {sp.latex(f)} is {sp.latex(wrong)}. The claim is wrong. "
                   "Give the correct derivative.", tex(sp.diff(f, X)), {"f": str(f)})


@reg.add("meta.errors.sign_error_in_solution",
         check=lambda p: sym(p.params["lhs"]).subs(X, value(p)) == p.params["rhs"])
def sign_error(rng: random.Random, d: int) -> Problem:
    a, b = nonzero(rng, 2, 9), nonzero(rng, -30, 30)
    rhs = rng.randint(-40, 40)
    wrong = sp.Rational(rhs + b, a)  # moved b across without changing its sign
    lhs = a * X + b
    return Problem(f"Solving {sp.latex(lhs)} = {rhs}, a student wrote x = {sp.latex(wrong)}. Find the mistake and "
                   "give the correct value of x.", tex(sp.Rational(rhs - b, a)), {"lhs": str(lhs), "rhs": rhs})


@reg.add("meta.errors.fraction_addition_mistake",
         check=lambda p: value(p) == sp.Rational(p.params["a"], p.params["b"]) + sp.Rational(p.params["c"], p.params["e"]))
def fraction_mistake(rng: random.Random, d: int) -> Problem:
    m = scale(d, 6, 9, 12, 16, 25)
    a, b, c, e = rng.randint(1, m), rng.randint(2, m), rng.randint(1, m), rng.randint(2, m)
    return Problem(f"A student wrote \\frac{{{a}}}{{{b}}} + \\frac{{{c}}}{{{e}}} = \\frac{{{a + c}}}{{{b + e}}}. "
                   "What is the correct sum, in lowest terms?", tex(sp.Rational(a, b) + sp.Rational(c, e)),
                   {"a": a, "b": b, "c": c, "e": e})


@reg.add("meta.errors.extraneous_root",
         check=lambda p: all(sp.sqrt(v + p.params["a"]) == v + p.params["b"] for v in value(p)))
def extraneous_root(rng: random.Random, d: int) -> Problem:
    # sqrt(x + a) = x + b; squaring gives a quadratic whose roots may not satisfy the original.
    while True:
        r = rng.randint(-scale(d, 3, 5, 8, 10, 12), 10)
        b = rng.randint(-6, 6)
        s = r + b  # sqrt(r + a) = s requires s >= 0
        if s < 0:
            continue
        a = s * s - r
        roots = sp.solve(sp.Eq((X + b) ** 2, X + a), X)
        valid = [v for v in roots if v.is_real and v + b >= 0 and sp.simplify(sp.sqrt(v + a) - (v + b)) == 0]
        if len(roots) == 2:
            break
    return Problem(f"Squaring both sides of \\sqrt{{x {'+' if a >= 0 else '-'} {abs(a)}}} = {sp.latex(X + b)} gives "
                   f"{sp.latex(sp.expand((X + b) ** 2))} = {sp.latex(X + a)}. Which of its solutions solve the original "
                   "equation? Give them as a set.", tex(sp.FiniteSet(*valid)), {"a": a, "b": b})


@reg.add("meta.verification.which_candidate",
         check=lambda p: sym(p.params["poly"]).subs(X, value(p)) == 0)
def which_candidate(rng: random.Random, d: int) -> Problem:
    root = rng.randint(-9, 9)
    poly = sp.expand((X - root) * (X**2 + rng.randint(1, 9)) * (1 if d < 3 else X**2 + 1))
    cands = sorted({root, *(rng.randint(-9, 9) for _ in range(scale(d, 2, 3, 4, 5, 6)))})
    cands = [c for c in cands if c == root or poly.subs(X, c) != 0]
    return Problem(f"Exactly one of the numbers {', '.join(map(str, cands))} is a root of {sp.latex(poly)}. Which one?",
                   tex(root), {"poly": str(poly)})


@reg.add("meta.verification.expansion_error",
         check=lambda p: sp.expand(sym(p.params["claimed"]) - sym(p.params["product"]) - value(p)) == 0)
def expansion_error(rng: random.Random, d: int) -> Problem:
    a, b, c = nonzero(rng, -9, 9), nonzero(rng, -9, 9), nonzero(rng, -9, 9)
    product = (X + a) * (X + b) * (1 if d < 3 else X + c)
    true = sp.expand(product)
    terms = sp.Poly(true, X).all_coeffs()
    i = rng.randrange(len(terms))
    terms[i] += rng.choice([-2, -1, 1, 2])
    claimed = sp.Poly(terms, X).as_expr()
    return Problem(f"A student expanded {sp.latex(product)} and got {sp.latex(claimed)}. Compute (student's result) - "
                   "(correct expansion), simplified.", tex(sp.expand(claimed - true)),
                   {"claimed": str(claimed), "product": str(product)})


@reg.add("meta.verification.check_antiderivative",
         check=lambda p: sp.simplify(sp.diff(sym(p.params["F"]), X) - sym(p.params["f"]) - value(p)) == 0)
def check_antiderivative(rng: random.Random, d: int) -> Problem:
    top = scale(d, 2, 3, 3, 4, 5) - 1
    # The leading coefficient is never 0, so f is never the zero polynomial (whose antiderivative
    # has no degree to slip a coefficient at).
    f = sum(rng.randint(-6, 6) * X**i for i in range(top)) + nonzero(rng, -6, 6) * X**top
    F = sp.integrate(f, X)
    if rng.random() < 0.6:  # a slip in one coefficient
        k = rng.randint(1, sp.degree(F, X))
        F += rng.choice([-1, 1]) * X**k
    return Problem(f"Someone claims F(x) = {sp.latex(F)} is an antiderivative of f(x) = {sp.latex(f)}. Compute "
                   "F'(x) - f(x), simplified (0 means the claim is right).", tex(sp.expand(sp.diff(F, X) - f)),
                   {"F": str(F), "f": str(f)})


@reg.add("meta.estimation.order_of_magnitude", check=lambda p: 10 ** value(p) <= p.params["n"] < 10 ** (value(p) + 1))
def order_of_magnitude(rng: random.Random, d: int) -> Problem:
    a, b = rng.randint(2, 99), rng.randint(3, scale(d, 10, 20, 40, 60, 100))
    n = a**b
    return Problem(f"What is \\lfloor \\log_{{10}}({a}^{{{b}}}) \\rfloor, i.e. one less than the number of digits of "
                   f"{a}^{{{b}}}?", tex(len(str(n)) - 1), {"n": n})


@reg.add("meta.estimation.nearest_integer_root",
         check=lambda p: all(abs(int(value(p)) ** 2 - p.params["n"]) <= abs(k**2 - p.params["n"])
                             for k in (int(value(p)) - 1, int(value(p)) + 1)))  # |k^2 - n| is convex in k
def nearest_integer_root(rng: random.Random, d: int) -> Problem:
    n = rng.randint(10, 10 ** scale(d, 3, 4, 6, 8, 10))
    k = math.isqrt(n)
    nearest = k if n - k * k <= (k + 1) ** 2 - n else k + 1
    return Problem(f"Without a calculator, which integer is closest to \\sqrt{{{n}}}?", tex(nearest), {"n": n})


def _one_sig_fig(v: int) -> int:
    """Round half up to one significant figure, in integers (Python's round() is half-to-even)."""
    unit = 10 ** (len(str(v)) - 1)
    lead, rest = divmod(v, unit)
    return (lead + (2 * rest >= unit)) * unit


def _estimate_check(p: Problem) -> bool:
    # Independently: decimal arithmetic with an explicit half-up rule, from the original factors.
    def r(v: int) -> int:
        q = Decimal(v).scaleb(-(len(str(v)) - 1)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(q.scaleb(len(str(v)) - 1))
    return value(p) == r(p.params["a"]) * r(p.params["b"])


@reg.add("meta.estimation.leading_digit_estimate", check=_estimate_check)
def leading_digit_estimate(rng: random.Random, d: int) -> Problem:
    a, b = rng.randint(11, 10 ** scale(d, 2, 3, 3, 4, 5)), rng.randint(11, 10 ** scale(d, 2, 2, 3, 4, 5))
    return Problem(f"Estimate {a} \\times {b} by first rounding each factor to one significant figure (a 5 rounds "
                   "up, e.g. 65 becomes 70). What is the estimate?", tex(_one_sig_fig(a) * _one_sig_fig(b)),
                   {"a": a, "b": b})


@reg.add("meta.strategy.decompose_and_count",
         check=lambda p: value(p) == sum(k for k in range(p.params["n"]) if k % p.params["a"] == 0 or k % p.params["b"] == 0))
def decompose_and_count(rng: random.Random, d: int) -> Problem:
    a, b = rng.choice([(3, 5), (2, 7), (4, 6), (5, 7), (6, 9)])
    n = rng.randint(20, 10 ** scale(d, 2, 3, 4, 5, 6))
    s = lambda k: k * ((n - 1) // k) * ((n - 1) // k + 1) // 2  # noqa: E731 - sum of multiples of k below n
    return Problem(f"Find the sum of all natural numbers below {n} that are multiples of {a} or {b}.",
                   tex(s(a) + s(b) - s(math.lcm(a, b))), {"n": n, "a": a, "b": b})


@reg.add("meta.strategy.work_backwards", check=lambda p: _forward(value(p), p.params["ops"]) == p.params["result"])
def work_backwards(rng: random.Random, d: int) -> Problem:
    start = rng.randint(1, 50)
    ops = [(rng.choice(["add", "multiply by", "subtract"]), rng.randint(2, 9)) for _ in range(scale(d, 2, 3, 4, 5, 6))]
    result = _forward(start, ops)
    text = ", then ".join(f"{op} {k}" for op, k in ops)
    return Problem(f"I think of a number, {text}, and get {result}. What was my number?", tex(start),
                   {"ops": ops, "result": result})


def _forward(v: int, ops: list[tuple[str, int]]) -> int:
    for op, k in ops:
        v = v + k if op == "add" else v * k if op == "multiply by" else v - k
    return v
