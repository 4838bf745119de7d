"""All problem generators, by ability id."""

from __future__ import annotations

from pipelines.math.problems import (
    basic_algebra,
    basic_geometry,
    basic_numbers,
    metacognition,
    reasoning_analysis,
    reasoning_counting,
    reasoning_logic,
)
from pipelines.math.problems.base import Generator, Problem

__all__ = ["GENERATORS", "Generator", "Problem"]


def _merge() -> dict[str, Generator]:
    out: dict[str, Generator] = {}
    for mod in (basic_numbers, basic_algebra, basic_geometry, reasoning_logic, reasoning_counting, reasoning_analysis,
                metacognition):
        for ability, gen in mod.reg.generators.items():
            if ability in out:
                raise ValueError(f"ability {ability} has generators in two modules")
            out[ability] = gen
    return out


GENERATORS: dict[str, Generator] = _merge()
