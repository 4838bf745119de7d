"""The math pipeline's options and its tasks: generated problems spread over the selected roots
and abilities by weight, plus the user's own problems. Same config and seed → same tasks."""

from __future__ import annotations

import hashlib
import itertools
import logging
import random
from collections.abc import Iterator
from pathlib import Path

from pydantic import Field

from factory.errors import UserError
from factory.inputs import read_records
from factory.seeding import derive_seed
from factory.trajectory import Task
from pipelines.math import forms
from pipelines.math.catalogue import Ability, Catalogue, Selection, select
from pipelines.math.problems import GENERATORS
from sandboxes.config import SandboxConfig
from tf_common import Strict

log = logging.getLogger(__name__)
_REDRAWS = 20


class Options(Selection):
    generated_problems: int = Field(24, ge=0, description="problems posed by generators, spread over the selection")
    difficulty: list[int] | None = Field(None, description="allowed difficulties 1-5 (empty: each ability's own "
                                         "range; unset: [1] with the embedded 135M teacher, else empty)")
    problems: str | None = Field(None, description=".jsonl/.parquet with question, answer, optional ability, "
                                                   "difficulty: your own problems, added to the generated ones")
    attempts: int = Field(2, ge=1, le=64, description="k attempts per problem (rejection sampling, pass@k)")
    max_turns: int = Field(4, ge=2, le=32, description="teacher turns per attempt")
    turn_max_tokens: int = Field(256, ge=32)
    note_max_chars: int = Field(200, ge=20, description="plan/reflection length cap when guided (tool "
                                                        "arguments: 1.5x)")
    demonstration: bool = Field(True, description="send the teacher a worked plan → tool → reflection → answer "
                                                  "example (small teachers imitate it); never stored in the rows")
    guided: bool = Field(True, description="structured output per turn keeps a small teacher in format; turn it "
                                           "off for a teacher that writes Hermes tool calls on its own")
    temperature: float = Field(0.8, ge=0.0, description="sampling temperature of the attempts")
    # Generous: it is there to stop runaway programs. On 2 cores next to a CPU teacher, one Docker
    # exec of the sympy helper was measured at over 10 s when 8 ran at once.
    tool_timeout_s: float = Field(30.0, gt=0.0, description="wall-clock limit of one tool call in the sandbox")
    sandbox: SandboxConfig = Field(default_factory=lambda: SandboxConfig(max_concurrent=4),
                                   description="sandbox settings; tool calls of more trajectories than "
                                               "max_concurrent wait for a free sandbox")


def _seats(weights: dict[str, float]) -> Iterator[str]:
    """The roots in the order they get their next generated problem: each root once (while the
    count allows), then Sainte-Laguë — the next problem to the root with the largest
    weight / (2·extra + 1). Every prefix is a proportional split of its length, and a longer run only
    appends to a shorter one, so raising `generated_problems` (--add) never changes earlier problems."""
    extra = {r: 0 for r in weights}
    yield from sorted(weights)
    while True:
        r = max(sorted(weights), key=lambda k: weights[k] / (2 * extra[k] + 1))
        extra[r] += 1
        yield r


def _weighted_order(rng: random.Random, weights: dict[str, float]) -> list[str]:
    # Weighted sampling without replacement (key = u^(1/w)): every ability once before any twice.
    return sorted(weights, key=lambda k: rng.random() ** (1.0 / weights[k]), reverse=True)


def _difficulties(a: Ability, allowed: list[int]) -> list[int]:
    lo, hi = a.difficulty
    levels = [d for d in range(lo, hi + 1) if not allowed or d in allowed]
    return levels or [min(range(lo, hi + 1), key=lambda d: min(abs(d - x) for x in allowed))]


class Problem(Strict):
    """A math task's payload (`Task.payload` carries it as JSON); what `generate` reads."""

    question: str
    answer: str
    ability: str = "unlabelled"
    root: str = "unlabelled"
    category: str = "unlabelled"
    difficulty: int | None = None
    form: str | None = None
    source: str = "user"
    module: str = "algebra"


def _task(run_seed: int, a: Ability | None, cat: Catalogue, question: str, answer: str, difficulty: int | None,
          form: str | None, source: str) -> Task:
    ability = a.id if a else "unlabelled"
    form = form or forms.infer(question, answer)  # every problem carries the form its answer must take
    tid = "math-" + hashlib.sha256(f"{ability}\x1f{question}\x1f{answer}".encode()).hexdigest()[:16]
    payload = Problem(question=question, answer=answer, ability=ability, root=a.root if a else "unlabelled",
                      category=a.category if a else "unlabelled", difficulty=difficulty, form=form, source=source,
                      module=a.module if a else "algebra")
    return Task(id=tid, pipeline="math", seed=derive_seed(run_seed, tid), payload=payload.model_dump())


