"""Closed-ended search results are perturbed so a trajectory cannot ride the first hit: gold
documents demoted, distractors injected, one gold document dropped from one query's results. The
plan is drawn per task from (run seed, task id) and stored in meta; applying it is a pure function of
(plan, query number, raw hits), so a row replays exactly."""

from __future__ import annotations

import random
from typing import Any

from pydantic import Field

from pipelines.research.index.base import Hit
from tf_common import Strict


class Perturbation(Strict):
    demote: int = Field(0, ge=0, description="gold hits move down this many places")
    distractors: list[str] = Field(default_factory=list, description="ids inserted into every result list")
    drop_doc: str | None = None
    drop_query: int | None = Field(None, ge=0, description="the search call (0-based) that loses drop_doc")


class PerturbOptions(Strict):
    demote: int = Field(2, ge=0, le=10, description="most places a gold hit moves down (drawn 0..demote)")
    distractors: int = Field(2, ge=0, le=5, description="distractor documents per task")
    drop: float = Field(0.5, ge=0, le=1, description="chance that one query loses one gold document")


def plan(rng: random.Random, gold: list[str], candidates: list[str], o: PerturbOptions) -> Perturbation:
    pool = [c for c in candidates if c not in gold]
    drop = rng.random() < o.drop and len(gold) > 1
    return Perturbation(demote=rng.randint(0, o.demote) if o.demote else 0,
                        distractors=rng.sample(pool, min(o.distractors, len(pool))),
                        drop_doc=rng.choice(gold[1:]) if drop else None,
                        drop_query=rng.randint(0, 2) if drop else None)


def apply(p: Perturbation, gold: set[str], query_no: int, hits: list[Hit], extra: dict[str, Hit], k: int) -> list[Hit]:
    """`hits`: the engine's ranking (more than k); `extra`: distractor id → its hit for this query."""
    out = [h for h in hits if not (p.drop_query == query_no and h.id == p.drop_doc)]
    for i, d in enumerate(p.distractors):  # near the top: a distractor is worth nothing further down
        own = next((h for h in out if h.id == d), None) or extra.get(d)
        if own is not None:
            out = [h for h in out if h.id != d]
            out.insert(min(len(out), 1 + 2 * i), own)
    if p.demote:
        ranked: list[Hit | None] = [None] * (len(out) + p.demote)
        rest = []
        for i, h in enumerate(out):
            if h.id in gold and ranked[i + p.demote] is None:
                ranked[i + p.demote] = h
            else:
                rest.append(h)
        it = iter(rest)
        out = [h if h is not None else next(it, None) for h in ranked]
        out = [h for h in out if h is not None]
    return out[:k]


def describe(p: Perturbation) -> dict[str, Any]:
    return p.model_dump(exclude_defaults=True)
