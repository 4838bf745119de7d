"""Workload-only pipelines for the generation benchmark, run through the real `factory run` path
by import path (`bench.workloads:Chat`). The environment is scripted: after each teacher turn it
answers with the same fixed observation, so only orchestration differs from the raw engine loop."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from factory.config import Strict
from factory.pipeline import Pipeline
from factory.seeding import derive_seed
from factory.teacher.base import ChatRequest, Teacher
from factory.trajectory import Message, Task, Trajectory
from factory.verify.base import Verifier

OBSERVATION = "Observation: the tool ran and printed 42. Continue."


def prompt(i: int) -> str:
    return f"Write a short report, number {i}, about the history of bridges in city {i}."


class ChatOptions(Strict):
    prompts: int = Field(32, ge=1)
    turns: int = Field(1, ge=1)
    max_tokens: int = Field(128, ge=1)


class Chat(Pipeline):
    name: ClassVar[str] = "bench.workloads:Chat"
    description: ClassVar[str] = "benchmark workload: fixed prompts, fixed output lengths, scripted observations"
    Options: ClassVar[type[ChatOptions]] = ChatOptions
    options: ChatOptions

    def tasks(self) -> list[Task]:
        return [Task(id=f"bench-{i:05d}", pipeline=self.name, seed=derive_seed(self.cfg.seed, i),
                     payload={"prompt": prompt(i)}) for i in range(self.options.prompts)]

    def verifiers(self) -> list[Verifier]:
        return []

    async def generate(self, task: Task, teacher: Teacher) -> list[Trajectory]:
        o = self.options
        # teacher.sampling as configured (the benchmark sets it), with fixed lengths.
        sampling = self.cfg.teacher.sampling.model_copy(update={"max_tokens": o.max_tokens, "ignore_eos": True})
        msgs = [Message(role="user", content=task.payload["prompt"])]
        usage = None
        for turn in range(o.turns):
            out = await teacher.chat(ChatRequest(messages=[m.to_chat() for m in msgs], sampling=sampling,
                                                 seed=derive_seed(task.seed, turn), affinity=task.id))
            usage = out.usage() if usage is None else usage.add(out.usage())
            msgs.append(Message(role="assistant", content=out.completions[0].text))
            if turn < o.turns - 1:
                msgs.append(Message(role="user", content=OBSERVATION))
        assert usage is not None
        return [Trajectory(pipeline=self.name, task_id=task.id, messages=msgs, usage=usage)]


class BranchOptions(ChatOptions):
    turns: int = Field(4, ge=2)
    max_tokens: int = Field(48, ge=1)
    branches: int = Field(3, ge=1)
    at: int = Field(2, ge=1, description="turns of the root conversation every branch starts from")


class Branching(Chat):
    """SWE's success branches and pass@k attempts in miniature: a root conversation of `turns` turns,
    then `branches` continuations that share its first `at` turns and differ after (their own seed,
    the rest of the turns). Every call carries the task as affinity, as the pipelines do."""

    name: ClassVar[str] = "bench.workloads:Branching"
    description: ClassVar[str] = "benchmark workload: a root conversation and branches that share its prefix"
    Options: ClassVar[type[BranchOptions]] = BranchOptions
    options: BranchOptions

    async def _converse(self, teacher: Teacher, task: Task, msgs: list[Message], first: int, last: int,
                        key: str) -> tuple[list[Message], Any]:
        o = self.options
        sampling = self.cfg.teacher.sampling.model_copy(update={"max_tokens": o.max_tokens, "ignore_eos": True})
        usage = None
        for turn in range(first, last):
            out = await teacher.chat(ChatRequest(messages=[m.to_chat() for m in msgs], sampling=sampling,
                                                 seed=derive_seed(task.seed, key, turn), affinity=task.id))
            usage = out.usage() if usage is None else usage.add(out.usage())
            msgs = [*msgs, Message(role="assistant", content=out.completions[0].text),
                    Message(role="user", content=OBSERVATION)]
        return msgs, usage

    async def generate(self, task: Task, teacher: Teacher) -> list[Trajectory]:
        o = self.options
        start = [Message(role="user", content=task.payload["prompt"])]
        root, usage = await self._converse(teacher, task, start, 0, o.turns, "root")
        prefix = root[:1 + 2 * o.at]  # the prompt and the first `at` turns with their observations
        rows = [Trajectory(pipeline=self.name, task_id=task.id, messages=root, usage=usage)]
        for b in range(o.branches):
            msgs, u = await self._converse(teacher, task, prefix, o.at, o.turns, f"branch-{b}")
            rows.append(Trajectory(pipeline=self.name, task_id=task.id, messages=msgs, usage=u,
                                   meta={"branch": b}))
        return rows
