"""One agent attempt, from a pipeline's knobs to a stored row: the steps every agentic pipeline
shares (per-attempt sampling, the loop's budget, the fields every agent row's `meta` carries, the
tools offered as JSON). A pipeline keeps only what is its own: prompts, tools, guide, its meta."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from factory.agent.loop import LoopLimits, LoopResult, TurnGuide, run_agent
from factory.agent.tools import ToolBox
from factory.config import SamplingConfig
from factory.teacher.base import Teacher
from factory.trajectory import Branch, Message, Task, Trajectory, Usage


@dataclass(frozen=True)
class Budget:
    """How long an attempt may go on, and how hot: a pipeline builds it from its options."""

    max_turns: int
    turn_max_tokens: int
    temperature: float | None = None  # None: the run's teacher sampling
    context_chars: int | None = None
    malformed_observations: int = 0

    @classmethod
    def of(cls, options: Any, **extra: Any) -> Budget:
        """From a pipeline's options that name `max_turns`, `turn_max_tokens` (and `temperature`)."""
        return cls(options.max_turns, options.turn_max_tokens, getattr(options, "temperature", None), **extra)

    def sampling(self, base: SamplingConfig) -> SamplingConfig:
        update: dict[str, Any] = {"max_tokens": self.turn_max_tokens}
        if self.temperature is not None:
            update["temperature"] = self.temperature
        return base.model_copy(update=update)

    def limits(self, max_turns: int | None = None) -> LoopLimits:
        turns = max_turns or self.max_turns
        return LoopLimits(max_turns=turns, max_completion_tokens=turns * self.turn_max_tokens,
                          context_chars=self.context_chars, malformed_observations=self.malformed_observations)


async def attempt(teacher: Teacher, messages: list[Message], toolbox: ToolBox, base: SamplingConfig,
                  budget: Budget, *, seed: int, affinity: str, guide: TurnGuide | None = None, aside: str = "",
                  max_turns: int | None = None, **loop: Any) -> LoopResult:
    """`run_agent` with the budget's sampling and limits; `loop`: run_agent's other keywords."""
    return await run_agent(teacher, messages, toolbox, budget.sampling(base), seed=seed,
                           limits=budget.limits(max_turns), affinity=affinity, guide=guide, aside=aside, **loop)


def loop_meta(res: LoopResult, *, guided: bool, aside: str | None = None, stop_reason: str | None = None,
              failed: bool | None = None) -> dict[str, Any]:
    """The fields every agent row carries. `stop_reason` overrides the loop's (a pipeline that ran
    more phases after it); `failed` overrides "did not finish" as the reason to set `failure_reason`
    (which the generic verifier turns into the row's rejection)."""
    stop = stop_reason or res.stop_reason
    meta: dict[str, Any] = {"stop_reason": stop, "tool_calls": res.tool_calls, "tool_errors": res.tool_errors,
                            "malformed_turns": res.malformed_turns, "guided": guided,
                            "teacher_format": res.teacher_format, "teacher_aside": aside}
    if (stop not in ("final", "submitted")) if failed is None else failed:
        meta["failure_reason"] = stop
    return meta


def agent_row(pipeline: str, task: Task, res: LoopResult, meta: dict[str, Any], tools: list[dict[str, Any]], *,
              messages: list[Message] | None = None, usage: Usage | None = None,
              branch: Branch | None = None) -> Trajectory:
    """The stored row: the loop's conversation and usage (unless the pipeline changed them), and the
    tools it offered as the OpenAI-style JSON a trainer renders with the chat template."""
    extra: dict[str, Any] = {"branch": branch} if branch is not None else {}
    return Trajectory(pipeline=pipeline, task_id=task.id, messages=res.messages if messages is None else messages,
                      usage=res.usage if usage is None else usage, meta=meta, tools=json.dumps(tools), **extra)
