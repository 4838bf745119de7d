"""Options and tasks: the tool graph built from the configured sources, seeded walks over it, and a
variant per task (normal, a required value missing from the request, look-alike distractors, a tool
that fails, the gold tools removed). A task carries the specs it offers, so a worker lists nothing."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any, Literal

from pydantic import Field, field_validator

from factory.errors import ConfigError
from factory.seeding import derive_seed, rng_for
from factory.trajectory import Task
from pipelines.tool_use.mentions import mentions, render
from pipelines.tool_use.toolset import Sources
from sandboxes.config import SandboxConfig
from tf_common import Strict
from tool_graph import graph as tgraph
from tool_graph import walks
from tool_graph.spec import ToolSpec

Variant = Literal["normal", "missing_param", "lookalike", "failing_tool", "negative"]
VARIANTS: tuple[str, ...] = ("normal", "missing_param", "lookalike", "failing_tool", "negative")


# Defaults by teacher: the embedded 135M model manages one call with no distractor at best (measured:
# 0 of 12 rows accepted on the full mix), so its default run shows single-step tasks.
STRONG: dict[str, Any] = {"lengths": {1: 0.3, 2: 0.4, 3: 0.2, 4: 0.1}, "max_turns": 8, "distractors": 2}
EMBEDDED: dict[str, Any] = {"lengths": {1: 1.0}, "max_turns": 2, "distractors": 0}


def resolve_defaults(o: "Options", backend: str) -> "Options":
    table = EMBEDDED if backend == "embedded" else STRONG
    return o.model_copy(update={k: v for k, v in table.items() if getattr(o, k) is None})


def _sandbox() -> SandboxConfig:
    # Python tools are small, stateless calls: many light sandboxes beat a few heavy ones.
    return SandboxConfig(max_concurrent=4, memory_mb=256, pids=32, timeout_s=20)


class Options(Strict):
    sources: Sources = Field(default_factory=Sources)
    tasks: int = Field(12, ge=1, description="walks (tasks) to generate")
    lengths: dict[int, float] | None = Field(None, description="walk length (1-4) → weight; unset: "
                                             f"{{1: 1}} with the embedded teacher, else {STRONG['lengths']}")
    shapes: dict[Literal["sequential", "parallel"], float] = Field(
        default_factory=lambda: {"sequential": 0.7, "parallel": 0.3}, description="chain shape → weight")
    variants: dict[Variant, float] = Field(
        default_factory=lambda: {"normal": 0.5, "missing_param": 0.15, "lookalike": 0.1, "failing_tool": 0.1,
                                 "negative": 0.15}, description="variant → weight")
    distractors: int | None = Field(None, ge=0, le=20, description="unrelated real tools offered beside the "
                                    "chain's; unset: 0 with the embedded teacher, else 2")
    request_writer: Literal["teacher", "template"] = Field(
        "teacher", description="who writes the user request (the teacher's is checked and replaced by the "
                               "template when it drops a value, names a tool or leaks the missing value)")
    guided: bool = Field(True, description="structured output per turn keeps a small teacher in format")
    demonstration: bool = Field(True, description="send the teacher a worked example (never stored in rows)")
    max_turns: int | None = Field(None, ge=2, le=32, description="teacher turns (a 4-step chain with a retry "
                                  "needs 6); unset: 2 with the embedded teacher, else 8")
    turn_max_tokens: int = Field(320, ge=64)
    note_max_chars: int = Field(240, ge=20, description="thought length cap when guided")
    temperature: float = Field(0.7, ge=0.0)
    replay: bool = Field(True, description="verification re-runs deterministic tools and compares the results")
    judge: bool = Field(False, description="the teacher also judges whether each reply answers its request from the "
                                           "results (stored in meta.judge; rows judged unfit are rejected)")
    check_edges: bool = Field(False, description="execute each candidate field edge once when the run builds its "
                              "graph; walks skip the edges that failed")
    tool_timeout_s: float = Field(20.0, gt=0)
    sandbox: SandboxConfig = Field(default_factory=_sandbox)

    @field_validator("lengths")
    @classmethod
    def _lengths(cls, v: dict[int, float] | None) -> dict[int, float] | None:
        if v is None:
            return v
        if not v or any(k < 1 or k > 4 for k in v) or any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("lengths: keys 1-4 with non-negative weights, at least one positive")
        return v


def _pick(rng: random.Random, weights: dict[Any, float]) -> Any:
    keys = sorted(weights, key=str)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def _lookalike_name(name: str, taken: set[str], rng: random.Random) -> str:
    forms = [f"{name}_v2", f"get_{name}", f"{name}_lookup", f"{name}s", f"quick_{name}", f"{name}_legacy"]
    rng.shuffle(forms)
    return next((f for f in forms if f not in taken), f"{name}_{rng.randrange(10**6)}")


class WalkTask(Strict):
    """A tool_use task's payload, as `plan_task` writes it (`Task.payload` carries it as JSON)."""

    walk: walks.Walk
    variant: Variant
    lookalikes: dict[str, str] = Field(default_factory=dict)  # offered look-alike name → the real tool it runs
    missing: dict[str, Any] | None = None  # missing_param: the step, input, value and tool left out
    fail_tool: str | None = None  # failing_tool: the tool whose calls fail
    described: dict[str, dict[str, Any]] = Field(default_factory=dict)  # what the request must ask for
    offered: list[ToolSpec]


