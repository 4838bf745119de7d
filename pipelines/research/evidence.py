"""Reading a research row back: its calls and results, the ids it saw in search results and the
documents it read, its final answer, citations, and the lexical support of a claim by a passage.
Verifiers and the "think twice" phases share these, so a row is judged by what it holds."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from factory.trajectory import Message, Trajectory

CITE = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9._/#:+@-]{0,199})\]")
_WORD = re.compile(r"[a-z0-9_]{3,}")
STOP = frozenset("the and for with that this from are was were has have not but its into can which when what will "
                 "also than then there their they them these those such been being may any all one two use used uses "
                 "using about more most other some each only does did how who whom why where your you our out".split())


@dataclass
class Call:
    index: int
    name: str
    args: dict[str, Any] | None
    result: dict[str, Any] | None
    ok: bool
    answered: bool


@dataclass
class Reading:
    calls: list[Call] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)  # id → message index of the first result listing it
    opened: dict[str, int] = field(default_factory=dict)  # id → message index of the first open/find of it


def read(t: Trajectory) -> Reading:
    results = {m.tool_call_id: (i, m) for i, m in enumerate(t.messages) if m.role == "tool"}
    r = Reading()
    for i, m in enumerate(t.messages):
        if m.role != "assistant":
            continue
        for c in m.tool_calls:
            try:
                args = json.loads(c.arguments)
            except json.JSONDecodeError:
                args = None
            j, res = results.get(c.id, (None, None))
            data = _json(res) if res is not None else None
            ok = res is not None and not res.content.startswith("error:") and isinstance(data, dict)
            r.calls.append(Call(i, c.name, args if isinstance(args, dict) else None, data, ok, res is not None))
            if not ok or j is None:
                continue
            if c.name == "search":
                for hit in data.get("results", []):
                    r.seen.setdefault(str(hit.get("id")), j)
            elif c.name == "open" or (c.name == "find" and data.get("matches")):  # an empty find read nothing
                r.opened.setdefault(str(data.get("id")), j)
    return r


def _json(m: Message) -> Any:
    try:
        return json.loads(m.content)
    except json.JSONDecodeError:
        return None


def final(t: Trajectory) -> str:
    last = t.messages[-1] if t.messages else None
    return last.content if last is not None and last.role == "assistant" and not last.tool_calls else ""


def tagged(text: str, tag: str) -> list[str]:
    return [x.strip() for x in re.findall(rf"<{tag}>(.*?)</{tag}>", text, re.S)]


def phase(t: Trajectory, prefix: str) -> tuple[int, str] | None:
    """The assistant message answering the user prompt that starts with `prefix`."""
    for i, m in enumerate(t.messages[:-1]):
        if m.role == "user" and m.content.startswith(prefix):
            nxt = t.messages[i + 1]
            return (i + 1, nxt.content) if nxt.role == "assistant" else None
    return None


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(CITE.sub(" ", text.lower())) if w not in STOP}


def chunks(text: str, size: int = 500) -> list[str]:
    out, cur = [], ""
    for para in text.split("\n"):
        if cur and len(cur) + len(para) > size:
            out.append(cur)
            cur = ""
        cur = f"{cur}\n{para}" if cur else para
    return out + ([cur] if cur else [])


def support(claim: str, text: str) -> tuple[float, str]:
    """Share of the claim's content words found in the best-matching chunk of `text`, and that chunk."""
    want = words(claim)
    if not want:
        return 0.0, ""
    best = max(chunks(text), key=lambda c: len(want & words(c)), default="")
    return len(want & words(best)) / len(want), best


def sentences(text: str) -> list[str]:
    flat = " ".join(text.split())
    return [s.strip() for s in re.split(r"(?<=\])\s+|(?<=[.!?])\s+(?=[A-Z0-9(\"'])", flat) if s.strip()]


def claims(notes: str) -> dict[int, str]:
    return {int(n): c.strip() for n, c in re.findall(r"(?m)^\s*(\d+)[.)]\s+(.+)$", notes)}

