"""Agentic-CoT verifiers: five-phase structure, answer, conciseness."""

from __future__ import annotations

import re

from factory.trajectory import Trajectory, Verdict
from factory.verify.bounded import Bounded, CheckTimedOut
from factory.verify.math_answer import answers_match, last_boxed
from pipelines.agentic_cot.prompts import PHASES, mode

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
    """Well-formed is not enough: each phase must say something, and say something different. A
    summary that is the final answer alone (`\\boxed{12}`) says what a summary must."""
    phases = phase_texts(text)
    for p, body in phases.items():
        if p == "summary" and last_boxed(body):
            continue
        if len(body.split()) < min_words:
            return f"phase_too_short:{p}"
    if len({" ".join(b.lower().split()) for b in phases.values()}) < len(phases):
        return "phases_repeat_each_other"
    return None


def check_direct(text: str) -> str | None:
    """A non-thinking reply: the answer itself, no phases."""
    if any(f"<{p}>" in text for p in PHASES):
        return "phases_in_non_thinking_reply"
    if not text.strip():
        return "empty_reply"
    return None


class PhasesVerifier:
    """Thinking rows: the five phases. Non-thinking rows (system flag /no_think): a direct answer."""

    name = "phases"

    def __init__(self, min_words: int = 3):
        self.min_words = min_words

    def verify(self, traj: Trajectory) -> Verdict:
        text = traj.last_assistant()
        if mode(traj.messages) == "non_thinking":
            problem = check_direct(text)
        else:
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
            ref = traj.meta.get("raw_answer") or last_boxed(traj.meta.get("raw_reasoning") or "")
            source = "raw_reasoning"
        if ref in (None, ""):
            # Neither a reference nor an answer in the reasoning: nothing was checked, so it is not data.
            return Verdict(verifier=self.name, passed=False, reason="unverifiable")
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
        if mode(traj.messages) == "non_thinking":
            return Verdict(verifier=self.name, passed=True, score=1.0, reason="no_raw_reasoning")
        if not raw or not raw.strip():
            # Nothing to be shorter than: passing would accept phases written from nothing.
            return Verdict(verifier=self.name, passed=False, reason="unverifiable")
        ratio = len(traj.last_assistant()) / max(1, len(raw))
        ok = ratio < 1.0
        return Verdict(verifier=self.name, passed=ok, score=round(ratio, 3),
                       reason="" if ok else f"not_shorter:{ratio:.2f}")


_NUM = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?!\w|\.\d)")
_CONTENT_WORD = re.compile(r"[a-zA-Z]{4,}")
_STOP = set("""this that with from have what which there their then than they them were when will would
could should about into only also some such each every because after before while where these those
here more most very just over under been being does done make made like well""".split())


def _stems(text: str) -> set[str]:
    return {w.lower()[:5] for w in _CONTENT_WORD.findall(text) if w.lower() not in _STOP}


class FaithfulVerifier:
    """The phases must be drawn from the raw reasoning (the rewrite may shorten, not invent): every
    number in them appears in the question or the reasoning, most of their content words do, and
    the final answer is the reasoning's own (the rewrite must not fix or change it)."""

    name = "faithful"

    def __init__(self, bounded: Bounded | None = None, min_grounded: float = 0.5):
        self.bounded, self.min_grounded = bounded, min_grounded

    def verify(self, traj: Trajectory) -> Verdict:
        raw = traj.meta.get("raw_reasoning")
        if mode(traj.messages) == "non_thinking":
            return Verdict(verifier=self.name, passed=True, score=1.0, reason="no_raw_reasoning")
        if not raw or not raw.strip():
            return Verdict(verifier=self.name, passed=False, reason="unverifiable")  # invented phases pass otherwise
        question = next((m.content for m in traj.messages if m.role == "user"), "")
        source = f"{question}\n{raw}"
        phases = phase_texts(traj.last_assistant())
        body = " ".join(v for k, v in phases.items())
        body_wo_answer = re.sub(r"The final answer is \\boxed\{.*?\}\.", "", body)
        known = set(_NUM.findall(source))
        new = [n for n in _NUM.findall(body_wo_answer) if n not in known and n.lstrip("-") not in known]
        if new:
            return Verdict(verifier=self.name, passed=False, reason=f"numbers_not_in_reasoning:{','.join(new[:3])}")
        words, have = _stems(body_wo_answer), _stems(source)
        grounded = len(words & have) / len(words) if words else 1.0
        if grounded < self.min_grounded:
            return Verdict(verifier=self.name, passed=False, score=round(grounded, 3),
                           reason=f"terms_not_in_reasoning:{grounded:.2f}")
        own = last_boxed(raw)
        final = last_boxed(traj.last_assistant())
        if own and final and own != final and not self._same(own, final):
            return Verdict(verifier=self.name, passed=False, reason=f"answer_differs_from_reasoning:{final[:30]}")
        return Verdict(verifier=self.name, passed=True, score=round(grounded, 3))

    def _same(self, a: str, b: str) -> bool:
        try:
            return self.bounded.call(answers_match, a, b) if self.bounded else answers_match(a, b)
        except CheckTimedOut:
            return False