def plan_task(g: tgraph.ToolGraph, o: Options, rng: random.Random, pool: dict[str, list[Any]]) -> dict[str, Any] | None:
    length, shape = _pick(rng, o.lengths), _pick(rng, o.shapes)
    w = walks.walk(g, rng, length, shape, pool)
    if w is None:
        return None
    variant = _pick(rng, o.variants)
    chain = w.tools()
    others = [n.name for n in g.nodes if n.name not in chain]
    rng.shuffle(others)
    distract = others[: o.distractors]
    offered: list[dict[str, Any]] = [g.spec(n).model_dump() for n in [*chain, *distract]]
    payload: dict[str, Any] = {"walk": w.model_dump(), "variant": variant, "lookalikes": {}, "missing": None,
                               "fail_tool": None,
                               # what the request must ask for, also when the chain is not offered (negative)
                               "described": {n: {"name": n, "description": g.spec(n).description} for n in chain}}
    if variant == "missing_param":
        stated = [(i, k, v) for i, s in enumerate(w.steps) for k, v in s.given.items()]
        # A value the request still states elsewhere (the same date as another step's end date) is not missing.
        slots = [(i, k) for i, k, v in stated
                 if not any(mentions(render(v2), v) for i2, k2, v2 in stated if (i2, k2) != (i, k))]
        if not slots:
            variant = payload["variant"] = "normal"
        else:
            i, k = rng.choice(slots)
            payload["missing"] = {"step": i, "input": k, "value": w.steps[i].given[k], "tool": w.steps[i].tool}
    if variant == "lookalike":
        spare = [n for n in others if n not in distract] or distract
        if not spare:
            variant = payload["variant"] = "normal"
        else:
            taken = {n.name for n in g.nodes}
            for gold in rng.sample(chain, min(2, len(chain))):
                real = spare.pop(0) if spare else rng.choice(others)
                fake = _lookalike_name(gold, taken, rng)
                taken.add(fake)
                spec = g.spec(real).model_copy(update={"name": fake})
                offered = [o_ for o_ in offered if o_["name"] != real] + [spec.model_dump()]
                payload["lookalikes"][fake] = real
                if not spare:
                    break
    if variant == "failing_tool":
        executable = [n for n in chain if g.spec(n).executable]
        if not executable:
            variant = payload["variant"] = "normal"
        else:
            payload["fail_tool"] = rng.choice(executable)
    if variant == "negative":
        offered = [s for s in offered if s["name"] not in chain]
        if not offered:  # nothing left to offer: a bare refusal teaches nothing about tools
            offered = [g.spec(n).model_dump() for n in others[o.distractors: o.distractors + 2]]
    rng.shuffle(offered)
    payload["offered"] = offered
    return payload


def build_tasks(g: tgraph.ToolGraph, o: Options, seed: int, pipeline: str, pool: dict[str, list[Any]]) -> list[Task]:
    """Seeded walks over the run's graph (`graph_file.graph_for_run`), at most `o.tasks` distinct."""
    out: list[Task] = []
    seen: set[str] = set()
    attempts = 0
    while len(out) < o.tasks and attempts < o.tasks * 20:
        rng = rng_for(seed, "tool_use", "task", attempts)
        attempts += 1
        payload = plan_task(g, o, rng, pool)
        if payload is None:
            continue
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
        if digest in seen:
            continue
        seen.add(digest)
        tid = f"tu-{digest}"
        out.append(Task(id=tid, pipeline=pipeline, seed=derive_seed(seed, tid), payload=payload))
    if not out:
        raise ConfigError("pipeline_options", f"the tool graph ({len(g.nodes)} tools, {len(g.edges)} edges) has no walk "
                        "of the configured lengths/shapes whose inputs can be filled; add sources or `values`")
    return out
