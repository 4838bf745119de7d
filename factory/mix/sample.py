"""Token targets per source, the seeded draw that meets them, and the split by task.

Targets: weights are normalised to shares; with no `total_tokens`, the total is the largest one every
source can fill at its share (after its cap), so the shares hold exactly and no source falls short.
The draw walks a source's rows in a seeded order and takes a row when that brings the source's
tokens closer to its target, so a source lands within half its largest row of the target."""

from __future__ import annotations

import math
from dataclasses import dataclass

from factory.mix.prepare import Candidates, order_key
from factory.mix.spec import MixSpec


@dataclass
class Plan:
    total: float
    targets: dict[str, float]  # tokens asked of each source
    shares: dict[str, float]  # the normalised weights


def plan(spec: MixSpec, cands: dict[str, Candidates]) -> Plan:
    weight = sum(s.weight for s in spec.sources)
    shares = {s.name: s.weight / weight for s in spec.sources}
    room = {s.name: min(cands[s.name].total, s.max_tokens or math.inf) for s in spec.sources}
    total = float(spec.total_tokens) if spec.total_tokens else min(room[n] / shares[n] for n in shares)
    return Plan(total, {n: shares[n] * total for n in shares}, shares)


def draw(c: Candidates, target: float, cap: int | None, seed: int, name: str) -> list[int]:
    """Indices of the rows taken, in the seeded order."""
    limit = min(target, cap) if cap else target
    order = sorted(range(len(c.rows)), key=lambda i: order_key(seed, name, "draw", c.rows[i]["id"]))
    got, taken = 0, []
    for i in order:
        if got >= limit:
            break
        t = c.tokens[i]
        if got + t / 2 <= limit and (cap is None or got + t <= cap):
            taken.append(i)
            got += t
    return taken


def group_of(row: dict) -> str:
    """What must not straddle splits: one task of one run (its root, branches and attempts)."""
    return f"{row['run_id']}/{row['task_id']}"


def validation_groups(groups: set[str], share: float, seed: int) -> set[str]:
    """The groups held out: `share` of them (at least one when there are two or more), seeded."""
    if share <= 0 or len(groups) < 2:
        return set()
    n = min(len(groups) - 1, max(1, round(share * len(groups))))
    return set(sorted(groups, key=lambda g: order_key(seed, "split", g))[:n])
