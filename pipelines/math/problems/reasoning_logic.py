"""Complex reasoning & application: theorem application and logical deduction."""

from __future__ import annotations

import itertools
import math
import random

import sympy as sp

from pipelines.math.problems.base import Problem, Registry, X, nonzero, scale, tex, value

reg = Registry()


@reg.add("reasoning.theorems.triangle_inequality",
         check=lambda p: value(p) == sum(1 for c in range(1, 1000)
                                         if p.params["a"] + p.params["b"] > c and p.params["a"] + c > p.params["b"]
                                         and p.params["b"] + c > p.params["a"]))
def triangle_inequality(rng: random.Random, d: int) -> Problem:
    a, b = rng.randint(2, scale(d, 10, 20, 50, 100, 300)), rng.randint(2, scale(d, 10, 20, 50, 100, 300))
    return Problem(f"A triangle has sides {a}, {b} and c, where c is a positive integer. How many values can c take?",
                   tex(a + b - abs(a - b) - 1), {"a": a, "b": b})


@reg.add("reasoning.theorems.angle_bisector",
         check=lambda p: value(p) * p.params["ac"] == (p.params["bc"] - value(p)) * p.params["ab"])
def angle_bisector(rng: random.Random, d: int) -> Problem:
    while True:
        ab, ac, bc = (rng.randint(3, scale(d, 12, 20, 30, 50, 80)) for _ in range(3))
        if ab + ac > bc and ab + bc > ac and ac + bc > ab:
            break
    return Problem(f"In triangle ABC, AB = {ab}, AC = {ac} and BC = {bc}. The bisector of angle A meets BC at D. "
                   "Find BD.", tex(sp.Rational(bc * ab, ab + ac)), {"ab": ab, "ac": ac, "bc": bc})


@reg.add("reasoning.theorems.vieta",
         check=lambda p: abs(complex(sum(r**2 for r in sp.Poly(sym_poly(p), X).nroots())) - int(value(p))) < 1e-6)
def vieta(rng: random.Random, d: int) -> Problem:
    m = scale(d, 5, 8, 10, 15, 20)
    b, c = rng.randint(-m, m), rng.randint(-m, m)
    if d >= 4:
        e = rng.randint(-m, m)
        poly = X**3 + b * X**2 + c * X + e
    else:
        poly = X**2 + b * X + c
    return Problem(f"Let r_i be the (complex) roots of {sp.latex(poly)}, counted with multiplicity. "
                   "Compute the sum of their squares.", tex(b * b - 2 * c), {"poly": str(poly)})


def sym_poly(p: Problem) -> sp.Expr:
    return sp.sympify(p.params["poly"], locals={"x": X})


@reg.add("reasoning.theorems.fermat_little", check=lambda p: value(p) == pow(p.params["a"], p.params["e"], p.params["p"]))
def fermat_little(rng: random.Random, d: int) -> Problem:
    prime = rng.choice(list(sp.primerange(5, scale(d, 20, 40, 100, 200, 1000))))
    a = rng.randint(2, prime - 1)
    e = (prime - 1) * rng.randint(10, 10**scale(d, 2, 3, 4, 6, 9)) + rng.randint(0, prime - 2)
    r = e % (prime - 1)  # a^(p-1) = 1 (mod p)
    return Problem(f"Compute the remainder when {a}^{{{e}}} is divided by {prime}.", tex(pow(a, r, prime)),
                   {"a": a, "e": e, "p": prime})


@reg.add("reasoning.theorems.binomial_coefficient",
         check=lambda p: value(p) == sp.Poly(sp.expand(sym_poly(p)), X).coeff_monomial(X ** p.params["k"]))
def binomial_coefficient(rng: random.Random, d: int) -> Problem:
    n = rng.randint(3, scale(d, 5, 7, 9, 12, 15))
    a, b, k = nonzero(rng, -3, 3), nonzero(rng, -4, 4), rng.randint(0, n)
    poly = (a * X + b) ** n
    coeff = sp.binomial(n, k) * sp.Integer(a) ** k * sp.Integer(b) ** (n - k)
    return Problem(f"What is the coefficient of x^{{{k}}} in the expansion of {sp.latex(poly)}?", tex(coeff),
                   {"poly": str(poly), "k": k})


@reg.add("reasoning.theorems.remainder_theorem", check=lambda p: value(p) == sp.rem(sym_poly(p), X - p.params["a"], X))
def remainder_theorem(rng: random.Random, d: int) -> Problem:
    deg = scale(d, 2, 3, 4, 5, 6)
    poly = sum(rng.randint(-9, 9) * X**i for i in range(deg)) + X**deg
    a = nonzero(rng, -5, 5)
    return Problem(f"Find the remainder when {sp.latex(poly)} is divided by {sp.latex(X - a)}.", tex(poly.subs(X, a)),
                   {"poly": str(poly), "a": a})


@reg.add("reasoning.theorems.inscribed_angle", check=lambda p: 2 * value(p) == p.params["central"])
def inscribed_angle(rng: random.Random, d: int) -> Problem:
    central = rng.randint(10, 170) * (2 if d < 3 else 1)
    central = min(central, 340)
    return Problem(f"A central angle of a circle measures {central}°. What is the measure, in degrees, of an inscribed "
                   "angle subtending the same arc?", tex(sp.Rational(central, 2)), {"central": central})


@reg.add("reasoning.theorems.am_gm",
         check=lambda p: abs(float(value(p)) - min(p.params["a"] * t / 1000 + p.params["b"] * 1000 / t
                                                   for t in range(1, 100000))) < 1e-3)
