"""The three tools the teacher gets — `search`, `open`, `find` — over one Library. Arguments are
teacher-written and treated as hostile: queries become plain terms, `find` matches a literal string
(never a regex), `open` reads only documents of the corpus by id; hidden documents (a reverse task's
source) are neither found nor opened. Every result is JSON the verifiers read back from the row."""

from __future__ import annotations

import json
from typing import Any

from factory.agent.tools import Tool, ToolBox, ToolFailed
from pipelines.research import perturb
from pipelines.research.corpora.library import Library
from pipelines.research.index.base import Hit

MAX_K = 10


def schemas(page_chars: int) -> dict[str, dict[str, Any]]:
    return {
        "search": {"description": "Full-text search over the document collection. Returns ranked results with "
                                  "document ids, titles and snippets (matches in **bold**).",
                   "parameters": {"type": "object", "properties": {
                       "query": {"type": "string", "minLength": 1, "maxLength": 200, "description": "search words"},
                       "k": {"type": "integer", "minimum": 1, "maximum": MAX_K, "description": "results (default 5)"}},
                       "required": ["query"], "additionalProperties": False}},
        "open": {"description": f"Read a document by id, {page_chars} characters at a time from `offset`.",
                 "parameters": {"type": "object", "properties": {
                     "doc_id": {"type": "string", "minLength": 1, "maxLength": 200},
                     "offset": {"type": "integer", "minimum": 0}},
                     "required": ["doc_id"], "additionalProperties": False}},
        "find": {"description": "Lines of a document that contain a string (case-insensitive, literal).",
                 "parameters": {"type": "object", "properties": {
                     "doc_id": {"type": "string", "minLength": 1, "maxLength": 200},
                     "pattern": {"type": "string", "minLength": 1, "maxLength": 100}},
                     "required": ["doc_id", "pattern"], "additionalProperties": False}},
    }


class ResearchTools:
    def __init__(self, lib: Library, page_chars: int = 1500, hidden: frozenset[str] = frozenset(),
                 plan: perturb.Perturbation | None = None, gold: frozenset[str] = frozenset()):
        self.lib, self.page_chars, self.hidden = lib, page_chars, hidden
        self.plan, self.gold = plan, gold
        self.queries = 0
        # What the trajectory has been shown and has read so far (ordered), for a turn guide.
        self.seen: dict[str, None] = {}
        self.opened: dict[str, None] = {}
        self.last: str | None = None  # the last successful call's tool

    def _doc(self, doc_id: str):
        d = self.lib.docs.get(doc_id)
        if d is None or doc_id in self.hidden:
            raise ToolFailed("unknown_document", f"no document with id {doc_id!r}; use an id from search results")
        return d

    def search(self, query: str, k: int = 5) -> dict[str, Any]:
        k = max(1, min(MAX_K, k))
        n, self.queries = self.queries, self.queries + 1
        if self.plan is None:
            hits = self.lib.index.search(query, k, self.hidden)
        else:
            raw = self.lib.index.search(query, k + 3 + self.plan.demote, self.hidden)
            extra = {d: Hit(d, self.lib.docs[d].title, self.lib.docs[d].sentence()[:160], 0.0)
                     for d in self.plan.distractors if d in self.lib.docs}
            hits = perturb.apply(self.plan, set(self.gold), n, raw, extra, k)
        self.seen.update(dict.fromkeys(h.id for h in hits))
        self.last = "search" if hits else None
        return {"query": query, "results": [{"id": h.id, "title": h.title, "snippet": h.snippet} for h in hits]}

    def open(self, doc_id: str, offset: int = 0) -> dict[str, Any]:
        d = self._doc(doc_id)
        end = min(len(d.text), offset + self.page_chars)
        if end < len(d.text):  # end a page on a line break when there is one nearby
            cut = d.text.rfind("\n", offset + self.page_chars // 2, end)
            end = cut + 1 if cut > 0 else end
        self.opened[d.id] = None
        self.last = "open"
        return {"id": d.id, "title": d.title, "offset": offset, "text": d.text[offset:end],
                "next_offset": end if end < len(d.text) else None, "length": len(d.text)}

    def find(self, doc_id: str, pattern: str) -> dict[str, Any]:
        d = self._doc(doc_id)
        p = pattern.lower()
        lines = [{"line": i + 1, "text": ln[:300]} for i, ln in enumerate(d.text.splitlines()) if p in ln.lower()]
        if lines:  # a find that matched nothing read nothing
            self.opened[d.id] = None
        self.last = "find"
        return {"id": d.id, "title": d.title, "pattern": pattern, "matches": lines[:20], "total": len(lines)}

    def toolbox(self) -> ToolBox:
        fns = {"search": lambda a: self.search(a["query"], a.get("k", 5)),
               "open": lambda a: self.open(a["doc_id"], a.get("offset", 0)),
               "find": lambda a: self.find(a["doc_id"], a["pattern"])}

        def wrap(name: str):
            async def run(args: dict[str, Any]) -> str:
                return json.dumps(fns[name](args), ensure_ascii=False)
            return run
        return ToolBox([Tool(n, s["description"], s["parameters"], wrap(n), timeout_s=30.0)
                        for n, s in schemas(self.page_chars).items()])
