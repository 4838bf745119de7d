"""Concrete argument values a user request can carry, drawn from a tool's schema (enum, examples) or
a pool of realistic values by parameter name. An input nothing can fill (an opaque id) is left to an
earlier tool's output: a walk only reaches such a tool through an edge."""

from __future__ import annotations

import random
import re
from typing import Any

MISSING = object()

POOL: dict[str, list[Any]] = {
    "timezone": ["Europe/Paris", "Asia/Tokyo", "America/New_York", "Australia/Sydney", "Africa/Nairobi",
                 "America/Sao_Paulo", "Asia/Kolkata", "Europe/London"],
    "time": ["09:30", "14:00", "18:45", "07:15", "22:10"],
    "name": ["Ada Lovelace", "Grace Hopper", "Project Lighthouse", "Alan Turing"],
    "entity_type": ["person", "project", "organization"],
    "observation": ["prefers email over phone", "joined in 2023", "works on compilers"],
    "path": ["notes.txt", "plan.md", "todo.txt"],
    "content": ["Buy milk and eggs.", "Meeting moved to Thursday.", "Draft the release notes."],
    "message": ["Add the meeting notes", "Update the plan"],
    "query": ["compilers", "release", "Lovelace"],
}


def norm(name: str) -> str:
    """snake_case of a camelCase or dashed name."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).replace("-", "_").lower()


def singular(word: str) -> str:
    """`cities` → `city`, `files` → `file`; `class`, `status`, `analysis` stay."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


class Memo:
    """Pool values chosen during one walk: a later step that names the same thing (the entity a
    previous step created) gets the same value; two inputs of one step (source and target
    timezone) get different ones."""

    def __init__(self) -> None:
        self.chosen: dict[str, Any] = {}
        self.step: set[str] = set()

    def next_step(self) -> None:
        self.step = set()

    def pick(self, key: str, options: list[Any], rng: random.Random) -> Any:
        if key in self.chosen and key not in self.step:
            self.step.add(key)
            return self.chosen[key]
        fresh = [o for o in options if o != self.chosen.get(key)] or options
        value = rng.choice(fresh)
        self.chosen[key] = value
        self.step.add(key)
        return value


def sample(schema: dict[str, Any], name: str, rng: random.Random, pool: dict[str, list[Any]],
           memo: Memo | None = None) -> Any:
    """A value for input `name`, or MISSING when nothing realistic is known for it."""
    memo = memo or Memo()
    key = norm(name)
    kind = schema.get("type")
    if schema.get("enum"):
        return rng.choice(schema["enum"])
    if schema.get("examples"):
        return rng.choice(schema["examples"])
    if kind not in ("array", "object"):
        base = re.sub(r"^(source|target|from|to|start|end|new|old)_|_(a|b|1|2)$", "", key)
        for k in (name, key, base):
            if k in pool and pool[k]:
                return memo.pick(base, pool[k], rng)
    if kind == "integer":
        return rng.randint(2, 60)
    if kind == "number":
        return float(rng.randint(2, 60))
    if kind == "boolean":
        return rng.choice([True, False])
    if kind == "array":
        item = sample(schema.get("items") or {}, singular(name), rng, pool, memo)
        return MISSING if item is MISSING else [item]
    if kind == "object" or "properties" in schema:
        out = {}
        for prop in schema.get("required") or []:
            v = sample((schema.get("properties") or {}).get(prop) or {}, prop, rng, pool, memo)
            if v is MISSING:
                return MISSING
            out[prop] = v
        return out
    return MISSING
