"""The result of one tool call, whatever ran it: the text the agent sees, the structured value when
there is one, and why it failed when it did."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass
class Outcome:
    ok: bool
    text: str
    data: Any = None
    error: str = ""
    simulated: bool = False

    @classmethod
    def of(cls, data: Any, max_chars: int = 4000) -> "Outcome":
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        if len(text) > max_chars:
            text = text[:max_chars] + " [output truncated]"
        return cls(True, text, data)

    @classmethod
    def failed(cls, message: str, error: str) -> "Outcome":
        return cls(False, f"error: {message}", None, error)
