"""Complex reasoning & application: calculus, linear algebra and applied modelling."""

from __future__ import annotations

import itertools
import random

import sympy as sp

from pipelines.math.problems.base import Problem, Registry, X, nonzero, scale, sym, tex, value

reg = Registry()


def _poly(rng: random.Random, deg: int, m: int = 6) -> sp.Expr:
    return nonzero(rng, -m, m) * X**deg + sum(rng.randint(-m, m) * X**i for i in range(deg))


def _numeric_derivative(expr: sp.Expr, at: float) -> float:
    f = sp.lambdify(X, expr)
    h = 1e-5
    return (f(at + h) - f(at - h)) / (2 * h)


@reg.add("reasoning.calculus.derivative_at_point",
         check=lambda p: abs(_numeric_derivative(sym(p.params["f"]), p.params["a"]) - float(value(p))) < 1e-3)
def derivative_at_point(rng: random.Random, d: int) -> Problem:
    f = _poly(rng, scale(d, 2, 3, 3, 4, 5))
    a = rng.randint(-4, 4)
    return Problem(f"Let f(x) = {sp.latex(f)}. Compute f'({a}).", tex(sp.diff(f, X).subs(X, a)), {"f": str(f), "a": a})


@reg.add("reasoning.calculus.chain_rule",
         check=lambda p: all(abs(_numeric_derivative(sym(p.params["f"]), t) - float(value(p).subs(X, t))) < 1e-3
                             for t in (0.3, 0.7)))
def chain_rule(rng: random.Random, d: int) -> Problem:
    inner = _poly(rng, scale(d, 1, 2, 2, 2, 3), 4)
    outer = rng.choice([lambda u: u**3, sp.sin, sp.exp, lambda u: sp.sqrt(u**2 + 1)][: scale(d, 1, 2, 3, 4, 4)])
    f = outer(inner)
    return Problem(f"Differentiate f(x) = {sp.latex(f)} with respect to x.", tex(sp.diff(f, X)), {"f": str(f)})


@reg.add("reasoning.calculus.definite_integral",
         check=lambda p: abs(float(sp.Integral(sym(p.params["f"]), (X, p.params["a"], p.params["b"])).evalf())
                             - float(value(p))) < 1e-6)
def definite_integral(rng: random.Random, d: int) -> Problem:
    f = _poly(rng, scale(d, 1, 2, 2, 3, 4))
    a = rng.randint(-3, 2)
    b = a + rng.randint(1, 4)
    return Problem(f"Compute \\int_{{{a}}}^{{{b}}} ({sp.latex(f)})\\,dx.", tex(sp.integrate(f, (X, a, b))),
                   {"f": str(f), "a": a, "b": b})


@reg.add("reasoning.calculus.limit",
         check=lambda p: abs(float(sym(p.params["f"]).subs(X, p.params["a"] + sp.Rational(1, 10**7))) - float(value(p))) < 1e-3)
def limit(rng: random.Random, d: int) -> Problem:
    a = rng.randint(-5, 5)
    b, c = rng.randint(-6, 6), rng.randint(-6, 6)
    num = sp.expand((X - a) * (X - b) * (1 if d < 3 else X - c))
    den = sp.expand((X - a) * (X - rng.choice([v for v in range(-7, 8) if v != a])))
    f = num / den
    return Problem(f"Compute \\lim_{{x \\to {a}}} \\frac{{{sp.latex(num)}}}{{{sp.latex(den)}}}.", tex(sp.limit(f, X, a)),
                   {"f": str(f), "a": a})


def _grid_min(expr: sp.Expr) -> float:
    # A second method: the smallest value on a fine grid, no calculus.
    f = sp.lambdify(X, expr)
    return min(f(t / 1000) for t in range(-50000, 50001))


@reg.add("reasoning.calculus.extremum",
         check=lambda p: abs(_grid_min(sym(p.params["f"])) - float(value(p))) < 1e-3)
def extremum(rng: random.Random, d: int) -> Problem:
    a = rng.randint(1, scale(d, 2, 3, 5, 7, 9))
    b, c = rng.randint(-20, 20), rng.randint(-20, 20)
    f = a * X**2 + b * X + c
    xv = sp.Rational(-b, 2 * a)
    return Problem(f"Find the minimum value of f(x) = {sp.latex(f)} over all real x.", tex(f.subs(X, xv)), {"f": str(f)})


