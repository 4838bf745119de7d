"""What every search backend answers: ranked hits with a highlighted snippet. Queries are reduced to
plain terms first, so a teacher-written query can never be a syntax error or a regex."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

_TERM = re.compile(r"[A-Za-z0-9_]+")
MAX_TERMS = 32
# Highlights in snippets are written the same way whatever the engine: **term**.
MARK = ("**", "**")


def terms(query: str) -> list[str]:
    return [t.lower() for t in _TERM.findall(query)][:MAX_TERMS]


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    snippet: str
    score: float


class SearchIndex(Protocol):
    engine: str

    def search(self, query: str, k: int, exclude: frozenset[str] = frozenset()) -> list[Hit]: ...

    def close(self) -> None: ...
