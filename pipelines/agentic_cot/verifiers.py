"""Agentic-CoT verifiers: five-phase structure, answer, conciseness."""

from __future__ import annotations

import re

from factory.schema import Trajectory, Verdict
from factory.verify.bounded import Bounded, CheckTimedOut
from factory.verify.math_answer import answers_match, last_boxed
from pipelines.agentic_cot.prompts import PHASES

_TAG = re.compile(r"<(/?)([a-zA-Z_]+)>")


def check_phases(text: str) -> str | None:
    """None when `text` is exactly the five phases in order, each once, non-empty, closed, with
    nothing of substance outside them; else the first problem found."""
    pos, seen = 0, []
    for m in _TAG.finditer(text):
        closing, name = m.group(1) == "/", m.group(2)
        if name not in PHASES:
            continue
        if not closing:
            if seen and seen[-1][1] is None:
                return f"unclosed:{seen[-1][0]}"
            if text[pos:m.start()].strip():
                return f"text_outside_phases:{text[pos:m.start()].strip()[:30]!r}"
            seen.append((name, None, m.end()))
        else:
            if not seen or seen[-1][0] != name or seen[-1][1] is not None:
                return f"unbalanced:{name}"
            open_name, _, start = seen[-1]
            if not text[start:m.start()].strip():
                return f"empty:{name}"
            seen[-1] = (open_name, m.start(), start)
            pos = m.end()
    if not seen:
        return "no_phases"
    if seen[-1][1] is None:
        return f"unclosed:{seen[-1][0]}"
    if text[pos:].strip():
        return "text_outside_phases:trailing"
    order = tuple(s[0] for s in seen)
    if order != PHASES:
        missing = [p for p in PHASES if p not in order]
        if missing:
            return f"missing:{missing[0]}"
        if len(order) != len(set(order)):
            return "repeated_phase"
        return "wrong_order"
    return None


def phase_texts(text: str) -> dict[str, str]:
    return {p: m.group(1).strip() for p in PHASES if (m := re.search(rf"<{p}>(.*?)</{p}>", text, re.S))}


def check_substance(text: str, min_words: int) -> str | None:
    """Well-formed is not enough: each phase must say something, and say something different."""
    phases = phase_texts(text)
    for p, body in phases.items():
        if len(body.split()) < min_words:
            return f"phase_too_short:{p}"
    if len({" ".join(b.lower().split()) for b in phases.values()}) < len(phases):
        return "phases_repeat_each_other"
    return None


class PhasesVerifier:
    name = "phases"

    def __init__(self, min_words: int = 3):
        self.min_words = min_words

    def verify(self, traj: Trajectory) -> Verdict:
        text = traj.last_assistant()
        problem = check_phases(text) or check_substance(text, self.min_words)
        return Verdict(verifier=self.name, passed=problem is None, score=0.0 if problem else 1.0,
                       reason=problem or "")


class AnswerVerifier:
    """Against `meta.reference_answer`, else against the raw reasoning's own boxed answer."""

    name = "answer"

    def __init__(self, bounded: Bounded | None = None):
        self.bounded = bounded  # sympy in a helper process with a hard timeout (runs); None: inline

    def verify(self, traj: Trajectory) -> Verdict:
        ref = traj.meta.get("reference_answer")
        source = "reference"
        if ref in (None, ""):
            ref = last_boxed(traj.meta.get("raw_reasoning") or "")
            source = "raw_reasoning"
        if ref in (None, ""):
            return Verdict(verifier=self.name, passed=True, score=1.0, reason="no_reference")
        got = last_boxed(traj.last_assistant())
        if got is None:
            return Verdict(verifier=self.name, passed=False, reason="no_boxed_answer")
        try:
            ok = self.bounded.call(answers_match, str(ref), got) if self.bounded else answers_match(str(ref), got)
        except CheckTimedOut as e:
            return Verdict(verifier=self.name, passed=False, reason=f"check_timeout:{e}")
        return Verdict(verifier=self.name, passed=ok, score=1.0 if ok else 0.0,
                       reason="" if ok else f"mismatch_{source}:{got[:40]}")


class ConciseVerifier:
    """The assembled text must be shorter than the raw reasoning (over-thinking removed)."""

    name = "concise"

    def verify(self, traj: Trajectory) -> Verdict:
        raw = traj.meta.get("raw_reasoning")
        if not raw:
            return Verdict(verifier=self.name, passed=True, score=1.0, reason="no_raw_reasoning")
        ratio = len(traj.last_assistant()) / max(1, len(raw))
        ok = ratio < 1.0
        return Verdict(verifier=self.name, passed=ok, score=round(ratio, 3),
                       reason="" if ok else f"not_shorter:{ratio:.2f}")