@reg.add("reasoning.calculus.tangent_line",
         check=lambda p: abs(float(value(p)) - (float(sym(p.params["f"]).subs(X, p.params["a"]))
                                               - p.params["a"] * _numeric_derivative(sym(p.params["f"]), p.params["a"]))) < 1e-3)
def tangent_line(rng: random.Random, d: int) -> Problem:
    f = _poly(rng, scale(d, 2, 2, 3, 3, 4))
    a = nonzero(rng, -3, 3)
    slope = sp.diff(f, X).subs(X, a)
    return Problem(f"Find the y-intercept of the tangent line to y = {sp.latex(f)} at x = {a}.",
                   tex(f.subs(X, a) - slope * a), {"f": str(f), "a": a})


def _matrix(rng: random.Random, n: int, m: int) -> sp.Matrix:
    return sp.Matrix(n, n, lambda i, j: rng.randint(-m, m))


def _laplace_det(rows: list[list[int]]) -> int:
    if len(rows) == 1:
        return rows[0][0]
    return sum((-1) ** j * rows[0][j] * _laplace_det([r[:j] + r[j + 1:] for r in rows[1:]]) for j in range(len(rows)))


@reg.add("reasoning.linear_algebra.determinant", check=lambda p: value(p) == _laplace_det(p.params["rows"]))
def determinant(rng: random.Random, d: int) -> Problem:
    mat = _matrix(rng, scale(d, 2, 2, 3, 3, 4), scale(d, 5, 9, 5, 9, 5))
    return Problem(f"Compute the determinant of {sp.latex(mat)}.", tex(mat.det()), {"rows": mat.tolist()})


@reg.add("reasoning.linear_algebra.matrix_product",
         check=lambda p: value(p) == sum(p.params["a"][p.params["i"]][k] * p.params["b"][k][p.params["j"]]
                                         for k in range(len(p.params["b"]))))
def matrix_product(rng: random.Random, d: int) -> Problem:
    n = scale(d, 2, 2, 3, 3, 4)
    a, b = _matrix(rng, n, 9), _matrix(rng, n, 9)
    i, j = rng.randrange(n), rng.randrange(n)
    return Problem(f"Let A = {sp.latex(a)} and B = {sp.latex(b)}. What is the entry in row {i + 1}, column {j + 1} "
                   "of AB?", tex((a * b)[i, j]), {"a": a.tolist(), "b": b.tolist(), "i": i, "j": j})


@reg.add("reasoning.linear_algebra.vector_angle_cosine",
         check=lambda p: abs(float(value(p)) - float(sp.Matrix(p.params["u"]).dot(sp.Matrix(p.params["v"])))
                             / (float(sp.Matrix(p.params["u"]).norm()) * float(sp.Matrix(p.params["v"]).norm()))) < 1e-9)
def vector_angle_cosine(rng: random.Random, d: int) -> Problem:
    n = scale(d, 2, 2, 3, 3, 4)
    u = [nonzero(rng, -6, 6) for _ in range(n)]
    v = [nonzero(rng, -6, 6) for _ in range(n)]
    cos = sp.Matrix(u).dot(sp.Matrix(v)) / (sp.Matrix(u).norm() * sp.Matrix(v).norm())
    return Problem(f"Find the cosine of the angle between the vectors u = {tuple(u)} and v = {tuple(v)}. "
                   "Give an exact answer.", tex(sp.radsimp(cos)), {"u": u, "v": v})


@reg.add("reasoning.linear_algebra.solve_3x3",
         check=lambda p: value(p) == p.params["sol"][0]
         and all(sum(r[k] * p.params["sol"][k] for k in range(3)) == r[3] for r in p.params["rows"]))
def solve_3x3(rng: random.Random, d: int) -> Problem:
    sol = [rng.randint(-scale(d, 3, 5, 8, 10, 15), 9) for _ in range(3)]
    while True:
        mat = _matrix(rng, 3, scale(d, 2, 3, 4, 5, 6))
        if mat.det() != 0:
            break
    rhs = mat * sp.Matrix(sol)
    x, y, z = sp.symbols("x y z")
    eqs = [sp.Eq(sum(mat[i, k] * s for k, s in enumerate((x, y, z))), rhs[i]) for i in range(3)]
    got = sp.solve(eqs, [x, y, z])
    rows = [[int(mat[i, k]) for k in range(3)] + [int(rhs[i])] for i in range(3)]
    return Problem("Solve the system " + "; ".join(sp.latex(e) for e in eqs) + ". What is x?", tex(got[x]),
                   {"sol": sol, "rows": rows})


