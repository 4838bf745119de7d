"""Checks, each with a reason. They read the row (calls, results, replies) and the corpus named in
its meta, never the generator's own bookkeeping, so `factory verify --pipeline research` re-checks
any file. Gold facts are re-read from the corpus by document id, not taken from meta."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from factory.trajectory import Trajectory, Verdict
from pipelines.research import evidence as ev
from pipelines.research.corpora.library import Library
from pipelines.research.synth import MASK, contains, norm

LibFor = Callable[[dict[str, Any]], Library]
TOOLS = ("search", "open", "find")


def _v(name: str, passed: bool, reason: str = "", score: float | None = None) -> Verdict:
    return Verdict(verifier=name, passed=passed, score=float(passed) if score is None else score, reason=reason)


def _skip(name: str) -> Verdict:
    return Verdict(verifier=name, passed=True, score=1.0, reason="not_applicable")


def cited_ids(t: Trajectory) -> list[str]:
    mode = t.meta.get("mode")
    text = ev.final(t)
    if mode == "closed":
        return []
    if mode == "reverse":
        return [x.strip() for s in ev.tagged(text, "sources") for x in re.split(r"[,\s]+", s) if x.strip()]
    return ev.CITE.findall(text)


class CallsVerifier:
    """Well-formed calls, each with a result; every document id it reads or cites was listed by a search
    first and exists (an invented id is fabrication, a guessed real one is ungrounded); it searched."""
    name = "calls"

    def __init__(self, lib_for: LibFor):
        self.lib_for = lib_for

    def verify(self, t: Trajectory) -> Verdict:
        r = ev.read(t)
        lib = self.lib_for(t.meta)
        for c in r.calls:
            if c.name not in TOOLS:
                return _v(self.name, False, f"unknown_tool:{c.name}")
            if c.args is None:
                return _v(self.name, False, f"bad_arguments:{c.name}")
            if not c.answered:
                return _v(self.name, False, f"unanswered_call:{c.name}")
        if not any(c.name == "search" and c.ok for c in r.calls):
            return _v(self.name, False, "no_search")
        used = [(c.index, str(c.args.get("doc_id"))) for c in r.calls if c.name in ("open", "find") and c.args]
        used += [(len(t.messages) - 1, x) for x in cited_ids(t)]
        for at, doc in used:
            if doc not in lib.docs:
                return _v(self.name, False, f"fabricated_id:{doc[:60]}")
            if doc not in r.seen or r.seen[doc] > at:
                return _v(self.name, False, f"ungrounded_id:{doc[:60]}")
        return _v(self.name, True)


def gold(t: Trajectory, lib: Library) -> str | None:
    chain = t.meta.get("chain") or []
    end = lib.docs.get(chain[-1]) if chain else None
    return end.facts.get(str(t.meta.get("fact"))) if end is not None else None


class AnswerVerifier:
    """Closed: exactly one <answer>, equal to the fact the program read off the last document."""
    name = "answer"

    def __init__(self, lib_for: LibFor):
        self.lib_for = lib_for

    def verify(self, t: Trajectory) -> Verdict:
        if t.meta.get("mode") != "closed":
            return _skip(self.name)
        want = gold(t, self.lib_for(t.meta))
        if want is None:
            return _v(self.name, False, "unknown_gold")
        got = ev.tagged(ev.final(t), "answer")
        if not got:
            return _v(self.name, False, "no_answer")
        if len(got) > 1:
            return _v(self.name, False, "several_answers")
        return _v(self.name, norm(got[0]) == norm(want), "" if norm(got[0]) == norm(want) else "wrong_answer")


class EvidenceVerifier:
    """Closed: the chain's documents were read (share ≥ threshold, the last one always), and the answer
    came out of a tool result before the model stated it — not from memory, not before looking."""
    name = "evidence"

    def __init__(self, lib_for: LibFor, min_share: float):
        self.lib_for, self.min_share = lib_for, min_share

    def verify(self, t: Trajectory) -> Verdict:
        if t.meta.get("mode") != "closed":
            return _skip(self.name)
        chain = t.meta.get("chain") or []
        r = ev.read(t)
        share = sum(1 for d in chain if d in r.opened) / len(chain) if chain else 0.0
        want = gold(t, self.lib_for(t.meta))
        if want is None:
            return _v(self.name, False, "unknown_gold", share)
        shown = next((i for i, m in enumerate(t.messages) if m.role == "tool" and contains(m.content, want)), None)
        said = next((i for i, m in enumerate(t.messages) if m.role == "assistant" and contains(m.content, want)), None)
        if said is not None and (shown is None or said < shown):
            return _v(self.name, False, "answer_before_evidence", share)
        if not chain or chain[-1] not in r.opened:
            return _v(self.name, False, "last_document_unread", share)
        if share < self.min_share:
            return _v(self.name, False, f"gold_unread:{share:.2f}", share)
        return _v(self.name, True, "", share)


class CitationVerifier:
    """Open: the report cites, every sentence carries a citation, each cited document was opened, and
    the cited document holds a passage with the sentence's content words (share ≥ threshold)."""
    name = "citations"

    def __init__(self, lib_for: LibFor, min_support: float):
        self.lib_for, self.min_support = lib_for, min_support

    def verify(self, t: Trajectory) -> Verdict:
        if t.meta.get("mode") != "open":
            return _skip(self.name)
        report = ev.final(t)
        r = ev.read(t)
        lib = self.lib_for(t.meta)
        sents = [s for s in ev.sentences(report) if len(ev.words(s)) >= 3]
        if not sents or not ev.CITE.search(report):
            return _v(self.name, False, "no_citations")
        scores = []
        for s in sents:
            ids = ev.CITE.findall(s)
            if not ids:
                return _v(self.name, False, "uncited_claim")
            for d in ids:
                if d not in r.opened:
                    return _v(self.name, False, f"cites_unopened:{d[:60]}")
            best = max(ev.support(s, lib.docs[d].text)[0] if d in lib.docs else 0.0 for d in ids)
            scores.append(best)
            if best < self.min_support:
                return _v(self.name, False, f"unsupported:{best:.2f}", min(scores))
        return _v(self.name, True, "", min(scores))


