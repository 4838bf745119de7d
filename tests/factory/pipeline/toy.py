"""A pipeline that exists only in the tests: its own meta keys, attempt key, highlighted sections,
id keys and card keys, none of which the engine knows. It proves the engine shows and counts what a
pipeline declares (run, stats, inspect, review, export, report) without naming it anywhere."""

from __future__ import annotations

import logging
import os
from typing import ClassVar

from pydantic import Field

from factory.errors import UserError
from factory.pipeline import Pipeline
from factory.seeding import derive_seed
from factory.teacher.base import ChatRequest, Teacher
from factory.trajectory import Message, Task, Trajectory, Verdict
from tf_common import Strict

log = logging.getLogger(__name__)
COLOURS = ("red", "green", "blue")
SHAPES = ("circle", "square")


class ToyOptions(Strict):
    tasks: int = Field(6, ge=1)
    tries: int = Field(2, ge=1)
    marker: str | None = Field(None, description="file that open/close append to (lifecycle tests, any process)")
    padding: int = Field(0, ge=0, description="characters of context added to each question (rows of a real size)")
    fail_open: str | None = Field(None, description="open() raises a UserError with this text (start-up failures)")


class ColourNamed:
    name = "colour_named"

    def verify(self, traj: Trajectory) -> Verdict:
        ok = traj.meta["colour"] in traj.last_assistant()
        return Verdict(verifier=self.name, passed=ok, reason="" if ok else "colour_missing")


class Toy(Pipeline):
    name: ClassVar[str] = "tests.factory.pipeline.toy:Toy"
    description: ClassVar[str] = "test-only: name a colour"
    Options: ClassVar[type[ToyOptions]] = ToyOptions
    stat_keys: ClassVar[tuple[str, ...]] = ("colour", "shape")
    summary_keys: ClassVar[tuple[str, ...]] = ("colour",)
    attempt_key: ClassVar[str] = "try_no"
    inspect_keys: ClassVar[tuple[str, ...]] = ("shape",)
    highlight_tags: ClassVar[tuple[str, ...]] = ("thought", "verdict")
    id_meta_keys: ClassVar[tuple[str, ...]] = ("flavour",)
    card_keys: ClassVar[tuple[str, ...]] = ("colour",)
    options: ToyOptions
    opened = 0  # class-level counters: the lifecycle test reads them
    closed = 0

    def tasks(self) -> list[Task]:
        return [Task(id=f"toy-{i}", pipeline=self.name, seed=derive_seed(self.cfg.seed, i),
                     payload={"colour": COLOURS[i % 3], "shape": SHAPES[i % 2]}) for i in range(self.options.tasks)]

    def verifiers(self) -> list:
        return [ColourNamed()]

    def open(self) -> None:
        type(self).opened += 1
        self._mark("open")
        if self.options.fail_open:
            raise UserError(self.options.fail_open)

    def close(self) -> None:
        type(self).closed += 1
        self._mark("close")

    def _mark(self, what: str) -> None:
        if self.options.marker:
            with open(self.options.marker, "a") as f:
                f.write(f"{what} {os.getpid()}\n")

    async def generate(self, task: Task, teacher: Teacher) -> list[Trajectory]:
        log.info("asking for %s", task.payload["colour"])
        rows = []
        for n in range(self.options.tries):
            q = f"Task {task.id}: name the colour {task.payload['colour']} (try {n})."
            if self.options.padding:  # varied text, so neither compression nor dedup makes it small
                q += " Context: " + " ".join(f"w{task.seed % 997 + i * 7919 % 10007}" for i in
                                             range(self.options.padding // 6))
            out = await teacher.chat(ChatRequest(messages=[{"role": "user", "content": q}],
                                                 sampling=self.cfg.teacher.sampling, seed=n, affinity=task.id))
            rows.append(Trajectory(pipeline=self.name, task_id=task.id, usage=out.usage(),
                                   meta={**task.payload, "try_no": n, "flavour": "plain"},
                                   messages=[Message(role="user", content=q),
                                             Message(role="assistant", content=out.completions[0].text)]))
        return rows


    def postprocess(self, verified: list[Trajectory]) -> list[Trajectory]:
        return [t.model_copy(update={"outcome": "success" if t.accepted else "failure"}) for t in verified]


def toy_reply(req: ChatRequest) -> str:
    """Right on try 0 for red and green, wrong otherwise: both sides and a pass@k below 1."""
    q = req.messages[-1]["content"]
    colour = q.split("colour ")[1].split(" ")[0]
    said = colour if ("try 0" in q and colour != "blue") else "grey"
    return f"<thought>The user wants a colour word.</thought><verdict>It is {said}.</verdict>"


class ToyStream(Toy):
    """The toy as an append-only stream: task i depends only on (seed, i)."""

    name: ClassVar[str] = "tests.factory.pipeline.toy:ToyStream"
    stream_option: ClassVar[str] = "tasks"
