"""Basic knowledge & computation: number theory, geometry and measurement."""

from __future__ import annotations

import math
import random

import sympy as sp

from pipelines.math.problems.base import Problem, Registry, scale, tex, value

reg = Registry()


@reg.add("basic.numbers.gcd", check=lambda p: p.params["a"] % value(p) == 0 and p.params["b"] % value(p) == 0
         and sp.gcd(p.params["a"] // value(p), p.params["b"] // value(p)) == 1)
def gcd(rng: random.Random, d: int) -> Problem:
    g = rng.randint(2, scale(d, 12, 30, 60, 120, 500))
    a, b = g * rng.randint(1, 20), g * rng.randint(1, 20)
    return Problem(f"Find the greatest common divisor of {a} and {b}.", tex(math.gcd(a, b)), {"a": a, "b": b})


@reg.add("basic.numbers.lcm", check=lambda p: value(p) * math.gcd(p.params["a"], p.params["b"]) == p.params["a"] * p.params["b"])
def lcm(rng: random.Random, d: int) -> Problem:
    a, b = (rng.randint(2, scale(d, 15, 30, 60, 150, 500)) for _ in range(2))
    return Problem(f"Find the least common multiple of {a} and {b}.", tex(sp.ilcm(a, b)), {"a": a, "b": b})


def _trial_factors(n: int) -> set[int]:
    out, f = set(), 2
    while f * f <= n:
        while n % f == 0:
            out.add(f)
            n //= f
        f += 1
    return out | ({n} if n > 1 else set())


@reg.add("basic.numbers.prime_factorization", check=lambda p: value(p) == sum(_trial_factors(p.params["n"])))
def prime_factorization(rng: random.Random, d: int) -> Problem:
    primes = list(sp.primerange(2, scale(d, 12, 20, 40, 80, 200)))
    n = math.prod(rng.choice(primes) for _ in range(rng.randint(2, scale(d, 3, 3, 4, 5, 6))))
    return Problem(f"What is the sum of the distinct prime factors of {n}?", tex(sum(sp.primefactors(n))), {"n": n})


@reg.add("basic.numbers.divisor_count", max_distinct=49,
         check=lambda p: value(p) == sum(1 for k in range(1, p.params["n"] + 1) if p.params["n"] % k == 0))
def divisor_count(rng: random.Random, d: int) -> Problem:
    n = rng.randint(12, scale(d, 60, 200, 1000, 5000, 20000))
    return Problem(f"How many positive divisors does {n} have?", tex(sp.divisor_count(n)), {"n": n})


@reg.add("basic.numbers.base_conversion", check=lambda p: int(str(value(p)), p.params["b"]) == p.params["n"])
def base_conversion(rng: random.Random, d: int) -> Problem:
    b = rng.choice([2, 3, 5, 7, 8][: scale(d, 1, 2, 3, 4, 5)])
    n = rng.randint(5, scale(d, 60, 200, 1000, 5000, 20000))
    digits, m = [], n
    while m:
        digits.append(str(m % b))
        m //= b
    return Problem(f"Write the decimal number {n} in base {b} (digits only, no subscript).",
                   "".join(reversed(digits)), {"n": n, "b": b})


@reg.add("basic.numbers.digit_sum", max_distinct=32, check=lambda p: value(p) == sum(map(int, str(p.params["n"]))))
def digit_sum(rng: random.Random, d: int) -> Problem:
    a, e = rng.randint(2, 9), rng.randint(3, scale(d, 6, 10, 15, 20, 30))
    n = a**e
    return Problem(f"What is the sum of the decimal digits of {a}^{{{e}}}?", tex(sum(int(c) for c in str(n))), {"n": n})


@reg.add("basic.numbers.count_primes",
         check=lambda p: value(p) == sum(1 for k in range(p.params["a"], p.params["b"] + 1) if len(_trial_factors(k)) == 1
                                         and k in _trial_factors(k)))
def count_primes(rng: random.Random, d: int) -> Problem:
    a = rng.randint(2, scale(d, 20, 50, 100, 500, 1000))
    b = a + rng.randint(10, scale(d, 30, 60, 100, 200, 400))
    return Problem(f"How many primes p satisfy {a} \\le p \\le {b}?", tex(len(list(sp.primerange(a, b + 1)))),
                   {"a": a, "b": b})


@reg.add("basic.numbers.largest_multiple", check=lambda p: value(p) % p.params["k"] == 0
         and value(p) <= p.params["n"] < value(p) + p.params["k"])
def largest_multiple(rng: random.Random, d: int) -> Problem:
    k, n = rng.randint(3, scale(d, 12, 25, 50, 99, 999)), rng.randint(100, scale(d, 500, 2000, 10**4, 10**5, 10**6))
    return Problem(f"What is the largest multiple of {k} that does not exceed {n}?", tex(n - n % k), {"k": k, "n": n})


@reg.add("basic.geometry.rectangle", check=lambda p: 2 * (value(p) + p.params["area"] / value(p)) == p.params["perimeter"])
def rectangle(rng: random.Random, d: int) -> Problem:
    w = rng.randint(1, scale(d, 10, 20, 40, 80, 150))
    length = w + rng.randint(1, 20)
    area, per = w * length, 2 * (w + length)
    return Problem(f"A rectangle has area {area} and perimeter {per}. What is the length of its shorter side?",
                   tex(w), {"area": area, "perimeter": per})


@reg.add("basic.geometry.circle", max_distinct=10,
         check=lambda p: sp.simplify(value(p) - sp.pi * (p.params["c"] / (2 * sp.pi)) ** 2) == 0)
def circle(rng: random.Random, d: int) -> Problem:
    r = rng.randint(1, scale(d, 10, 20, 40, 80, 200))
    return Problem(f"A circle has circumference {2 * r}\\pi. What is its area? Give an exact answer in terms of \\pi.",
                   tex(sp.pi * r**2), {"c": 2 * r * sp.pi})


@reg.add("basic.geometry.pythagoras", check=lambda p: sp.simplify(value(p) ** 2 - p.params["a"] ** 2 - p.params["b"] ** 2) == 0)
def pythagoras(rng: random.Random, d: int) -> Problem:
    a, b = rng.randint(1, scale(d, 10, 20, 40, 60, 100)), rng.randint(1, scale(d, 10, 20, 40, 60, 100))
    return Problem(f"A right triangle has legs of length {a} and {b}. Find the exact length of the hypotenuse.",
                   tex(sp.sqrt(a * a + b * b)), {"a": a, "b": b})


@reg.add("basic.geometry.triangle_angles", check=lambda p: value(p) + p.params["a"] + p.params["b"] == 180)
def triangle_angles(rng: random.Random, d: int) -> Problem:
    a = rng.randint(10, 120)
    b = rng.randint(5, 170 - a)
    return Problem(f"Two angles of a triangle measure {a}° and {b}°. What is the third angle, in degrees?",
                   tex(180 - a - b), {"a": a, "b": b})


@reg.add("basic.geometry.polygon_angles", max_distinct=4, check=lambda p: value(p) * p.params["n"] == (p.params["n"] - 2) * 180)
def polygon_angles(rng: random.Random, d: int) -> Problem:
    n = rng.randint(5, scale(d, 8, 12, 20, 36, 60))
    return Problem(f"What is the measure, in degrees, of each interior angle of a regular {n}-gon?",
                   tex(sp.Rational((n - 2) * 180, n)), {"n": n})


@reg.add("basic.geometry.cylinder_volume", check=lambda p: value(p) / (sp.pi * p.params["r"] ** 2) == p.params["h"])
def cylinder_volume(rng: random.Random, d: int) -> Problem:
    r, h = rng.randint(1, scale(d, 5, 10, 20, 30, 50)), rng.randint(1, scale(d, 10, 20, 30, 50, 100))
    return Problem(f"A cylinder has radius {r} and height {h}. What is its volume? Give an exact answer in terms of \\pi.",
                   tex(sp.pi * r**2 * h), {"r": r, "h": h})


@reg.add("basic.geometry.distance_between_points",
         check=lambda p: sp.simplify(value(p) ** 2 - p.params["dx"] ** 2 - p.params["dy"] ** 2) == 0)
def distance(rng: random.Random, d: int) -> Problem:
    m = scale(d, 5, 10, 20, 50, 100)
    x1, y1, x2, y2 = (rng.randint(-m, m) for _ in range(4))
    return Problem(f"Find the exact distance between the points ({x1}, {y1}) and ({x2}, {y2}).",
                   tex(sp.sqrt((x2 - x1) ** 2 + (y2 - y1) ** 2)), {"dx": x2 - x1, "dy": y2 - y1})


@reg.add("basic.measurement.rounding",
         check=lambda p: abs(value(p) - p.params["v"]) <= sp.Rational(1, 2 * 10 ** p.params["places"]))
def rounding(rng: random.Random, d: int) -> Problem:
    places = rng.randint(0, scale(d, 1, 2, 3, 3, 4))
    v = rng.randint(10**5, 10**7)
    num = sp.Rational(v, 10**5)
    q = sp.Rational(10) ** places
    rounded = sp.floor(num * q + sp.Rational(1, 2)) / q
    return Problem(f"Round {float(num):.5f} to {places} decimal place{'s' if places != 1 else ''} "
                   "(round half up).", f"{float(rounded):.{places}f}", {"v": num, "places": places})


@reg.add("basic.measurement.unit_conversion", max_distinct=20,
         check=lambda p: value(p) * 3600 == p.params["kmh"] * 1000)
def unit_conversion(rng: random.Random, d: int) -> Problem:
    kmh = rng.randint(1, scale(d, 20, 60, 120, 300, 1000)) * (18 if d < 3 else 1)
    return Problem(f"Convert {kmh} km/h to metres per second. Give an exact answer.",
                   tex(sp.Rational(kmh * 1000, 3600)), {"kmh": kmh})