@reg.add("reasoning.applied.distance_rate_time",
         check=lambda p: value(p) * (p.params["v1"] + p.params["v2"]) == p.params["gap"])
def distance_rate_time(rng: random.Random, d: int) -> Problem:
    v1, v2 = rng.randint(20, 90), rng.randint(20, 90)
    gap = rng.randint(50, scale(d, 200, 400, 600, 900, 1500))
    return Problem(f"Two trains start {gap} km apart and travel towards each other at {v1} km/h and {v2} km/h. "
                   "After how many hours do they meet? Give an exact answer.", tex(sp.Rational(gap, v1 + v2)),
                   {"v1": v1, "v2": v2, "gap": gap})


@reg.add("reasoning.applied.work_rate",
         check=lambda p: value(p) * (sp.Rational(1, p.params["a"]) + sp.Rational(1, p.params["b"])) == 1)
def work_rate(rng: random.Random, d: int) -> Problem:
    a, b = rng.randint(2, scale(d, 6, 10, 15, 24, 40)), rng.randint(2, scale(d, 6, 10, 15, 24, 40))
    return Problem(f"One pipe fills a tank in {a} hours and another in {b} hours. How many hours do both pipes "
                   "together take? Give an exact answer.", tex(sp.Rational(a * b, a + b)), {"a": a, "b": b})


@reg.add("reasoning.applied.compound_interest",
         check=lambda p: value(p) == _compound_loop(p.params["principal"], p.params["rate"], p.params["years"]))
def compound_interest(rng: random.Random, d: int) -> Problem:
    principal, rate, years = rng.randint(1, 50) * 100, rng.choice([2, 4, 5, 10, 20]), rng.randint(2, scale(d, 3, 4, 6, 8, 10))
    amount = principal * (1 + sp.Rational(rate, 100)) ** years
    return Problem(f"{principal} is invested at {rate}% interest compounded yearly. What is the exact amount after "
                   f"{years} years?", tex(amount), {"principal": principal, "rate": rate, "years": years})


def _compound_loop(principal: int, rate: int, years: int) -> sp.Rational:
    amount = sp.Integer(principal)
    for _ in range(years):
        amount += amount * rate / 100
    return amount


@reg.add("reasoning.applied.mixture",
         check=lambda p: value(p) * p.params["c1"] + (p.params["total"] - value(p)) * p.params["c2"]
         == p.params["total"] * p.params["target"])
def mixture(rng: random.Random, d: int) -> Problem:
    c1, c2 = rng.choice([(10, 40), (20, 50), (5, 30), (15, 60), (25, 70)])
    target = rng.randint(c1 + 1, c2 - 1)
    total = rng.randint(2, scale(d, 10, 20, 50, 100, 200)) * 10
    x = sp.Rational(total * (c2 - target), c2 - c1)
    return Problem(f"How many litres of a {c1}% solution must be mixed with a {c2}% solution to make {total} litres "
                   f"of a {target}% solution? Give an exact answer.", tex(x),
                   {"c1": c1, "c2": c2, "target": target, "total": total})


@reg.add("reasoning.applied.integer_optimisation")
def integer_optimisation(rng: random.Random, d: int) -> Problem:
    pa, pb = rng.randint(2, 9), rng.randint(2, 9)
    ta, tb, hours = rng.randint(1, 4), rng.randint(1, 4), rng.randint(10, scale(d, 20, 30, 40, 60, 80))
    ma, mb, material = rng.randint(1, 5), rng.randint(1, 5), rng.randint(10, scale(d, 20, 30, 40, 60, 80))
    best = max(pa * a + pb * b for a, b in itertools.product(range(hours + 1), repeat=2)
               if ta * a + tb * b <= hours and ma * a + mb * b <= material)
    return Problem(f"A workshop makes chairs (profit {pa}) and tables (profit {pb}). A chair takes {ta} hours and {ma} "
                   f"units of wood; a table takes {tb} hours and {mb} units. With {hours} hours and {material} units of "
                   "wood, what is the largest total profit from whole numbers of chairs and tables?", tex(best))
