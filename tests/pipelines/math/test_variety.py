"""Every generator, over many seeds per difficulty: it never crashes, and it poses at least 50
distinct problems per level or declares the smaller maximum its space has (and reaches it)."""

from __future__ import annotations

import random
import time

import pytest

from pipelines.math.catalogue import shipped_catalogue
from pipelines.math.problems import GENERATORS

ABILITIES = shipped_catalogue().by_id()
# sympy-heavy generators (≥ 1 ms a problem) get fewer seeds, at their easiest and hardest levels only
FAST_SEEDS, SLOW_SEEDS = 2000, 100


@pytest.mark.parametrize("aid", sorted(GENERATORS))
def test_no_crash_and_enough_distinct_problems(aid):
    gen = GENERATORS[aid]
    lo, hi = ABILITIES[aid].difficulty
    t0 = time.perf_counter()
    for s in range(10):
        gen(random.Random(s), lo)
    fast = (time.perf_counter() - t0) / 10 < 0.001
    seeds = FAST_SEEDS if fast else SLOW_SEEDS
    for d in range(lo, hi + 1) if fast else sorted({lo, hi}):
        questions = set()
        for s in range(seeds):
            p = gen(random.Random(1_000_003 * d + s), d)  # any exception fails the test, naming the seed below
            questions.add(p.question)
        # 100 random draws from a space of n problems see ~(1 - e^-100/n) of it: allow for that
        want = min(50, gen.most() if fast else int(0.85 * gen.most()))
        assert len(questions) >= want, f"difficulty {d}: {len(questions)} distinct problems in {seeds} seeds, want {want}"
