"""Answer forms: what shape a right answer must have, beyond being equal to the ground truth.

math-verify calls `(x+3)(x-5)` equal to `x^2-2x-15` and `\\sqrt{80}` equal to `4\\sqrt{5}` because they
are; but a box that restates the question's expression, or gives `113.097336` where `36\\pi` is asked,
is not an answer. Every problem carries a form (declared by its generator or inferred from its
question and ground truth); `check` enforces it on the predicted answer, reading the prediction
*unevaluated* (latex2sympy builds the tree as written, so `2^{10}` stays a power).

Forms: integer, rational, decimal, decimal:K (K places), exact, expanded, factored, simplified,
set, interval, expression."""

from __future__ import annotations

import re
from fractions import Fraction
from math import gcd

import sympy as sp

FORMS = ("integer", "rational", "decimal", "exact", "expanded", "factored", "simplified", "set", "interval",
         "expression")

_INT = re.compile(r"^[+-]?\d+$")
_DEC = re.compile(r"^[+-]?(\d+\.\d*|\.\d+)$")
_FRAC = re.compile(r"^([+-]?)\\frac\{([+-]?\d+)\}\{(\d+)\}$")
_SLASH = re.compile(r"^([+-]?\d+)/(\d+)$")
_ANY_FRAC = re.compile(r"\\frac\{\s*([+-]?\d+)\s*\}\{\s*([+-]?\d+)\s*\}|(?<![\w.}])(\d+)\s*/\s*(\d+)(?![\w.{])")
_VAR_EQ = re.compile(r"^[a-zA-Z]\s*=\s*")
_DECIMAL_PLACES = re.compile(r"(\d+|one|two|three|four|five|six)\s+decimal\s+place", re.I)
_WORD_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_FACTOR = re.compile(r"(^|[.:;!?]\s*)factor\b|factori[sz]e|\bfactor\b[^.]*\bcompletely")  # the verb, not "prime factors"
_UNEVALUATED = (sp.Integral, sp.Derivative, sp.Limit, sp.Sum, sp.Product, sp.factorial, sp.binomial)


def valid(form: str) -> bool:
    name, _, k = form.partition(":")
    return (name in FORMS and not k) or (name == "decimal" and k.isdigit())


def clean(text: str) -> str:
    """The answer as written, without presentation: `\\left`, spacing commands, `\\dfrac`, `$`."""
    s = text.strip().strip("$").strip()
    for a, b in (("\\dfrac", "\\frac"), ("\\tfrac", "\\frac"), ("\\left", ""), ("\\right", ""), ("\\,", ""),
                 ("\\!", ""), ("\\ ", ""), ("\\displaystyle", ""), ("{,}", "")):
        s = s.replace(a, b)
    # TeX's brace-less arguments: \frac12, \frac1{2}, \frac{1}2, \sqrt2
    s = re.sub(r"\\frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\frac\s*(\d)\s*\{", r"\\frac{\1}{", s)
    s = re.sub(r"\\frac\s*(\{[^{}]*\})\s*(\d)", r"\\frac\1{\2}", s)
    s = re.sub(r"\\sqrt\s*(\d)", r"\\sqrt{\1}", s)
    return re.sub(r"\s+", " ", s).strip()


def _compact(text: str) -> str:
    s = clean(text)
    for a in ("\\times", "\\cdot", "*"):
        s = s.replace(a, "*")
    return re.sub(r"\s+", "", s)


def infer(question: str, gold: str) -> str:
    """The form a question asks for, from its words, else from the type of its ground truth."""
    q = question.lower()
    m = _DECIMAL_PLACES.search(q)
    if m:
        k = m.group(1)
        return f"decimal:{_WORD_NUM.get(k, k)}"
    if _FACTOR.search(q):
        return "factored"
    for words, form in ((("expand",), "expanded"), (("interval notation",), "interval"),
                        (("as a decimal", "in decimal"), "decimal"), (("nearest whole", "nearest integer"), "integer"),
                        (("simplify",), "simplified"), (("exact",), "exact")):
        if any(w in q for w in words):
            return form
    return _form_of(gold)


