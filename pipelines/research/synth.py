"""Task synthesis from what a program knows about the collection. Closed: a chain of linked
documents ending on one carrying a fact, described (names blurred) hop by hop; kept only when the
answer is in the last document and not in the question, unique, and every hop is findable in the
index's top k by its description. Open: a topic cluster (a document and what it links to). Reverse:
a document citing ≥ 3 others, shown with those references masked."""

from __future__ import annotations

import random
import re
from collections import Counter
from typing import Any

from pipelines.research import perturb
from pipelines.research.corpora.documents import Document, blur
from pipelines.research.corpora.library import Library

FACT_QUESTIONS = {
    "header": "Which header file does that page say to include?",
    "linux_version": "According to that page, in which Linux version did it first appear?",
    "glibc_version": "According to that page, which glibc version is named for it?",
    "python_version": "According to that section, in which Python version was it added?",
    "name": "What is the name (title) of that entry?",
}
MASK = "[…]"


def norm(s: str) -> str:
    s = s.lower().strip().strip(".\"'`*<> ")
    s = re.sub(r"^(linux|glibc|python|version|header)\s+", "", s)
    return " ".join(s.split())


def contains(text: str, value: str) -> bool:
    v = norm(value)
    return bool(v) and re.search(rf"(?<![\w.]){re.escape(v)}(?![\w]|\.\d)", text.lower()) is not None


class Context:
    """Per-run lookups the builders share (computed once, deterministic)."""

    def __init__(self, lib: Library, kinds: list[str] | None, k: int):
        self.lib, self.k = lib, k
        self.summary_count = Counter(norm(d.summary) for d in lib.docs.values() if d.summary)
        self.fact_docs = sorted(d.id for d in lib.docs.values()
                                if any(kinds is None or f in kinds for f in d.facts) and lib.inbound.get(d.id))
        self.kinds = kinds
        self.citing = sorted(d.id for d in lib.docs.values() if len(d.links) >= 3)
        self._found: dict[tuple[str, str], bool] = {}

    def describable(self, d: Document) -> bool:
        return len(d.summary.split()) >= 4 and self.summary_count[norm(d.summary)] == 1

    def findable(self, d: Document, query: str) -> bool:
        key = (d.id, query)
        if key not in self._found:
            self._found[key] = any(h.id == d.id for h in self.lib.index.search(query, self.k))
        return self._found[key]


def _names(d: Document) -> list[str]:
    return [d.title, re.sub(r"\(.*\)$", "", d.title), d.id.split(":")[-1].rsplit(".", 1)[0]]


def closed(rng: random.Random, ctx: Context, hops: int, popts: perturb.PerturbOptions) -> dict[str, Any] | None:
    if not ctx.fact_docs:
        return None
    lib = ctx.lib
    end = lib.docs[rng.choice(ctx.fact_docs)]
    kind = rng.choice(sorted(f for f in end.facts if ctx.kinds is None or f in ctx.kinds))
    chain = [end.id]
    for _ in range(hops - 1):
        preds = sorted(x for x in lib.inbound.get(chain[0], []) if x not in chain)
        if not preds:
            return None
        chain.insert(0, rng.choice(preds))
    docs = [lib.docs[x] for x in chain]
    if not all(ctx.describable(d) for d in docs):
        return None
    names = [n for d in docs for n in _names(d)]
    desc = [blur(d.summary, names) for d in docs]
    first = "Start from" if len(desc) > 1 else "Find"
    parts = [f'{first} the document about "{desc[0]}".']
    parts += [f'It refers to one about "{s}".' if i == 1 else f'That one in turn refers to one about "{s}".'
              for i, s in enumerate(desc[1:], start=1)]
    parts += ["Answer about the last of these."] if len(desc) > 1 else []
    question = " ".join(parts + [FACT_QUESTIONS.get(kind, f"What {kind.replace('_', ' ')} does that document give?")])
    answer = end.facts[kind]
    if contains(question, answer) or not (contains(end.text, answer) or contains(end.title, answer)):
        return None
    if not all(ctx.findable(d, s) for d, s in zip(docs, desc, strict=False)):
        return None
    plan = perturb.plan(rng, chain, [h.id for h in lib.index.search(question, 12)], popts)
    return {"mode": "closed", "question": question, "chain": chain, "fact": kind, "hops": hops,
            "perturbation": plan.model_dump()}


def open_ended(rng: random.Random, ctx: Context) -> dict[str, Any] | None:
    if not ctx.citing:
        return None
    seed = ctx.lib.docs[rng.choice(ctx.citing)]
    if not ctx.describable(seed):
        return None
    related = [ctx.lib.docs[x] for x in rng.sample(seed.links, min(3, len(seed.links)))]
    topics = "; ".join(f'"{d.sentence()}"' for d in related)
    question = (f'Research this topic: "{seed.summary}" ({seed.title}). Cover how it relates to: {topics}. '
                "Gather sources with the tools, then write a short report in which every claim cites the document "
                "it comes from as [doc id].")
    return {"mode": "open", "question": question, "cluster": [seed.id] + [d.id for d in related]}


def masked(d: Document, cited: list[Document], chars: int) -> str:
    text = d.text
    for c in cited:
        for n in sorted({c.id, *_names(c)}, key=len, reverse=True):
            if len(n) > 1:
                text = re.sub(rf"(?<![\w.]){re.escape(n)}(\(\w+\))?(?![\w])", MASK, text)
    return text[:chars]


def reverse(rng: random.Random, ctx: Context, chars: int) -> dict[str, Any] | None:
    if not ctx.citing:
        return None
    src = ctx.lib.docs[rng.choice(ctx.citing)]
    cited = [ctx.lib.docs[x] for x in src.links]
    excerpt = masked(src, cited, chars)
    if excerpt.count(MASK) < 1:
        return None
    question = ("Below is a document whose references were removed (shown as […]). Use the tools to find the "
                "documents it cites, then write its gist in two or three sentences and list the ids of the cited "
                f"documents you found.\n\n---\n{excerpt}\n---")
    return {"mode": "reverse", "question": question, "source": src.id}
