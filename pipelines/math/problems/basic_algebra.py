"""Basic knowledge & computation: formula transformation and equation solving. Checks substitute
the answer back into what the question states."""

from __future__ import annotations

import random

import sympy as sp

from pipelines.math.problems.base import Problem, Registry, X, nonzero, scale, signed, sym, tex, value

reg = Registry()

_FORMULAS = [  # (latex of the equation, sympy equation, symbols that may be asked for)
    ("A = P(1 + r t)", "Eq(A, P*(1 + r*t))", "Prt"),
    ("v = u + a t", "Eq(v, u + a*t)", "uat"),
    ("F = \\frac{9}{5} C + 32", "Eq(F, Rational(9, 5)*C + 32)", "C"),
    ("S = \\frac{n}{2}(a + b)", "Eq(S, n/2*(a + b))", "nab"),
    ("W = \\frac{1}{2} k x^2 + F x", "Eq(W, k*x**2/2 + F*x)", "kF"),
    ("\\frac{1}{f} = \\frac{1}{u} + \\frac{1}{w}", "Eq(1/f, 1/u + 1/w)", "fu"),
    ("y = a x + c", "Eq(y, a*x + c)", "axc"),
    ("P V = n R T", "Eq(P*V, n*R*T)", "PVT"),
]


def _formula_check(p: Problem) -> bool:
    # math-verify lower-cases letters when it parses, so compare in lower case (no formula here
    # uses the same letter in both cases).
    eq = sym(p.params["eq"])
    eq = eq.xreplace({s: sp.Symbol(s.name.lower()) for s in eq.free_symbols})
    var = sp.Symbol(p.params["var"].lower())
    return sp.simplify(eq.lhs.subs(var, value(p)) - eq.rhs.subs(var, value(p))) == 0


@reg.add("basic.transform.solve_formula_for_variable", max_distinct=7, check=_formula_check)
def solve_formula(rng: random.Random, d: int) -> Problem:
    shown, eq_src, names = rng.choice(_FORMULAS[: scale(d, 3, 4, 6, 7, 8)])
    eq = sym(eq_src)
    var = sp.Symbol(rng.choice(names))
    sol = sp.solve(eq, var)[0]
    return Problem(f"Rearrange the formula {shown} to make {var} the subject. Give {var} as an expression.",
                   tex(sol), {"eq": eq_src, "var": str(var)})


@reg.add("basic.transform.expand_product",
         check=lambda p: sp.expand(sym(p.params["product"]) - value(p)) == 0)
def expand_product(rng: random.Random, d: int) -> Problem:
    m = scale(d, 5, 7, 9, 12, 15)
    a, b, c, e = nonzero(rng, -m, m), rng.randint(-m, m), nonzero(rng, -m, m), rng.randint(-m, m)
    prod = (a * X + b) * (c * X + e)
    if d >= 4:
        prod *= X + nonzero(rng, -m, m)
    return Problem(f"Expand {sp.latex(prod)} and collect like terms.", tex(sp.expand(prod)), {"product": str(prod)})


def _factored_check(p: Problem) -> bool:
    v = value(p)
    return isinstance(v, (sp.Mul, sp.Pow)) and sp.expand(v - sym(p.params["poly"])) == 0


@reg.add("basic.transform.factor_quadratic", check=_factored_check)
def factor_quadratic(rng: random.Random, d: int) -> Problem:
    m = scale(d, 6, 9, 12, 15, 20)
    r, s = rng.randint(-m, m), rng.randint(-m, m)
    lead = 1 if d < 3 else rng.randint(1, 3)
    poly = sp.expand(lead * (X - r) * (X - s))
    return Problem(f"Factor {sp.latex(poly)} completely.", tex(sp.factor(poly)), {"poly": str(poly)}, form="factored")


@reg.add("basic.transform.complete_the_square",
         check=lambda p: sp.expand(value(p) - sym(p.params["poly"])) == 0)
