"""Complex reasoning & application: combinatorics, probability, sequences and series. Checks count
by brute-force enumeration where the numbers allow."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from fractions import Fraction

import sympy as sp

from pipelines.math.problems.base import Problem, Registry, scale, tex, value

reg = Registry()


@reg.add("reasoning.combinatorics.permutations", max_distinct=14,
         check=lambda p: value(p) == sum(1 for _ in itertools.permutations(range(p.params["n"]), p.params["k"])))
def permutations(rng: random.Random, d: int) -> Problem:
    n = rng.randint(4, scale(d, 6, 7, 8, 9, 10))
    k = rng.randint(2, n - 1)
    return Problem(f"In how many ways can {k} different prizes be given to {n} runners if each runner gets at "
                   "most one prize?", tex(math.perm(n, k)), {"n": n, "k": k})


@reg.add("reasoning.combinatorics.combinations", max_distinct=27,
         check=lambda p: value(p) == sum(1 for _ in itertools.combinations(range(p.params["n"]), p.params["k"])))
def combinations(rng: random.Random, d: int) -> Problem:
    n = rng.randint(5, scale(d, 8, 10, 12, 14, 16))
    k = rng.randint(2, n - 2)
    return Problem(f"How many committees of {k} can be chosen from {n} people?", tex(math.comb(n, k)), {"n": n, "k": k})


def _arrangements_by_placing(word: str) -> int:
    """Second method: place each letter's copies into the positions still free (a product of
    binomials), instead of dividing factorials."""
    free, total = len(word), 1
    for c in Counter(word).values():
        total *= math.comb(free, c)
        free -= c
    return total


WORDS = ["LEVEL", "BANANA", "LETTER", "PEPPER", "COFFEE", "ASSESS", "BALLOON", "COMMITTEE", "BOOKKEEPER",
         "MISSISSIPPI", "STATISTICS", "TENNESSEE", "REFERENCE", "DEFERRED", "SUCCESS", "PARALLEL", "MAMMAL",
         "ALABAMA", "CANNON", "GOOGOL", "PEPPERMINT", "BASSOON", "COOKBOOK", "RACECAR", "REDIVIDER"]


@reg.add("reasoning.combinatorics.word_arrangements", check=lambda p: value(p) == _arrangements_by_placing(p.params["word"]))
def word_arrangements(rng: random.Random, d: int) -> Problem:
    if rng.random() < 0.3:
        word = rng.choice([w for w in WORDS if len(w) <= scale(d, 6, 7, 9, 10, 11)])
        text = f"the letters of {word}"
    else:  # a multiset of letters: many more distinct problems than a word list
        n = rng.randint(4, scale(d, 6, 7, 9, 10, 12))
        letters = "ABCDEFG"[: scale(d, 3, 4, 4, 5, 6)]
        word = "".join(sorted(rng.choice(letters) for _ in range(n)))
        text = f"the {n} letters {', '.join(word)} (letters of the same kind are identical)"
    total = math.factorial(len(word))
    for c in Counter(word).values():
        total //= math.factorial(c)
    return Problem(f"How many distinct arrangements of {text} are there?", tex(total), {"word": word})


@reg.add("reasoning.combinatorics.stars_and_bars", max_distinct=14,
         check=lambda p: value(p) == sum(1 for t in itertools.product(range(p.params["n"] + 1), repeat=p.params["k"] - 1)
                                         if sum(t) <= p.params["n"]))
def stars_and_bars(rng: random.Random, d: int) -> Problem:
    n, k = rng.randint(3, scale(d, 6, 9, 12, 15, 20)), rng.randint(2, scale(d, 3, 3, 4, 4, 5))
    return Problem(f"How many solutions in non-negative integers does x_1 + ... + x_{k} = {n} have?",
                   tex(math.comb(n + k - 1, k - 1)), {"n": n, "k": k})


@reg.add("reasoning.combinatorics.derangements", max_distinct=9,
         check=lambda p: value(p) == sum(1 for s in itertools.permutations(range(p.params["n"]))
                                         if sum(s[i] == i for i in range(p.params["n"])) == p.params["fixed"]))
def derangements(rng: random.Random, d: int) -> Problem:
    n = rng.randint(3, scale(d, 4, 5, 6, 7, 8))
    fixed = 0 if rng.random() < 0.5 else rng.randint(1, n - 2)
    ways = math.comb(n, fixed) * sp.subfactorial(n - fixed)
    if fixed == 0:
        return Problem(f"{n} letters are put into {n} addressed envelopes at random, one per envelope. In how many "
                       "ways can this be done so that no letter is in its own envelope?", tex(ways),
                       {"n": n, "fixed": 0})
    return Problem(f"{n} letters are put into {n} addressed envelopes, one per envelope. In how many ways can this be "
                   f"done so that exactly {fixed} letter{'s are' if fixed > 1 else ' is'} in {'their' if fixed > 1 else 'its'} "
                   "own envelope?", tex(ways), {"n": n, "fixed": fixed})


def _paths(w: int, h: int, blocked: tuple[int, int] | None) -> int:
    grid = [[0] * (h + 1) for _ in range(w + 1)]
    for i in range(w + 1):
        for j in range(h + 1):
            if (i, j) == blocked:
                continue
            grid[i][j] = 1 if i == j == 0 else (grid[i - 1][j] if i else 0) + (grid[i][j - 1] if j else 0)
    return grid[w][h]


@reg.add("reasoning.combinatorics.lattice_paths", max_distinct=25,
         check=lambda p: value(p) == _paths(p.params["w"], p.params["h"], p.params["blocked"]))
def lattice_paths(rng: random.Random, d: int) -> Problem:
    w, h = rng.randint(2, scale(d, 4, 6, 8, 10, 12)), rng.randint(2, scale(d, 4, 6, 8, 10, 12))
    if d >= 3:
        bx, by = rng.randint(1, w - 1), rng.randint(1, h - 1)
        total = math.comb(w + h, w) - math.comb(bx + by, bx) * math.comb(w - bx + h - by, w - bx)
        return Problem(f"Moving only right or up one unit at a time, how many paths go from (0, 0) to ({w}, {h}) "
                       f"without passing through ({bx}, {by})?", tex(total), {"w": w, "h": h, "blocked": (bx, by)})
    return Problem(f"Moving only right or up one unit at a time, how many paths go from (0, 0) to ({w}, {h})?",
                   tex(math.comb(w + h, w)), {"w": w, "h": h, "blocked": None})


@reg.add("reasoning.probability.dice_sum", max_distinct=11,
         check=lambda p: value(p) == sp.Rational(sum(1 for r in itertools.product(range(1, 7), repeat=p.params["n"])
                                                     if sum(r) == p.params["s"]), 6 ** p.params["n"]))
def dice_sum(rng: random.Random, d: int) -> Problem:
    n = scale(d, 2, 2, 3, 3, 4)
    s = rng.randint(n, 6 * n)
    poly = sp.Poly(sum(sp.Symbol("t") ** i for i in range(1, 7)) ** n)
    ways = poly.coeff_monomial(sp.Symbol("t") ** s)
    return Problem(f"{n} fair six-sided dice are rolled. What is the probability that the total is {s}?",
                   tex(sp.Rational(ways, 6**n)), {"n": n, "s": s})


@reg.add("reasoning.probability.without_replacement", max_distinct=25,
         check=lambda p: value(p) == _draw_brute(p.params["red"], p.params["blue"], p.params["k"]))
def without_replacement(rng: random.Random, d: int) -> Problem:
    red, blue = rng.randint(2, scale(d, 5, 6, 8, 9, 10)), rng.randint(2, scale(d, 5, 6, 8, 9, 10))
    k = rng.randint(2, min(red, scale(d, 2, 2, 3, 3, 4)))
    prob = sp.Rational(math.comb(red, k), math.comb(red + blue, k))
    return Problem(f"A bag holds {red} red and {blue} blue balls. {k} balls are drawn without replacement. What is "
                   "the probability that all of them are red?", tex(prob), {"red": red, "blue": blue, "k": k})


def _draw_brute(red: int, blue: int, k: int) -> sp.Rational:
    balls = ["r"] * red + ["b"] * blue
    draws = list(itertools.combinations(range(len(balls)), k))
    return sp.Rational(sum(all(balls[i] == "r" for i in c) for c in draws), len(draws))


@reg.add("reasoning.probability.binomial", max_distinct=30,
         check=lambda p: value(p) == sum(Fraction(1, 2**p.params["n"]) for r in itertools.product((0, 1), repeat=p.params["n"])
                                         if sum(r) == p.params["k"]))
def binomial(rng: random.Random, d: int) -> Problem:
    n = rng.randint(3, scale(d, 5, 7, 9, 11, 14))
    k = rng.randint(0, n)
    return Problem(f"A fair coin is tossed {n} times. What is the probability of exactly {k} heads?",
                   tex(sp.Rational(math.comb(n, k), 2**n)), {"n": n, "k": k})


@reg.add("reasoning.probability.expected_value",
         check=lambda p: value(p) == sum(sp.Rational(v, 6) for v in p.params["payout"]))
def expected_value(rng: random.Random, d: int) -> Problem:
    payout = [rng.randint(-scale(d, 2, 5, 10, 20, 50), scale(d, 5, 10, 20, 50, 100)) for _ in range(6)]
    table = ", ".join(f"face {i + 1}: {v}" for i, v in enumerate(payout))
    return Problem(f"A fair die pays the following amounts: {table}. What is the expected payout?",
                   tex(sp.Rational(sum(payout), 6)), {"payout": payout})


@reg.add("reasoning.probability.bayes", max_distinct=40,
         check=lambda p: value(p) == _bayes_counts(p.params["prev"], p.params["sens"], p.params["fpr"]))
def bayes(rng: random.Random, d: int) -> Problem:
    prev = rng.choice([1, 2, 5, 10, 20][: scale(d, 5, 5, 4, 3, 2)])
    sens, fpr = rng.choice([80, 90, 95, 99]), rng.choice([1, 2, 5, 10, 20])
    p_pos = sp.Rational(prev * sens, 10000) + sp.Rational((100 - prev) * fpr, 10000)
    post = sp.Rational(prev * sens, 10000) / p_pos
    return Problem(f"A condition affects {prev}% of a population. A test detects it in {sens}% of affected people "
                   f"and gives a false positive for {fpr}% of unaffected people. Given a positive test, what is the "
                   "probability that the person is affected?", tex(post), {"prev": prev, "sens": sens, "fpr": fpr})


def _bayes_counts(prev: int, sens: int, fpr: int) -> sp.Rational:
    # A second method: a population of 10,000 people counted, not conditional probabilities.
    sick = 100 * prev
    true_pos, false_pos = sick * sens // 100, (10000 - sick) * fpr // 100
    return sp.Rational(true_pos, true_pos + false_pos)


@reg.add("reasoning.probability.complement",
         check=lambda p: value(p) == sp.Rational(
             sum(1 for r in itertools.product(range(1, p.params["faces"] + 1), repeat=p.params["n"]) if p.params["face"] in r),
             p.params["faces"] ** p.params["n"]))
def complement(rng: random.Random, d: int) -> Problem:
    faces = rng.choice([4, 6, 8, 10, 12])
    n = rng.randint(2, min(scale(d, 3, 4, 5, 6, 7), 5 if faces > 6 else 7))  # the check enumerates faces^n rolls
    face = rng.randint(1, faces)
    return Problem(f"A fair {faces}-sided die (faces 1 to {faces}) is rolled {n} times. What is the probability of "
                   f"rolling at least one {face}?", tex(1 - sp.Rational(faces - 1, faces) ** n),
                   {"n": n, "faces": faces, "face": face})


@reg.add("reasoning.sequences.arithmetic",
         check=lambda p: value(p) == p.params["terms"][0] + (p.params["n"] - 1) * (p.params["terms"][1] - p.params["terms"][0]))
def arithmetic(rng: random.Random, d: int) -> Problem:
    a, step = rng.randint(-20, 20), rng.randint(-9, 9) or 3
    n = rng.randint(10, scale(d, 20, 50, 100, 500, 1000))
    terms = [a + i * step for i in range(4)]
    return Problem(f"What is term number {n} of the arithmetic sequence {', '.join(map(str, terms))}, ...?",
                   tex(a + (n - 1) * step), {"terms": terms, "n": n})


@reg.add("reasoning.sequences.geometric_sum",
         check=lambda p: value(p) == sum(p.params["a"] * sp.Integer(p.params["r"]) ** i for i in range(p.params["n"])))
def geometric_sum(rng: random.Random, d: int) -> Problem:
    a, r = rng.randint(1, 9), rng.choice([2, 3, -2, -3, 5][: scale(d, 2, 3, 4, 5, 5)])
    n = rng.randint(4, scale(d, 6, 8, 10, 12, 15))
    total = a * (sp.Integer(r) ** n - 1) / (r - 1)
    return Problem(f"Find the sum of the first {n} terms of the geometric sequence with first term {a} and ratio {r}.",
                   tex(total), {"a": a, "r": r, "n": n})


@reg.add("reasoning.sequences.recurrence",
         check=lambda p: value(p) == (sp.Matrix([[p.params["p"], p.params["q"]], [1, 0]]) ** (p.params["n"] - 1)
                                      * sp.Matrix([p.params["a1"], p.params["a0"]]))[0])
def recurrence(rng: random.Random, d: int) -> Problem:
    a0, a1 = rng.randint(0, 5), rng.randint(1, 5)
    p, q = rng.randint(1, 3), rng.randint(-2, 2)
    n = rng.randint(5, scale(d, 6, 8, 10, 14, 20))
    seq = [a0, a1]
    for _ in range(n - 1):
        seq.append(p * seq[-1] + q * seq[-2])
    return Problem(f"A sequence has a_0 = {a0}, a_1 = {a1} and a_{{k+1}} = {p} a_k + ({q}) a_{{k-1}} for k \\ge 1. "
                   f"Find a_{{{n}}}.", tex(seq[n]), {"p": p, "q": q, "n": n, "a0": a0, "a1": a1})


@reg.add("reasoning.sequences.telescoping", max_distinct=26,
         check=lambda p: value(p) == sum(Fraction(1, k * (k + p.params["gap"])) for k in range(1, p.params["n"] + 1)))
def telescoping(rng: random.Random, d: int) -> Problem:
    n, gap = rng.randint(5, scale(d, 10, 30, 100, 500, 2000)), scale(d, 1, 1, 1, 2, 2)
    k = sp.Symbol("k")
    total = sp.summation(sp.apart(1 / (k * (k + gap)), k), (k, 1, n))
    return Problem(f"Compute \\sum_{{k=1}}^{{{n}}} \\frac{{1}}{{k(k+{gap})}}.", tex(sp.nsimplify(total)), {"n": n, "gap": gap})


@reg.add("reasoning.sequences.infinite_geometric",
         check=lambda p: abs(float(value(p)) - sum(float(p.params["a"]) * float(p.params["r"]) ** i for i in range(2000))) < 1e-9)
def infinite_geometric(rng: random.Random, d: int) -> Problem:
    a = rng.randint(1, 20)
    r = sp.Rational(rng.randint(1, scale(d, 1, 2, 3, 4, 6)) * rng.choice([1, -1]), rng.randint(scale(d, 2, 3, 5, 7, 9), 12))
    return Problem(f"Find the sum of the infinite geometric series with first term {a} and common ratio {sp.latex(r)}.",
                   tex(a / (1 - r)), {"a": a, "r": r})
