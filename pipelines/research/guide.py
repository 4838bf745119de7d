"""The turn guide for small teachers on research tasks: the generic thought + call-or-reply schema,
narrowed each turn to what the trajectory can honestly do next — search first; open/find only ids a
search has listed, and after a search open one of its results before searching again; find only in
pages it has opened; reply only after reading something (or on the last turn). Constraining a call to
real ids is a decoding aid, not an answer: what it opens and concludes is still the model's."""

from __future__ import annotations

from typing import Any

from factory.agent.guide import CallOrReply
from factory.teacher.base import Structured
from pipelines.research.tools import ResearchTools, schemas

MAX_IDS = 20  # the most recent ids a call may name (a long enum only costs prompt-free decoding time)


class ResearchGuide(CallOrReply):
    def __init__(self, tools: ResearchTools, max_chars: int, after_reply: dict[str, Any] | None = None):
        super().__init__([], max_chars, after_reply)
        self.tools = tools
        self.fn = {n: {"name": n, **s} for n, s in schemas(tools.page_chars).items()}

    def structured(self, turn: int, last: bool) -> Structured:
        search = {**self.fn["search"], "parameters": {"type": "object", "properties": {
            "query": {"type": "string", "minLength": 3, "maxLength": 80}}, "required": ["query"],
            "additionalProperties": False}}
        ids = list(self.tools.seen)[-MAX_IDS:]
        read = list(self.tools.opened)[-MAX_IDS:]
        offer = [] if ids and self.tools.last == "search" else [search]
        if ids:
            offer.append({**self.fn["open"], "parameters": {"type": "object", "properties": {"doc_id": {"enum": ids}},
                                                            "required": ["doc_id"], "additionalProperties": False}})
        if read and self.tools.last != "search":  # look inside a page it has opened
            offer.append({**self.fn["find"], "parameters": {"type": "object", "properties": {
                "doc_id": {"enum": read}, "pattern": {"type": "string", "minLength": 2, "maxLength": 40}},
                "required": ["doc_id", "pattern"], "additionalProperties": False}})
        return self.build(self.calls(offer), reply=bool(self.tools.opened) or last, call=not last)