def complete_square(rng: random.Random, d: int) -> Problem:
    h, k = rng.randint(-scale(d, 5, 8, 10, 15, 25), 10), rng.randint(-20, 20)
    a = 1 if d < 3 else nonzero(rng, -3, 3)
    poly = sp.expand(a * (X - h) ** 2 + k)
    lead = "" if a == 1 else "-" if a == -1 else str(a)
    vertex = f"{lead}\\left({sp.latex(X - h)}\\right)^{{2}} {signed(k)}"
    return Problem(f"Write {sp.latex(poly)} in the form a(x - h)^2 + k.", vertex, {"poly": str(poly)})


@reg.add("basic.transform.simplify_rational",
         check=lambda p: all(sym(p.params["expr"]).subs(X, t) == value(p).subs(X, t)
                             for t in (sp.Rational(7, 3), sp.Rational(-11, 5), sp.Rational(13, 17))))
def simplify_rational(rng: random.Random, d: int) -> Problem:
    a, b = rng.randint(1, scale(d, 5, 8, 10, 12, 15)), rng.randint(-9, 9)
    c = rng.randint(1, 4) if d >= 3 else 1
    num, den = sp.expand(c * (X - a) * (X + a) * (X + b)), sp.expand((X - a) * (X + b))
    expr = num / den
    return Problem(f"Simplify \\frac{{{sp.latex(num)}}}{{{sp.latex(den)}}} for the values of x where it is defined.",
                   tex(sp.cancel(expr)), {"expr": str(expr)})


@reg.add("basic.transform.logarithm_rules",
         check=lambda p: value(p) == sp.log(sp.Integer(p.params["b"]) ** p.params["total"], p.params["b"]))
def logarithm_rules(rng: random.Random, d: int) -> Problem:
    b = rng.choice([2, 3, 5, 10])
    m, n, k = rng.randint(1, scale(d, 5, 8, 10, 15, 20)), rng.randint(1, 8), rng.randint(0, scale(d, 0, 3, 5, 8, 10))
    return Problem(f"Compute \\log_{{{b}}}({b**m}) + \\log_{{{b}}}({b**n}) - \\log_{{{b}}}({b**k}).",
                   tex(m + n - k), {"b": b, "total": m + n - k})


@reg.add("basic.transform.trig_identity",
         check=lambda p: all(abs(sp.N(sym(p.params["expr"]).subs(X, t)) - sp.N(value(p))) < 1e-9
                             for t in (0.3, 1.1, 2.5)))
def trig_identity(rng: random.Random, d: int) -> Problem:
    a, b = nonzero(rng, -9, 9), rng.randint(-9, 9)
    expr = a * sp.sin(X) ** 2 + a * sp.cos(X) ** 2 + b
    if d >= 3:
        c = nonzero(rng, -5, 5)
        expr += c * (sp.sin(2 * X) - 2 * sp.sin(X) * sp.cos(X))
    return Problem(f"Simplify {sp.latex(expr)} to a constant.", tex(sp.simplify(expr)), {"expr": str(expr)})


def _root_check(p: Problem) -> bool:
    eq = sym(p.params["eq"])
    sol = value(p)
    vals = list(sol) if isinstance(sol, sp.FiniteSet) else [sol]
    return all(sp.simplify(eq.lhs.subs(X, v) - eq.rhs.subs(X, v)) == 0 for v in vals)


@reg.add("basic.equations.linear", check=_root_check)
def linear_equation(rng: random.Random, d: int) -> Problem:
    m = scale(d, 9, 12, 20, 30, 50)
    a, c = nonzero(rng, -m, m), nonzero(rng, -m, m)
    while c == a:
        c = nonzero(rng, -m, m)
    b, e = rng.randint(-m, m), rng.randint(-m, m)
    eq = sp.Eq(a * X + b, c * X + e)
    return Problem(f"Solve for x: {sp.latex(a * X + b)} = {sp.latex(c * X + e)}.", tex(sp.solve(eq, X)[0]),
                   {"eq": str(eq)})


