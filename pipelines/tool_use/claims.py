"""The final reply must agree with what the tools returned. A strong model writes fluent answers
that add a fare no tool gave, or says 15:30 where the tool said 08:20; `AnswerVerifier` only asks
that *some* result value is stated. This check reads every checkable claim of the reply — numbers,
clock times, dates, codes — and refuses one that neither the request nor a successful result
holds, and a reply that says nothing was found after a result listed something.

Numbers are compared as numbers (rounding to the digits written allowed); a count of a listed
result ("three departures", "2 trains") counts as held. Names in plain words are not checked:
capitalised words are too often ordinary English to tell apart from a made-up place."""

from __future__ import annotations

import json
import re
from typing import Any

from factory.trajectory import Trajectory, Verdict
from pipelines.tool_use.mentions import leaves, numbers
from pipelines.tool_use.verifiers import _ok, calls, final_reply, request

# 08:20, 8h20, 8:20 pm, and the clock part of 2026-11-29T17:05:05
TIME = re.compile(r"(?<![\d:])([01]?\d|2[0-3])[:h]([0-5]\d)(?::[0-5]\d(?:\.\d+)?)?(?!\d)(?:\s*([ap])\.?m\b\.?)?", re.I)
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
CODE = re.compile(r"(?<![\w-])(?=[A-Z0-9-]*[A-Z])(?=[A-Z0-9-]*\d)[A-Z0-9]+(?:-[A-Z0-9]+)*(?![\w-])"
                  r"|(?<![\w-])[A-Z]{2,}(?:-[A-Z0-9]+)+(?![\w-])")
NOTHING = re.compile(r"\b(?:no|zero)\s+(?:\w+\s+){0,2}?(?:found|available|results?|departures?|arrivals?|entries|"
                     r"matches|items|records|trains?|flights?|options?|data)\b|\bnothing\b(?:\s+\w+){0,2}\s+found|"
                     r"\b(?:did not|didn't|could not|couldn't) find\b|\bthere (?:are|were) no\b", re.I)
LIST_MARK = re.compile(r"(?m)^\s*(?:\d+[.)]|[-*•])\s+")


def _results(t: Trajectory) -> list[str]:
    return [res.content for _, _, res in calls(t) if res is not None and _ok(res)]


def _counts(texts: list[str]) -> set[int]:
    """Lengths of the lists the results hold: a reply may say how many there were."""
    out: set[int] = set()

    def walk(x: Any) -> None:
        if isinstance(x, list):
            out.add(len(x))
            for v in x:
                walk(v)
        elif isinstance(x, dict):
            out.add(len(x))
            for v in x.values():
                walk(v)

    for text in texts:
        try:
            walk(json.loads(text))
        except json.JSONDecodeError:
            continue
    return out


def _clock(h: str, m: str, ampm: str | None) -> str:
    hour = int(h)
    if ampm and ampm.lower().startswith("p") and hour < 12:
        hour += 12
    if ampm and ampm.lower().startswith("a") and hour == 12:
        hour = 0
    return f"{hour:02d}:{m}"


def _times(text: str) -> set[str]:
    return {_clock(*m.groups()) for m in TIME.finditer(text)}


def unsupported(reply: str, sources: list[str]) -> str:
    """The first claim of `reply` that no text of `sources` holds, as `kind:value`; '' if none."""
    held_times = set().union(*(_times(s) for s in sources)) if sources else set()
    joined = "\n".join(sources)
    for m in TIME.finditer(reply):
        if _clock(*m.groups()) not in held_times:
            return f"time:{m.group(0)}"
    for d in DATE.findall(reply):
        if d not in joined:
            return f"date:{d}"
    for code in CODE.findall(reply):
        if not re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", joined, re.I):
            return f"code:{code}"
    stripped = CODE.sub(" ", _plain(LIST_MARK.sub(" ", reply)))
    held = [x for src in sources for x, _ in numbers(_plain(src))]
    counts = _counts(sources)
    for value, decimals in numbers(stripped):
        # the reply may round what a tool returned (9,712 for 9712.3), never the other way round
        if value in counts or any(abs(x - value) <= 0.5 * 10 ** -decimals + 1e-9 for x in held):
            continue
        return f"number:{value:g}"
    return ""


def _plain(text: str) -> str:
    """Text without its dates and clock times, whose digits are not quantities."""
    return DATE.sub(" ", TIME.sub(" ", text))


class ClaimsVerifier:
    """Every checkable claim of the final reply is held by the request or a successful result, and
    a reply does not say nothing was found when a result listed something."""

    name = "claims"

    def verify(self, t: Trajectory) -> Verdict:
        reply = final_reply(t)
        if not reply.strip() or t.meta.get("variant") in ("negative", "missing_param"):
            return Verdict(verifier=self.name, passed=True, score=1.0, reason="")
        results = _results(t)
        why = unsupported(reply, [request(t), *results])
        if not why and results and NOTHING.search(reply):
            listed = [r for r in results if _nonempty(r)]
            if listed and len(listed) == len(results):
                why = "nothing_found:results_listed_some"
        if why and not why.startswith("nothing_found"):
            why = f"unsupported_{why}"
        return Verdict(verifier=self.name, passed=not why, score=0.0 if why else 1.0, reason=why)


def _nonempty(text: str) -> bool:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return bool(text.strip())
    return bool(leaves(data))
