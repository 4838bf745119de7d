"""The smallest useful pipeline: seeded tasks, one teacher call each, a verifier, rows.
Run it from the repository root: `factory run --config examples/minimal_pipeline/run.yaml`."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from factory.pipeline import Pipeline
from factory.seeding import derive_seed, rng_for
from factory.teacher.base import ChatRequest, Teacher
from factory.trajectory import Message, Task, Trajectory, Verdict
from tf_common import Strict


class Options(Strict):  # `pipeline_options:` in the run config; a misspelt key is an error
    tasks: int = Field(8, ge=1)


class ProductStated:
    name = "product"

    def verify(self, t: Trajectory) -> Verdict:
        ok = str(t.meta["answer"]) in t.last_assistant().replace(",", "")
        return Verdict(verifier=self.name, passed=ok, reason="" if ok else "wrong_product")


class Multiply(Pipeline):
    name: ClassVar[str] = "examples.minimal_pipeline.pipeline:Multiply"
    description: ClassVar[str] = "multiply two numbers, answer checked"
    Options: ClassVar[type[Options]] = Options          # pydantic, extra="forbid": `pipeline_options:`
    options: Options

    def tasks(self) -> list[Task]:                     # stable ids, seeded: a rerun resumes, a replay repeats
        out = []
        for i in range(self.options.tasks):
            rng = rng_for(self.cfg.seed, "multiply", i)
            a, b = rng.randint(12, 99), rng.randint(12, 99)
            out.append(Task(id=f"mul-{i}", pipeline=self.name, seed=derive_seed(self.cfg.seed, i),
                            payload={"a": a, "b": b}))
        return out

    def verifiers(self) -> list:
        return [ProductStated()]

    async def generate(self, task: Task, teacher: Teacher) -> list[Trajectory]:
        a, b = task.payload["a"], task.payload["b"]
        question = f"What is {a} × {b}? Answer with the number."
        out = await teacher.chat(ChatRequest(messages=[{"role": "user", "content": question}],
                                             sampling=self.cfg.teacher.sampling, seed=task.seed, affinity=task.id))
        return [Trajectory(pipeline=self.name, task_id=task.id, usage=out.usage(), meta={"answer": a * b},
                           messages=[Message(role="user", content=question),
                                     Message(role="assistant", content=out.completions[0].text)])]