def _form_of(gold: str) -> str:
    try:
        v = _tree(gold)
    except Exception:  # noqa: BLE001 — latex2sympy raises a bare Exception on a syntax error, RecursionError on depth
        return "expression"
    if isinstance(v, (sp.Interval, sp.Union)):
        return "interval"
    if isinstance(v, sp.Set):
        return "set"
    if isinstance(v, sp.Integer):
        return "integer"
    if isinstance(v, sp.Rational):
        return "rational"
    if isinstance(v, sp.Float):
        return "rational"  # a ground truth written as a decimal is an exact value; "round to k places" is asked in words
    if getattr(v, "is_number", False):
        return "exact"
    return "expression"


def _tree(latex: str) -> sp.Basic:
    from latex2sympy2_extended import latex2sympy

    return latex2sympy(clean(latex))


def check(pred: str, gold: str, form: str | None, question: str = "") -> str:
    """'' when `pred` has the form asked for, else the reason. Equality with the ground truth is
    math-verify's job (checked separately); this is about shape."""
    if question and restates(pred, gold, question):
        return "restates_question"
    form = form or (infer(question, gold) if question else _form_of(gold))
    s = clean(pred)
    if form.startswith(("integer", "rational", "decimal", "exact")):
        s = _VAR_EQ.sub("", s)
    if form.startswith(("integer", "rational", "decimal")):
        s = s.replace(" ", "")  # "- \\frac{3}{7}" is a number as written
    if form == "integer":
        if _INT.match(s) or (_DEC.match(s) and not s.split(".")[1].strip("0")):
            return ""
        return "not_an_integer" if (_FRAC.match(s) or _SLASH.match(s) or _DEC.match(s)) else "not_a_number"
    if form == "rational":
        return _rational(s, gold)
    if form.startswith("decimal"):
        places = form.partition(":")[2]
        if not (_DEC.match(s) or _INT.match(s)):
            return "not_a_decimal"
        got = len(s.split(".")[1]) if "." in s else 0
        return "wrong_decimal_places" if places and got != int(places) else ""
    if re.search(r"\d\.\d", s) and not re.search(r"\d\.\d", clean(gold)) and not _exact_decimals(s, gold):
        return "inexact_decimal"  # an approximation where the exact value is asked
    why = _fractions_reduced(s) or _evaluated(s, radicals=form in ("simplified", "factored", "expanded"))
    if why or form in ("exact", "set", "interval", "expression"):
        return why
    return {"expanded": _expanded, "factored": _factored, "simplified": _simplified}.get(form, lambda _: "")(s)


def restates(pred: str, gold: str, question: str) -> bool:
    """The box holds an expression copied from the question rather than an answer. Copying is
    fine only when the answer itself stands in the question in final form ("which is larger, √2 or
    1.4?"); an expression with arithmetic left to do is never an answer, even if the ground truth
    happens to appear in the question too."""
    p, q, g = _compact(pred), _compact(question), _compact(gold)
    if len(p) < 3 or _INT.match(p) or _DEC.match(p) or re.fullmatch(r"[+-]?[a-zA-Z]", p) or p == g:
        return False
    return p in q and (g not in q or _evaluated(clean(pred), radicals=True) != "")


def _rational(s: str, gold: str) -> str:
    if _INT.match(s):
        return ""
    m = _FRAC.match(s) or _SLASH.match(s)
    if m:
        num, den = (int(m.group(2)), int(m.group(3))) if m.re is _FRAC else (int(m.group(1)), int(m.group(2)))
        return "fraction_not_reduced" if den <= 1 or gcd(num, den) != 1 else ""
    if _DEC.match(s):
        try:
            exact = Fraction(str(sp.nsimplify(_tree(gold), rational=True)))
        except Exception:  # noqa: BLE001 — latex2sympy's syntax errors are bare Exceptions
            return "inexact_decimal"
        return "" if Fraction(s) == exact else "inexact_decimal"
    return "not_a_number"


