"""Units, percent signs and degree marks in the box: a strong model writes `12\\text{ cm}`,
`5\\%` or `25^\\circ` when the question is about lengths, percentages or angles. They are
presentation, not a different answer: `readings` gives what the box says without them, so the
value and its form are judged as usual. A unit is taken off only when it is a unit (a known one,
or a word the question itself uses); anything else in `\\text{}` stays and is judged as prose."""

from __future__ import annotations

import re

UNITS = {"mm", "cm", "dm", "m", "km", "in", "inch", "inches", "ft", "foot", "feet", "yd", "yard", "mi", "mile",
         "g", "kg", "mg", "lb", "lbs", "oz", "s", "sec", "second", "min", "minute", "h", "hr", "hour", "day",
         "week", "month", "year", "ml", "l", "liter", "litre", "meter", "metre", "gram", "unit", "cent",
         "dollar", "euro", "mph", "kmh", "km/h", "m/s", "degree", "radian", "rad", "square", "cubic", "sq"}
_TEXT = re.compile(r"\\(?:text|mathrm|textrm|mbox|operatorname)\s*\{([^{}]*)\}")
_TRAIL_UNIT = re.compile(r"^(?P<value>.*?[\d}a-zA-Z)])\s*(?:\\[,;: !]|~|\s)*"
                         r"\\(?:text|mathrm|textrm|mbox)\s*\{\s*(?P<unit>[^{}]*?)\s*\}\s*(?P<pow>\^\s*\{?[23]\}?)?\s*$")
_PLAIN_UNIT = re.compile(r"^(?P<value>[+-]?[\d.]+)\s+(?P<unit>[a-zA-Z]{1,12}(?:\^[23])?)$")
_PERCENT = re.compile(r"^(?P<value>.*?)\s*\\%\s*$|^(?P<value2>.*?)\s*%\s*$")
_REPEATING = re.compile(r"^([+-]?)(\d*)\.(\d*)\\overline\s*\{(\d+)\}$")
_DEGREES = re.compile(r"^(?P<value>.*?)\s*(?:\^\s*\{?\s*\\circ\s*\}?|°|\\degree|\\text\{\s*°\s*\})\s*$")


def _singular(word: str) -> str:
    w = word.lower().strip(".")
    return w[:-2] if w.endswith("es") and w[:-2] in UNITS else w[:-1] if w.endswith("s") and len(w) > 2 else w


def _is_unit(text: str, question: str) -> bool:
    words = [w for w in re.split(r"[\s\\,~]+", text.replace("^2", "").replace("^3", "")) if w]
    if not words:
        return False
    q = {_singular(w) for w in re.findall(r"[a-zA-Z/]+", question)}
    return all(w.lower() in UNITS or _singular(w) in UNITS or _singular(w) in q for w in words)


def readings(pred: str, gold: str, question: str) -> list[str]:
    """The box as written, then (when a unit, % or ° comes off) the bare value; for a percentage
    both `p` and `p/100`, since "5%" answers "what percent" (5) and "what share" (0.05) alike."""
    s = pred.strip().strip("$").strip()
    out = [pred]
    changed = True
    while changed:
        changed = False
        m = _TRAIL_UNIT.match(s)
        if m and _is_unit(m.group("unit"), question):
            s, changed = m.group("value").strip(), True
            continue
        m = _PLAIN_UNIT.match(s)
        if m and _is_unit(m.group("unit"), question):
            s, changed = m.group("value"), True
            continue
        m = _DEGREES.match(s)
        if m and "\\circ" not in gold and "°" not in gold and m.group("value").strip():
            s, changed = m.group("value").strip(), True
    m = _PERCENT.match(s)
    if m and "%" not in gold:
        value = (m.group("value") if m.group("value") is not None else m.group("value2")).strip()
        if value:
            return [*out, value, f"\\frac{{{value}}}{{100}}" if not re.fullmatch(r"[+-]?\d+(\.\d+)?", value)
                    else _shift(value)]
    m = _REPEATING.match(s)
    if m:
        s = _repeating(m)
    return out if s == pred.strip().strip("$").strip() else [*out, s]


def _repeating(m: re.Match[str]) -> str:
    """0.8\\overline{3} → \\frac{5}{6}: the exact value a repeating decimal names."""
    from fractions import Fraction

    sign, whole, fixed, rep = m.group(1), m.group(2) or "0", m.group(3), m.group(4)
    value = Fraction(int(whole)) + (Fraction(int(fixed), 10 ** len(fixed)) if fixed else 0)
    value += Fraction(int(rep), (10 ** len(rep) - 1) * 10 ** len(fixed))
    value = -value if sign == "-" else value
    if value.denominator == 1:
        return str(value.numerator)
    return f"{'-' if value < 0 else ''}\\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def _shift(number: str) -> str:
    """`number` / 100 as a decimal written exactly (5 → 0.05, 12.5 → 0.125)."""
    from decimal import Decimal

    return format(Decimal(number) / 100, "f")
