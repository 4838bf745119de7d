"""Runs INSIDE the sandbox (Debian's python3 + sympy), never in the worker: one tool call per
process, request as JSON on stdin, result as text on stdout. Expressions are parsed with sympy's
parser (`^` as power, implicit multiplication), not `eval` of the teacher's text in our process."""

import json
import sys

import sympy as sp
from sympy.parsing.sympy_parser import convert_xor, implicit_multiplication_application, parse_expr, standard_transformations

_T = standard_transformations + (implicit_multiplication_application, convert_xor)


def expr(text):
    text = text.strip()
    if "=" in text and not any(op in text for op in ("==", "<=", ">=")):
        lhs, rhs = text.split("=", 1)
        return sp.Eq(parse_expr(lhs, transformations=_T), parse_expr(rhs, transformations=_T))
    return parse_expr(text, transformations=_T)


def solve(args):
    target = expr(args["equation"])
    var = sp.Symbol(args.get("variable") or "x")
    sols = sp.solve(target, var, dict=False)
    return f"{var} = " + (", ".join(str(s) for s in sols) if sols else "no solution found")


def simplify(args):
    return str(sp.simplify(expr(args["expression"])))


def evaluate(args):
    value = sp.simplify(expr(args["expression"]))
    if isinstance(value, sp.Expr) and value.is_number and not value.is_Integer:
        return f"{value} ≈ {sp.N(value, 15)}"
    return str(value)


def check(args):
    a, b = expr(args["expression"]), expr(args["candidate"])
    diff = sp.simplify(a - b)
    return "equal" if diff == 0 else f"not equal (difference: {diff})"


TOOLS = {"solve": solve, "simplify": simplify, "evaluate": evaluate, "check": check}

if __name__ == "__main__":
    req = json.load(sys.stdin)
    try:
        print(TOOLS[req["tool"]](req["arguments"]))
    except Exception as e:  # noqa: BLE001 - the agent reads the error as the tool's result
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
