"""Whether a text states a value: numbers compared as numbers (thousands separators and, where
allowed, rounding to the digits written), strings case-insensitively, timestamps also by their date
or clock time. Requests, traces and answers are all checked with this one notion."""

from __future__ import annotations

import json
import re
from typing import Any

_NUM = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?")
_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})")


def leaves(obj: Any) -> list[Any]:
    """Scalar values inside a JSON value (dict keys excluded)."""
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in leaves(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in leaves(v)]
    return [] if obj is None else [obj]


def numbers(text: str) -> list[tuple[float, int]]:
    """(value, decimals written) of every number in `text`."""
    out = []
    for m in _NUM.finditer(text):
        raw = m.group(0).replace(",", "") if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", m.group(0)) \
            else m.group(0).split(",")[0]
        try:
            out.append((float(raw), len(raw.partition(".")[2])))
        except ValueError:
            continue
    return out


def mentions(text: str, value: Any, rounding: bool = False, whole: bool = False) -> bool:
    """Whether `text` states `value`. `whole`: a string only as a whole token (`FR` is not in
    `FR-LYS`), as arguments must be taken, not carved out of a longer value."""
    if isinstance(value, bool):
        return str(value).lower() in text.lower()
    if isinstance(value, (int, float)):
        for x, decimals in numbers(text):
            if x == value or abs(x - value) < 1e-9:
                return True
            if rounding and abs(value) >= 1 and abs(x - value) <= 0.5 * 10 ** -decimals + 1e-9:
                return True
        return False
    if isinstance(value, (dict, list)):
        return all(mentions(text, v, rounding, whole) for v in leaves(value))
    s = str(value).strip()
    if not s:
        return True
    low = text.lower()
    if whole and re.search(rf"(?<![\w-]){re.escape(s.lower())}(?![\w-])", low):
        return True
    if not whole and s.lower() in low:
        return True
    stamp = _STAMP.match(s)
    if stamp and rounding:
        return stamp.group(2) in text or stamp.group(1) in text
    if re.fullmatch(r"[-+]?\d+(\.\d+)?", s):
        return mentions(text, float(s), rounding)
    return False


def render(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
