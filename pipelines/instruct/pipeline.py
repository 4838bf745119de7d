"""Per task: one reply from the teacher to the request with its constraints, checked by the rules.
Every reply is a row, met or not (`outcome` says which), so the same rows serve SFT (accepted ones)
and as a reward's reference (`factory export --format rl`, `factory tasks`)."""

from __future__ import annotations

from typing import Any, ClassVar

from factory.pipeline import Pipeline
from factory.rl.episode import Episode, TextEpisode
from factory.seeding import derive_seed
from factory.teacher.base import ChatRequest, Teacher
from factory.trajectory import Message, Task, Trajectory
from factory.verify.base import Verifier
from pipelines.instruct import PIPELINE
from pipelines.instruct.tasks import InstructTask, Options, load_tasks
from pipelines.instruct.verifiers import InstructionsVerifier, IntegrityVerifier


class InstructPipeline(Pipeline):
    name: ClassVar[str] = "instruct"
    description: ClassVar[str] = PIPELINE.description
    Options: ClassVar[type[Options]] = Options
    stat_keys: ClassVar[tuple[str, ...]] = ("kinds", "n_constraints")
    summary_keys: ClassVar[tuple[str, ...]] = ("n_constraints",)  # a value per combination of kinds: `stats --by`
    inspect_keys: ClassVar[tuple[str, ...]] = ("topic", "kinds")
    stream_option: ClassVar[str | None] = "tasks"
    options: Options

    def tasks(self) -> list[Task]:
        return load_tasks(self.options, self.cfg.seed)

    def verifiers(self) -> list[Verifier]:
        return [InstructionsVerifier(), IntegrityVerifier()]

    def _meta(self, p: InstructTask) -> dict[str, Any]:
        return {"topic": p.topic, "constraints": p.constraints, "n_constraints": len(p.constraints),
                "kinds": ",".join(sorted(c["kind"] for c in p.constraints))}

    async def generate(self, task: Task, teacher: Teacher) -> list[Trajectory]:
        p = InstructTask.model_validate(task.payload)
        prompt = [Message(role="user", content=p.prompt())]
        sampling = self.cfg.teacher.sampling.model_copy(update={"max_tokens": self.options.max_tokens})
        out = await teacher.chat(ChatRequest(messages=[m.to_chat() for m in prompt], sampling=sampling,
                                             seed=derive_seed(task.seed, "reply"), affinity=task.id))
        c = out.completions[0]
        meta = self._meta(p)
        if c.thinking_unterminated or c.finish_reason == "length":
            meta["failure_reason"] = ("malformed:truncated_in_thinking" if c.thinking_unterminated
                                      else "malformed:truncated")
        reply = Message(role="assistant", content=c.text.strip(), reasoning_content=c.reasoning)
        return [Trajectory(pipeline=self.name, task_id=task.id, seed=task.seed, messages=[*prompt, reply],
                           meta=meta, usage=out.usage())]

    def postprocess(self, verified: list[Trajectory]) -> list[Trajectory]:
        return [t if t.accepted or t.outcome == "error" else t.model_copy(update={"outcome": "failure"})
                for t in verified]

    # -- as an RL environment -------------------------------------------------------------------
    def rl_episode(self, task: Task) -> Episode:
        p = InstructTask.model_validate(task.payload)
        return TextEpisode(self, task, [Message(role="user", content=p.prompt())], self._meta(p))

    def rl_reward(self, row: Trajectory) -> tuple[float, str]:
        """Partial credit: the share of constraints met, unless the reply games them (then 0)."""
        v = {x.verifier: x for x in row.verdicts}
        gate = next((x for x in row.verdicts if not x.passed and x.verifier not in ("instructions", "length")), None)
        if gate is not None:
            return 0.0, f"{gate.verifier}:{gate.reason}"
        got = v.get("instructions")
        return (got.score, got.reason and f"instructions:{got.reason}") if got else (0.0, "instructions:missing")