class ThinkTwiceVerifier:
    """Open: the first think lists numbered claims with sources; the second think gives every one of
    them a verdict."""
    name = "think_twice"

    def verify(self, t: Trajectory) -> Verdict:
        if t.meta.get("mode") != "open":
            return _skip(self.name)
        notes, check = ev.phase(t, "First think:"), ev.phase(t, "Second think:")
        if notes is None or not ev.claims(notes[1]):
            return _v(self.name, False, "no_notes")
        if check is None:
            return _v(self.name, False, "no_check")
        verdicts = {int(n) for n in re.findall(r"(?m)^\s*(\d+)[.)]?\s+(?:\**)(?:supported|unsupported)", check[1],
                                               re.I)}
        missing = sorted(set(ev.claims(notes[1])) - verdicts)
        return _v(self.name, not missing, f"unchecked_claim:{missing[0]}" if missing else "")


class RecallVerifier:
    """Reverse: share of the source's cited documents the trajectory retrieved (opened, or listed as a
    source after a search showed it) ≥ threshold; a gist that is not the shown text pasted back."""
    name = "recall"

    def __init__(self, lib_for: LibFor, min_recall: float):
        self.lib_for, self.min_recall = lib_for, min_recall

    def verify(self, t: Trajectory) -> Verdict:
        if t.meta.get("mode") != "reverse":
            return _skip(self.name)
        src = self.lib_for(t.meta).docs.get(str(t.meta.get("source")))
        if src is None or not src.links:
            return _v(self.name, False, "unknown_source")
        r = ev.read(t)
        listed = {x for x in cited_ids(t) if x in r.seen}
        got = set(r.opened) | listed
        recall = len(got & set(src.links)) / len(src.links)
        gist = re.sub(r"<sources>.*?</sources>", "", ev.final(t), flags=re.S).strip()
        if len(ev.words(gist)) < 5:
            return _v(self.name, False, "no_gist", recall)
        shown = _grams(next((m.content for m in t.messages if m.role == "user"), "").replace(MASK, " "))
        g = _grams(gist)
        if g and len(g & shown) / len(g) > 0.5:
            return _v(self.name, False, "gist_copies_text", recall)
        if recall < self.min_recall:
            return _v(self.name, False, f"low_recall:{recall:.2f}", recall)
        return _v(self.name, True, "", recall)


def _grams(text: str, n: int = 6) -> set[tuple[str, ...]]:
    w = re.findall(r"\w+", text.lower())
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


class JudgeVerifier:
    """Open, optional: the teacher's per-claim judgement (meta.judge) found no unsupported claim."""
    name = "judge"

    def verify(self, t: Trajectory) -> Verdict:
        j = t.meta.get("judge")
        if t.meta.get("mode") != "open" or j is None:
            return _skip(self.name)
        if "error" in j:
            return _v(self.name, False, "judge_failed")
        bad = int(j.get("unsupported", 0))
        return _v(self.name, bad == 0, f"judged_unsupported:{bad}" if bad else "")