@reg.add("basic.equations.quadratic_roots", check=_root_check)
def quadratic_roots(rng: random.Random, d: int) -> Problem:
    m = scale(d, 6, 9, 12, 15, 20)
    r, s = rng.randint(-m, m), rng.randint(-m, m)
    while s == r:
        s = rng.randint(-m, m)
    a = 1 if d < 4 else rng.randint(2, 4)
    poly = sp.expand(a * (X - r) * (X - s)) if d < 5 else sp.expand((X - r) * (a * X - s))
    eq = sp.Eq(poly, 0)
    return Problem(f"Find all real solutions of {sp.latex(poly)} = 0. Give them as a set.",
                   tex(sp.FiniteSet(*sp.solve(eq, X))), {"eq": str(eq)})


@reg.add("basic.equations.linear_system",
         check=lambda p: all(sym(e).subs({"x": value(p), "y": sp.Rational(p.params["y"])})
                             for e in p.params["eqs"]))
def linear_system(rng: random.Random, d: int) -> Problem:
    m = scale(d, 5, 8, 10, 15, 20)
    x0, y0 = rng.randint(-m, m), rng.randint(-m, m)
    while True:
        a, b, c, e = (nonzero(rng, -6, 6) for _ in range(4))
        if a * e - b * c:
            break
    y = sp.Symbol("y")
    eqs = [sp.Eq(a * X + b * y, a * x0 + b * y0), sp.Eq(c * X + e * y, c * x0 + e * y0)]
    sol = sp.solve(eqs, [X, y])
    return Problem(f"Solve the system {sp.latex(eqs[0])} and {sp.latex(eqs[1])}. What is x?", tex(sol[X]),
                   {"eqs": [str(q) for q in eqs], "y": str(sol[y])})


@reg.add("basic.equations.linear_inequality",
         check=lambda p: all((v in value(p)) == bool(sym(p.params["ineq"]).subs(X, v)) for v in range(-60, 61)))
def linear_inequality(rng: random.Random, d: int) -> Problem:
    a, b, c = nonzero(rng, -scale(d, 3, 5, 7, 9, 12), 9), rng.randint(-20, 20), rng.randint(-20, 20)
    ineq = a * X + b < c
    sol = sp.solve_univariate_inequality(ineq, X, relational=False)
    return Problem(f"Solve {sp.latex(ineq)} and give the solution set in interval notation.", tex(sol),
                   {"ineq": str(ineq)})


@reg.add("basic.equations.exponential", check=_root_check)
def exponential_equation(rng: random.Random, d: int) -> Problem:
    base = rng.choice([2, 3, 5])
    k = rng.randint(1, scale(d, 1, 2, 3, 3, 4))
    x0 = rng.randint(-5, scale(d, 5, 6, 8, 10, 12))
    b = rng.randint(-5, 5)
    lhs = sp.Integer(base) ** (k * X + b)
    eq = sp.Eq(lhs, sp.Integer(base) ** (k * x0 + b))
    e = k * x0 + b
    rhs = base ** e if e >= 0 else sp.latex(sp.Integer(base) ** e)
    return Problem(f"Solve for real x: {sp.latex(lhs)} = {rhs}.",
                   tex(x0), {"eq": str(eq)})


@reg.add("basic.equations.absolute_value", check=_root_check)
def absolute_value_equation(rng: random.Random, d: int) -> Problem:
    a, b = rng.randint(-scale(d, 5, 10, 20, 30, 50), 20), rng.randint(1, 20)
    c = 1 if d < 3 else rng.randint(2, 4)
    eq = sp.Eq(sp.Abs(c * X - a), b)
    sols = sp.FiniteSet(sp.Rational(a - b, c), sp.Rational(a + b, c))
    return Problem(f"Find all real x with |{sp.latex(c * X - a)}| = {b}. Give them as a set.", tex(sols),
                   {"eq": str(eq)})
