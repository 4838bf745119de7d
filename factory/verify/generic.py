"""Verifiers every pipeline gets: generation succeeded, length bounds, n-gram repetition."""

from __future__ import annotations

import re
from collections import Counter

from factory.config import GenericVerifyConfig
from factory.trajectory import Trajectory, Verdict
from factory.verify.base import Verifier

_WORD = re.compile(r"\w+", re.U)


def repetition_ratio(text: str, n: int = 4) -> float:
    """Share of word n-grams that repeat an earlier one: 0 for fresh text, near 1 for loops."""
    words = _WORD.findall(text.lower())
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    if not grams:
        return 0.0
    counts = Counter(grams)
    return sum(c - 1 for c in counts.values()) / len(grams)


class GenerationVerifier:
    """Fails rows whose generation recorded a failure (malformed output, limits hit, tool errors)."""

    name = "generation"

    def verify(self, traj: Trajectory) -> Verdict:
        why = traj.meta.get("failure_reason")
        return Verdict(verifier=self.name, passed=not why, score=0.0 if why else 1.0, reason=why or "")


class LengthVerifier:
    name = "length"

    def __init__(self, min_chars: int, max_chars: int):
        self.min_chars, self.max_chars = min_chars, max_chars

    def verify(self, traj: Trajectory) -> Verdict:
        n = sum(len(m.content) for m in traj.messages if m.role == "assistant")
        if n < self.min_chars:
            return Verdict(verifier=self.name, passed=False, score=float(n), reason=f"too_short:{n}<{self.min_chars}")
        if n > self.max_chars:
            return Verdict(verifier=self.name, passed=False, score=float(n), reason=f"too_long:{n}>{self.max_chars}")
        return Verdict(verifier=self.name, passed=True, score=float(n))


class RepetitionVerifier:
    """Looping text. `per_message`: measured within each assistant message (the worst one counts), for
    pipelines whose later turns restate earlier ones by design (a report built from checked notes)."""
    name = "repetition"

    def __init__(self, max_ratio: float, n: int = 4, per_message: bool = False):
        self.max_ratio, self.n, self.per_message = max_ratio, n, per_message

    def verify(self, traj: Trajectory) -> Verdict:
        texts = [m.content for m in traj.messages if m.role == "assistant"]
        r = max((repetition_ratio(t, self.n) for t in texts), default=0.0) if self.per_message else \
            repetition_ratio("\n".join(texts), self.n)
        ok = r <= self.max_ratio
        return Verdict(verifier=self.name, passed=ok, score=round(r, 4),
                       reason="" if ok else f"repeated_ngrams:{r:.2f}>{self.max_ratio}")


def generic_verifiers(cfg: GenericVerifyConfig, per_message_repetition: bool = False) -> list[Verifier]:
    return [GenerationVerifier(), LengthVerifier(cfg.min_chars, cfg.max_chars),
            RepetitionVerifier(cfg.max_repetition, per_message=per_message_repetition)]
