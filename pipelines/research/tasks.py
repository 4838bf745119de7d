"""Options and tasks. Task i depends only on (run seed, i): asking for more tasks never changes the
earlier ones. A draw that fails a keep-check (no findable chain, a leaked answer) is redrawn from
(seed, i, attempt), so every task id is stable."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Literal

from pydantic import Field, field_validator

from factory.errors import UserError
from factory.seeding import derive_seed, rng_for
from factory.trajectory import Task
from pipelines.research import synth
from pipelines.research.corpora.library import Library
from pipelines.research.perturb import Perturbation, PerturbOptions
from tf_common import Strict

log = logging.getLogger(__name__)
Mode = Literal["closed", "open", "reverse"]

# Defaults by teacher: the embedded 135M model cannot hold a long research session (measured: 0 of 8
# accepted on 2-hop chains); one- and two-document questions and few turns let its default run show
# every step (search, open, answer) in minutes.
STRONG: dict[str, Any] = {"tasks": 12, "modes": {"closed": 0.6, "open": 0.2, "reverse": 0.2},
                          "hops": {2: 0.4, 3: 0.4, 4: 0.2}, "max_turns": 10, "lesson_retry": True,
                          "note_max_chars": 240, "page_chars": 1500, "turn_max_tokens": 320}
EMBEDDED: dict[str, Any] = {"tasks": 8, "modes": {"closed": 0.5, "open": 0.5}, "hops": {1: 0.5, 2: 0.5}, "max_turns": 5,
                            "lesson_retry": False, "note_max_chars": 100, "page_chars": 700, "turn_max_tokens": 200}
ATTEMPTS = 40


def resolve_defaults(o: "Options", backend: str) -> "Options":
    table = EMBEDDED if backend == "embedded" else STRONG
    return o.model_copy(update={k: v for k, v in table.items() if getattr(o, k) is None})


class Options(Strict):
    corpus: str = Field("manpages", description="built-in (manpages, foldoc, pydoc), a .jsonl/.parquet file of "
                                                "id/title/text/links rows, or an http(s) search endpoint")
    engine: Literal["auto", "tantivy", "fts5"] = Field("auto", description="full-text engine (auto: tantivy)")
    tasks: int | None = Field(None, ge=1, description="unset: 8 with the embedded teacher, else 12")
    modes: dict[Mode, float] | None = Field(None, description="task kind → weight; unset: closed 0.5, open 0.5 with "
                                            "the embedded teacher, else closed 0.6, open 0.2, reverse 0.2")
    hops: dict[int, float] | None = Field(None, description="documents per closed chain (1-4; 1 = a single-document "
                                          f"question) → weight; unset: {EMBEDDED['hops']} with the embedded teacher, "
                                          f"else {STRONG['hops']}")
    facts: list[str] | None = Field(None, description="fact kinds closed questions ask for (None: any)")
    findable_k: int = Field(10, ge=1, le=50, description="each hop must be in this many top hits for its description")
    perturb: PerturbOptions = Field(default_factory=PerturbOptions)
    excerpt_chars: int = Field(1200, ge=200, description="how much of a reverse task's source is shown")
    page_chars: int | None = Field(None, ge=200, description="characters `open` returns per call; unset: 700 with "
                                                             "the embedded teacher, else 1500")
    lessons: bool = Field(True, description="a failed closed trajectory gets the teacher's failure analysis")
    lesson_retry: bool | None = Field(None, description="and a second trajectory that applies the lesson; unset: "
                                                        "off with the embedded teacher, else on")
    min_gold_share: float = Field(0.5, ge=0, le=1, description="closed: share of the chain's documents opened")
    min_support: float = Field(0.5, ge=0, le=1, description="open: share of a claim's content words in its source")
    min_recall: float = Field(0.5, ge=0, le=1, description="reverse: share of cited documents retrieved")
    judge: bool = Field(False, description="open: the teacher also judges each cited claim against its passage")
    max_turns: int | None = Field(None, ge=2, le=40, description="unset: 5 with the embedded teacher, else 10")
    turn_max_tokens: int | None = Field(None, ge=64, description="unset: 200 with the embedded teacher, else 320")
    note_max_chars: int | None = Field(None, ge=20, description="thought length cap when guided; unset: 100 with "
                                                                "the embedded teacher, else 240")
    temperature: float = Field(0.7, ge=0.0)
    guided: bool = Field(True, description="structured output per turn keeps a small teacher in format")
    demonstration: bool = Field(True, description="send the teacher a worked example (never stored in rows)")

    @field_validator("hops")
    @classmethod
    def _hops(cls, v: dict[int, float] | None) -> dict[int, float] | None:
        if v is not None and (not v or any(k < 1 or k > 4 for k in v) or any(w < 0 for w in v.values())
                              or sum(v.values()) <= 0):
            raise ValueError("hops: keys 1-4 with non-negative weights, at least one positive")
        return v

    @field_validator("modes")
    @classmethod
    def _modes(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        if not v or any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("modes: closed/open/reverse with non-negative weights, at least one positive")
        return v


def _pick(rng: Any, weights: dict[Any, float]) -> Any:
    keys = [k for k in sorted(weights, key=str) if weights[k] > 0]
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def draw(ctx: synth.Context, o: Options, seed: int, i: int) -> dict[str, Any] | None:
    mode = _pick(rng_for(seed, "research", i), o.modes or STRONG["modes"])
    for attempt in range(ATTEMPTS):
        rng = rng_for(seed, "research", i, attempt)
        if mode == "closed":
            p = synth.closed(rng, ctx, _pick(rng, o.hops or {2: 1.0}), o.perturb)
        elif mode == "open":
            p = synth.open_ended(rng, ctx)
        else:
            p = synth.reverse(rng, ctx, o.excerpt_chars)
        if p is not None:
            return {**p, "draw": attempt}
    log.warning("research task %d: no %s task passed the keep-checks in %d draws", i, mode, ATTEMPTS)
    return None


class Question(Strict):
    """A research task's payload (`Task.payload` carries it as JSON): the fields of its mode only."""

    mode: Mode
    question: str
    corpus: dict[str, Any]  # the library's description (name, engine, documents)
    draw: int = 0
    chain: list[str] = Field(default_factory=list)  # closed: the documents the answer hops through
    fact: str | None = None  # closed: the fact kind asked for
    hops: int | None = None
    perturbation: Perturbation | None = None  # closed: how search results are perturbed
    cluster: list[str] = Field(default_factory=list)  # open: the documents a report should draw on
    source: str | None = None  # reverse: the hidden document whose excerpt is shown


def build_tasks(lib: Library, o: Options, seed: int, pipeline: str) -> list[Task]:
    ctx = synth.Context(lib, o.facts, o.findable_k)
    tasks = []
    for i in range(o.tasks or 12):
        p = draw(ctx, o, seed, i)
        if p is None:
            continue
        p["corpus"] = lib.describe()
        h = hashlib.sha256(json.dumps(p, sort_keys=True).encode()).hexdigest()[:12]
        tid = f"rs-{p['mode']}-{h}"
        tasks.append(Task(id=tid, pipeline=pipeline, seed=derive_seed(seed, tid), payload=p))
    if not tasks:
        raise UserError(f"corpus {o.corpus!r}: no task passed the keep-checks (closed chains need linked documents "
                        "with facts and unique summaries; open/reverse need documents linking to >= 3 others)")
    return tasks
