"""Seeded tasks: task i is a request on a topic (drawn from (run seed, i) only, so `--add` grows a
run without changing earlier tasks) with 1–3 compatible constraints appended as sentences."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from factory.seeding import derive_seed, rng_for
from factory.trajectory import Task
from pipelines.instruct import constraints
from tf_common import Strict

TOPICS = ("solar panels on apartment roofs", "learning a second language as an adult", "the history of the bicycle",
          "keeping bees in a city", "choosing a first programming language", "night trains in Europe",
          "how vaccines are tested", "composting at home", "the rules of chess for beginners",
          "remote work and team meetings", "saving water in the garden", "public libraries",
          "sleep and memory", "volcanoes", "a weekend trip to the mountains", "electric scooters in cities",
          "writing a good cover letter", "the water cycle", "baking sourdough bread", "tidal energy",
          "museums for children", "the first moon landing", "reducing food waste", "a neighbourhood football club",
          "recycling old phones", "how bridges carry weight", "migratory birds", "open source software")
REQUESTS = ("Write a short blog post about {topic}.", "Explain {topic} to a curious teenager.",
            "Write a letter to a friend about {topic}.", "Give advice to a beginner about {topic}.",
            "Write a short newsletter item on {topic}.", "Describe the main questions around {topic}.")


class Options(Strict):
    tasks: int = Field(20, ge=1, description="number of tasks (task i depends only on (seed, i))")
    min_constraints: int = Field(1, ge=1, le=6)
    max_constraints: int = Field(3, ge=1, le=6)
    kinds: list[str] | None = Field(None, description="constraint kinds to draw from (default: all; "
                                                       "`factory pipelines instruct` lists them)")
    topics: list[str] | None = Field(None, description="topics to write about (default: a shipped list)")
    max_tokens: int = Field(512, ge=16, description="tokens for the teacher's reply")

    @field_validator("kinds")
    @classmethod
    def _known(cls, v: list[str] | None) -> list[str] | None:
        unknown = [k for k in v or [] if k not in constraints.KINDS]
        if unknown:
            raise ValueError(f"unknown constraint kind(s) {unknown}; known: {', '.join(sorted(constraints.KINDS))}")
        return v

    @field_validator("max_constraints")
    @classmethod
    def _order(cls, v: int, info: Any) -> int:
        if v < info.data.get("min_constraints", 1):
            raise ValueError("max_constraints must be at least min_constraints")
        return v


class InstructTask(Strict):
    topic: str
    request: str
    constraints: list[dict[str, Any]]

    def prompt(self) -> str:
        return " ".join([self.request, *(constraints.describe(c) for c in self.constraints)])


def make_task(opts: Options, run_seed: int, i: int) -> Task:
    rng = rng_for(run_seed, "instruct", i)
    topic = rng.choice(list(opts.topics or TOPICS))
    request = rng.choice(REQUESTS).format(topic=topic)
    n = rng.randint(opts.min_constraints, opts.max_constraints)
    payload = InstructTask(topic=topic, request=request, constraints=constraints.draw(rng, n, opts.kinds))
    tid = f"if-{i:06d}"
    return Task(id=tid, pipeline="instruct", seed=derive_seed(run_seed, tid), payload=payload.model_dump())


def load_tasks(opts: Options, run_seed: int) -> list[Task]:
    return [make_task(opts, run_seed, i) for i in range(opts.tasks)]
