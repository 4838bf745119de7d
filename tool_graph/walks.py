"""Seeded walks over the tool graph: chains of 1–4 calls in which every required input comes either
from the user's request (a concrete value drawn here) or from an earlier call's output (an edge).
`sequential`: each step after the first depends on an earlier one; `parallel`: independent calls."""

from __future__ import annotations

import random
from typing import Any, Literal

from pydantic import Field

from tf_common import Strict
from tool_graph.graph import ToolGraph
from tool_graph.spec import ToolSpec
from tool_graph.values import MISSING, Memo, sample

Shape = Literal["single", "sequential", "parallel"]


class Step(Strict):
    tool: str
    given: dict[str, Any] = Field(default_factory=dict)
    """inputs the request states, with their values"""
    fed: dict[str, tuple[int, str]] = Field(default_factory=dict)
    """inputs taken from an earlier step: input → (step index, output field or input shared with it)"""


class Walk(Strict):
    shape: Shape
    steps: list[Step]

    def tools(self) -> list[str]:
        return [s.tool for s in self.steps]

    def given(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for s in self.steps:
            out.update(s.given)
        return out


def _give(spec: ToolSpec, skip: set[str], rng: random.Random, pool: dict[str, list[Any]],
          memo: Memo) -> dict[str, Any] | None:
    out = {}
    memo.next_step()
    for name, schema in spec.required().items():
        if name in skip:
            continue
        v = sample(schema, name, rng, pool, memo)
        if v is MISSING:
            return None
        out[name] = v
    return out


def walk(graph: ToolGraph, rng: random.Random, length: int, shape: Shape, pool: dict[str, list[Any]],
         tries: int = 50) -> Walk | None:
    """One walk, or None when the graph has none of that shape and length (after `tries` attempts)."""
    names = graph.names()
    for _ in range(tries):
        memo = Memo()
        first = graph.spec(rng.choice(names))
        given = _give(first, set(), rng, pool, memo)
        if given is None:
            continue
        steps = [Step(tool=first.name, given=given)]
        if shape == "parallel":
            used = {first.name}
            linked = {first.name} | graph.neighbours(first.name)
            for name in rng.sample(names, len(names)):
                if len(steps) == length:
                    break
                if name in used or name in linked:
                    continue
                spec = graph.spec(name)
                g = _give(spec, set(), rng, pool, memo)
                if g is None:
                    continue
                steps.append(Step(tool=name, given=g))
                used.add(name)
                linked |= graph.neighbours(name)
        else:
            while len(steps) < length:
                nxt = _extend(graph, steps, rng, pool, memo)
                if nxt is None:
                    break
                steps.append(nxt)
        if len(steps) == length:
            return Walk(shape="single" if length == 1 else shape, steps=steps)
    return None


def _extend(graph: ToolGraph, steps: list[Step], rng: random.Random, pool: dict[str, list[Any]],
            memo: Memo) -> Step | None:
    """A next step that depends on the last one (and may draw on any earlier one)."""
    seen = {s.tool for s in steps}
    options = [e for e in graph.out_edges(steps[-1].tool) if e.target not in seen]
    rng.shuffle(options)
    for e in options:
        target = graph.spec(e.target)
        fed: dict[str, tuple[int, str]] = {}
        for i, s in enumerate(steps):
            for edge in graph.out_edges(s.tool):
                if edge.target == target.name:
                    for out, inp in edge.fields:
                        # One output feeds one input: a city's latitude is not both ends of a distance.
                        if inp not in fed and (i, out) not in fed.values():
                            fed[inp] = (i, out)
        given = _give(target, set(fed), rng, pool, memo)
        if given is not None:
            return Step(tool=target.name, given=given, fed=fed)
    return None