def generated_tasks(opts: Options, cat: Catalogue, run_seed: int) -> list[Task]:
    weights = {k: w for k, w in select(cat, opts).items() if k in GENERATORS}
    if not weights or opts.generated_problems == 0:
        return []
    by_id = cat.by_id()
    roots: dict[str, dict[str, float]] = {}
    for k, w in weights.items():
        roots.setdefault(by_id[k].root, {})[k] = w
    # Per root, its own seeded sequence of abilities, difficulties and problems: a root's j-th problem
    # depends on (seed, root, j) only, whatever the total.
    rngs = {r: random.Random(derive_seed(run_seed, "math-plan", r)) for r in roots}
    orders: dict[str, list[str]] = {r: [] for r in roots}
    slots = dict.fromkeys(roots, 0)
    out: list[Task] = []
    seen: set[str] = set()
    short = 0
    for root in itertools.islice(_seats({r: sum(ws.values()) for r, ws in roots.items()}), opts.generated_problems):
        rng, slot = rngs[root], slots[root]
        slots[root] += 1
        if not orders[root]:
            orders[root] = _weighted_order(rng, roots[root])
        a = by_id[orders[root].pop(0)]
        d = rng.choice(_difficulties(a, opts.difficulty or []))
        # A small problem space can repeat a problem: draw again (a few times) rather than pose it twice.
        for retry in range(_REDRAWS):
            labels = ("problem", a.id, d, slot) + ((retry,) if retry else ())
            p = GENERATORS[a.id](random.Random(derive_seed(run_seed, *labels)), d)
            t = _task(run_seed, a, cat, p.question, p.answer, d, p.form, "generator")
            if t.id not in seen:
                seen.add(t.id)
                out.append(t)
                break
        else:
            short += 1
    if short:
        log.warning("math: %d of the %d generated problems asked for could not be made distinct (the selected "
                    "abilities and difficulties pose fewer); running %d", short, opts.generated_problems,
                    opts.generated_problems - short)
    # In stream order, which interleaves the roots, so that `--limit N` still covers every root.
    return out


def user_tasks(opts: Options, cat: Catalogue, run_seed: int) -> list[Task]:
    if not opts.problems:
        return []
    path, by_id = Path(opts.problems), cat.by_id()
    keep = select(cat, opts) if (opts.abilities or opts.roots or opts.categories) else None
    tasks = []
    for n, row in enumerate(read_records(path, "pipeline_options.problems"), 1):
        q, ans, ability = row.get("question"), row.get("answer"), row.get("ability")
        if not isinstance(q, str) or not q.strip():
            raise UserError(f"{path} row {n}: expected a non-empty string field 'question'")
        if not isinstance(ans, (str, int, float)) or not str(ans).strip():
            raise UserError(f"{path} row {n}: expected field 'answer' (string or number): the ground truth")
        if ability is not None and ability not in by_id:
            raise UserError(f"{path} row {n}: unknown ability {ability!r}; use an id from pipelines/math/abilities.yaml "
                            "or leave it out")
        if keep is not None and ability not in keep:
            continue
        d = row.get("difficulty")
        if d is not None and (not isinstance(d, int) or not 1 <= d <= 5):
            raise UserError(f"{path} row {n}: 'difficulty' should be an integer 1-5, got {d!r}")
        form = row.get("form")
        if form is not None and not forms.valid(form):
            raise UserError(f"{path} row {n}: 'form' should be one of {', '.join(forms.FORMS)} or decimal:K, "
                            f"got {form!r} (or leave it out: it is inferred from the question)")
        a = by_id.get(ability) if ability else None
        tasks.append(_task(run_seed, a, cat, q.strip(), str(ans).strip(), d, form, "user"))
    if not tasks:
        raise UserError(f"{path}: no problems found (or none in the selected abilities)")
    return tasks


def load_tasks(opts: Options, cat: Catalogue, run_seed: int) -> list[Task]:
    seen: set[str] = set()
    out = []
    repeated = 0
    for t in generated_tasks(opts, cat, run_seed) + user_tasks(opts, cat, run_seed):
        if t.id in seen:
            repeated += 1
            continue
        seen.add(t.id)
        out.append(t)
    if repeated:
        log.warning("math: %d problem(s) of pipeline_options.problems repeat another problem and run once", repeated)
    if not out:
        raise UserError("math: no problems: the selection has only user_file abilities and "
                        "pipeline_options.problems is not set (or generated_problems is 0)")
    return out