def _exact_decimals(s: str, gold: str) -> bool:
    """Decimals that are exact terms of the answer (`0.25\\pi` for `\\frac{\\pi}{4}`): read as the
    fractions they are, the expression equals the ground truth exactly. `113.097336` for `36\\pi`
    does not."""
    try:
        exact = _tree(re.sub(r"(\d+\.\d+)", lambda m: "({0.numerator}/{0.denominator})".format(Fraction(m.group(1))), s))
        return sp.simplify(exact - _tree(gold)) == 0
    except Exception:  # noqa: BLE001 — latex2sympy's syntax errors are bare Exceptions
        return False


def _fractions_reduced(s: str) -> str:
    for m in _ANY_FRAC.finditer(s):
        num, den = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(3), m.group(4))
        n, d = int(num), int(den)
        if d in (0, 1, -1) or gcd(n, d) != 1:
            return "fraction_not_reduced"
    return ""


def _evaluated(s: str, radicals: bool = False) -> str:
    """Reasons a written expression is not in final form: arithmetic left to do (and, where a
    simplified form is asked, a radical with a square factor left in)."""
    try:
        u = _tree(s)
    except Exception:  # noqa: BLE001 — latex2sympy's syntax errors are bare Exceptions
        return ""  # math-verify already judged equality; an unparseable shape is not ours to reject
    if isinstance(u, sp.Pow) and u.args[0].is_Integer and u.args[1] == -1:
        return "unevaluated"  # 2^{-1}
    for node in sp.preorder_traversal(u):
        if isinstance(node, _UNEVALUATED):
            return "unevaluated"
        if isinstance(node, sp.Pow):
            base, exp = node.args
            if exp == 1 or (base.is_Integer and exp.is_Integer and exp != -1) or (base.is_Rational and exp.is_Integer and
                                                                                 not base.is_Integer and exp != -1):
                return "unevaluated"
            if radicals and base.is_Integer and exp.is_Rational and not exp.is_Integer and _has_power_factor(int(base), exp.q):
                return "radical_not_simplified"
        if isinstance(node, (sp.Add, sp.Mul)):
            args = node.args
            if isinstance(node, sp.Mul) and any(a == 1 for a in args) and not any(
                    isinstance(a, sp.Pow) and a.args[1] == -1 for a in args):
                return "unevaluated"  # 1 \cdot (…)
            if all(a.is_Rational or (isinstance(a, sp.Pow) and a.args[0].is_Rational and a.args[1] == -1)
                   for a in args) and not (isinstance(node, sp.Mul) and len(args) == 2 and sp.S.NegativeOne in args):
                return "unevaluated"  # 12 \times 6 - 14, \frac{6}{3}·2 …
    return ""


def _has_power_factor(n: int, q: int) -> bool:
    n = abs(n)
    p = 2
    while p ** q <= n:
        if n % (p ** q) == 0:
            return True
        p += 1
    return False


def _value(s: str) -> sp.Basic | None:
    try:
        return _tree(s).doit()
    except Exception:  # noqa: BLE001 — latex2sympy's syntax errors are bare Exceptions
        return None


def _expanded(s: str) -> str:
    v = _value(s)
    return "" if v is None or sp.expand(v) == v else "not_expanded"


def _factored(s: str) -> str:
    """Completely factored over the rationals: a product (or power) of primitive irreducible factors."""
    try:
        u = _tree(s)
    except Exception:  # noqa: BLE001 — latex2sympy's syntax errors are bare Exceptions
        return ""
    factors = list(u.args) if isinstance(u, sp.Mul) else [u]
    polys = []
    for f in factors:
        base = f.args[0] if isinstance(f, sp.Pow) and f.args[1].is_Integer and f.args[1] > 1 else f
        if base.is_number:
            continue
        polys.append(base)
    if not polys:
        return "not_factored"
    for p in polys:
        content, parts = sp.factor_list(sp.expand(p))
        if len(parts) != 1 or parts[0][1] != 1 or abs(content) != 1:
            return "not_factored"
    return ""


def _simplified(s: str) -> str:
    v = _value(s)
    if v is None:
        return ""
    num, den = sp.fraction(sp.together(v))
    if den.free_symbols and not sp.gcd(num, den).is_number:
        return "not_simplified"
    return ""
