"""Decontamination: a row whose task text shares a long word n-gram (13 by default, as benchmark
decontamination commonly uses) with any question of a benchmark file is not training data."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from factory.dedup.index import normalise
from factory.errors import UserError
from factory.inputs import read_records
from factory.trajectory import Trajectory

_WORD = re.compile(r"\w+", re.U)
QUESTION_FIELDS = ("question", "problem", "prompt", "input")


def _words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def _key(words: list[str]) -> bytes:
    return hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest()


def task_text(t: Trajectory) -> str:
    """What a benchmark question would leak into: the task as the user gave it."""
    return "\n".join(m.content for m in t.messages if m.role == "user")


class Contamination:
    def __init__(self, files: list[str], n: int = 13):
        self.n = n
        self.grams: dict[bytes, str] = {}  # n-gram → the first file that has it
        self.short: dict[bytes, tuple[int, str]] = {}  # questions shorter than n: whole question → (len, file)
        for f in files:
            count = 0
            for i, row in enumerate(read_records(Path(f), "dedup.decontaminate")):
                q = next((row[k] for k in QUESTION_FIELDS if isinstance(row.get(k), str)), None)
                if q is None:
                    raise UserError(f"{f} row {i}: no question text (expected one of the fields "
                                    f"{', '.join(QUESTION_FIELDS)})")
                count += 1
                w = _words(q)
                if len(w) < n:
                    if len(w) >= 3:  # a shorter question counts whole; a one- or two-word one would match anything
                        self.short.setdefault(_key(w), (len(w), f))
                    continue
                for j in range(len(w) - n + 1):
                    self.grams.setdefault(_key(w[j:j + n]), f)
            if count == 0:
                raise UserError(f"{f}: no questions in this benchmark file (dedup.decontaminate)")

    def check(self, text: str) -> str | None:
        """The benchmark file this text overlaps, or None."""
        w = _words(text)
        for j in range(len(w) - self.n + 1):
            hit = self.grams.get(_key(w[j:j + self.n]))
            if hit:
                return hit
        for length in {k for k, _ in self.short.values()}:
            for j in range(len(w) - length + 1):
                hit = self.short.get(_key(w[j:j + length]))
                if hit:
                    return hit[1]
        return None
