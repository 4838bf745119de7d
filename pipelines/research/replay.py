"""Results must be the corpus's: every successful `search`, `open` and `find` of a row is run again
against the corpus its meta names, with the same perturbation plan (closed tasks) and the same hidden
source (reverse tasks), in the same order — the tools are pure functions of those, so a row replays
exactly. A stored result that differs is a forged observation (made-up search results that happen
to contain the answer), and the row is refused; "seen" and "opened" are then facts, not claims.
Stored errors are not replayed: an error grants nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from factory.agent.tools import ToolFailed
from factory.trajectory import Trajectory, Verdict
from pipelines.research.corpora.library import Library
from pipelines.research.perturb import Perturbation
from pipelines.research.tools import ResearchTools

LibFor = Callable[[dict[str, Any]], Library]


def _tools(t: Trajectory, lib: Library, page_chars: int) -> ResearchTools:
    mode = t.meta.get("mode")
    plan = Perturbation.model_validate(t.meta.get("perturbation") or {}) if mode == "closed" else None
    hidden = frozenset([str(t.meta["source"])]) if mode == "reverse" and t.meta.get("source") else frozenset()
    return ResearchTools(lib, int(t.meta.get("page_chars") or page_chars), hidden, plan,
                         frozenset(t.meta.get("chain") or []))


def _run(tools: ResearchTools, name: str, args: dict[str, Any]) -> dict[str, Any]:
    if name == "search":
        return tools.search(str(args["query"]), int(args.get("k", 5)))
    if name == "open":
        return tools.open(str(args["doc_id"]), int(args.get("offset", 0)))
    return tools.find(str(args["doc_id"]), str(args["pattern"]))


class ReplayVerifier:
    name = "replay"

    def __init__(self, lib_for: LibFor, page_chars: int):
        self.lib_for, self.page_chars = lib_for, page_chars

    def verify(self, t: Trajectory) -> Verdict:
        tools = _tools(t, self.lib_for(t.meta), self.page_chars)
        results = {m.tool_call_id: m for m in t.messages if m.role == "tool"}
        n = 0
        for m in t.messages:
            if m.role != "assistant":
                continue
            for c in m.tool_calls:
                res = results.get(c.id)
                if res is None or c.name not in ("search", "open", "find") or res.content.startswith("error:"):
                    continue  # unanswered calls and unknown tools are the calls verifier's to refuse
                try:
                    args = json.loads(c.arguments)
                    stored = json.loads(res.content)
                except json.JSONDecodeError:
                    return self._no(f"result_not_replayable:{c.name}")
                try:
                    again = _run(tools, c.name, args if isinstance(args, dict) else {})
                except (ToolFailed, KeyError, TypeError, ValueError):
                    return self._no(f"result_not_from_corpus:{c.name}")
                if again != stored:
                    return self._no(f"result_not_from_corpus:{c.name}")
                n += 1
        return Verdict(verifier=self.name, passed=True, score=float(n), reason="")

    def _no(self, why: str) -> Verdict:
        return Verdict(verifier=self.name, passed=False, score=0.0, reason=why)