def am_gm(rng: random.Random, d: int) -> Problem:
    a, b = rng.randint(1, scale(d, 9, 16, 25, 50, 100)), rng.randint(1, scale(d, 9, 16, 25, 50, 100))
    return Problem(f"Find the minimum value of {a}x + \\frac{{{b}}}{{x}} over x > 0. Give an exact answer.",
                   tex(2 * sp.sqrt(a * b)), {"a": a, "b": b})


_OPS = {"and": lambda p, q: p and q, "or": lambda p, q: p or q, "implies": lambda p, q: (not p) or q,
        "xor": lambda p, q: p != q}
_TEX = {"and": "\\land", "or": "\\lor", "implies": "\\rightarrow", "xor": "\\oplus"}


def _formula(rng: random.Random, depth: int) -> tuple[str, object]:
    if depth == 0:
        v = rng.choice("pqr")
        if rng.random() < 0.3:
            return f"\\lnot {v}", ("not", v)
        return v, v
    op = rng.choice(list(_OPS))
    (ls, lt), (rs, rt) = _formula(rng, depth - 1), _formula(rng, rng.randint(0, depth - 1))
    return f"({ls} {_TEX[op]} {rs})", (op, lt, rt)


def _truth(tree: object, env: dict[str, bool]) -> bool:
    if isinstance(tree, str):
        return env[tree]
    assert isinstance(tree, tuple)
    if tree[0] == "not":
        return not env[tree[1]]
    return _OPS[tree[0]](_truth(tree[1], env), _truth(tree[2], env))


@reg.add("reasoning.logic.truth_table")
def truth_table(rng: random.Random, d: int) -> Problem:
    shown, tree = _formula(rng, scale(d, 1, 2, 2, 3, 4))
    count = sum(_truth(tree, dict(zip("pqr", vals, strict=False))) for vals in itertools.product([False, True], repeat=3))
    return Problem(f"Over all 8 assignments of truth values to p, q, r, for how many is {shown} true?", tex(count))


@reg.add("reasoning.logic.ordering_puzzle")
def ordering_puzzle(rng: random.Random, d: int) -> Problem:
    names = ["Ana", "Ben", "Caro", "Dev", "Eli", "Fay", "Gus"][: scale(d, 3, 4, 5, 6, 7)]
    order = names[:]
    rng.shuffle(order)  # order[0] is the tallest
    clues = [f"{order[i]} is taller than {order[i + 1]}" for i in range(len(order) - 1)]
    rng.shuffle(clues)
    who = rng.choice(names)
    return Problem(f"{'. '.join(clues)}. How many people are shorter than {who}?",
                   tex(len(order) - 1 - order.index(who)))


def _adversary_draws(colours: int, k: int) -> int:
    """Second method: an adversary hands out socks so as to delay k of a colour as long as it can
    (always the colour with the fewest so far); count the draws until it must give in."""
    counts = [0] * colours
    draws = 0
    while max(counts) < k:
        counts[counts.index(min(counts))] += 1
        draws += 1
    return draws


@reg.add("reasoning.logic.pigeonhole", max_distinct=15,
         check=lambda p: value(p) == _adversary_draws(p.params["colours"], p.params["k"]))
def pigeonhole(rng: random.Random, d: int) -> Problem:
    colours, k = rng.randint(2, scale(d, 4, 6, 9, 12, 20)), rng.randint(2, scale(d, 3, 4, 6, 8, 12))
    return Problem(f"A drawer holds socks of {colours} colours, many of each. How many socks must be drawn, without "
                   f"looking, to be sure of having {k} of the same colour?", tex(colours * (k - 1) + 1),
                   {"colours": colours, "k": k})


@reg.add("reasoning.logic.next_term",
         check=lambda p: value(p) == sp.interpolate(p.params["terms"], X).subs(X, len(p.params["terms"]) + 1))
def next_term(rng: random.Random, d: int) -> Problem:
    deg = scale(d, 1, 2, 2, 3, 3)
    coeffs = [rng.randint(-5, 5) for _ in range(deg)] + [nonzero(rng, 1, 4)]
    f = lambda n: sum(c * n**i for i, c in enumerate(coeffs))  # noqa: E731
    terms = [f(n) for n in range(1, deg + 3)]
    return Problem(f"The sequence {', '.join(map(str, terms))}, ... is given by a polynomial of degree {deg} in n "
                   "(n = 1, 2, ...). What is the next term?", tex(f(len(terms) + 1)), {"terms": terms})


@reg.add("reasoning.logic.inclusion_exclusion",
         check=lambda p: value(p) == len(set(range(p.params["a"]))
                                         | set(range(p.params["a"] - p.params["both"],
                                                     p.params["a"] - p.params["both"] + p.params["b"]))))
def inclusion_exclusion(rng: random.Random, d: int) -> Problem:
    a, b = rng.randint(10, scale(d, 30, 60, 100, 300, 1000)), rng.randint(10, scale(d, 30, 60, 100, 300, 1000))
    both = rng.randint(1, min(a, b))
    return Problem(f"In a club, {a} members play chess, {b} play go, and {both} play both. How many play at least one?",
                   tex(a + b - both), {"a": a, "b": b, "both": both})


@reg.add("reasoning.logic.divisibility_count",
         check=lambda p: value(p) == sum(1 for n in range(1, p.params["n"] + 1)
                                         if n % p.params["a"] == 0 or n % p.params["b"] == 0))
def divisibility_count(rng: random.Random, d: int) -> Problem:
    a, b = rng.randint(2, 12), rng.randint(2, 15)
    n = rng.randint(50, scale(d, 100, 300, 1000, 5000, 20000))
    count = n // a + n // b - n // math.lcm(a, b)
    return Problem(f"How many integers from 1 to {n} are divisible by {a} or by {b}?", tex(count), {"n": n, "a": a, "b": b})
