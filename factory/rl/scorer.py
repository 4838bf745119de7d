"""Rewards from the verifiers a run uses. A `Scorer` holds one pipeline instance (opened once: its
sandbox pools, MCP servers, search index) and scores completions against tasks: the completion's tool
calls are run again for real in the task's episode — a recorded result a deterministic tool would not
have given is a forged observation, reward 0 — then the row is decided exactly as `factory verify`
decides it and the pipeline turns the verdicts into a reward. At most `concurrency` completions are
scored at once, each within `timeout_s`."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from factory.config import RunConfig, load_config
from factory.pipeline.registry import get_pipeline
from factory.rl.completion import MalformedCompletion, messages_of
from factory.rl.episode import Episode
from factory.rl.loop import LoopThread
from factory.trajectory import Message, Task, Trajectory, Verdict
from factory.verify.decide import decide
from factory.verify.generic import generic_verifiers

log = logging.getLogger(__name__)
MAX_CALLS = 64  # a completion replaying more calls than this is refused, not run


@dataclass
class Reward:
    value: float
    reason: str = ""  # '' when nothing was wrong; else `verifier:reason` (or malformed/forged/timeout)
    accepted: bool = False  # whether `factory verify` would accept the row
    verdicts: list[Verdict] = field(default_factory=list)
    row: Trajectory | None = None  # the row as judged (the conversation with real tool results)


def as_task(task: Task | dict[str, Any] | str) -> Task:
    """A task as the RL dataset stores it (JSON text), as a dict, or as a Task."""
    if isinstance(task, Task):
        return task
    return Task.model_validate_json(task) if isinstance(task, str) else Task.model_validate(task)


async def replay(episode: Episode, completion: list[Message]) -> list[Message] | Reward:
    """The completion with every call run for real, in order; a recorded result is kept only when the
    real one matches it (or the tool is not deterministic), a missing one is filled in."""
    out: list[Message] = []
    pending: dict[str, tuple[str, str]] = {}  # call id → (tool name, real result)
    calls = 0

    def flush() -> None:
        for cid, (name, real) in pending.items():
            out.append(Message(role="tool", content=real, tool_call_id=cid, name=name))
        pending.clear()

    for m in completion:
        if m.role == "assistant":
            flush()
            out.append(m)
            for c in m.tool_calls:
                calls += 1
                if calls > MAX_CALLS:
                    return Reward(0.0, f"too_many_calls:>{MAX_CALLS}")
                pending[c.id] = (c.name, (await episode.call(c)).content)
        else:
            got = pending.pop(m.tool_call_id or "", None)
            if got is None:
                return Reward(0.0, "forged_observation:result_without_call")
            name, real = got
            if episode.deterministic(name) and m.content.strip() != real.strip():
                return Reward(0.0, f"forged_observation:{name}")
            out.append(Message(role="tool", content=real, tool_call_id=m.tool_call_id, name=name))
    flush()
    return out


class Scorer:
    def __init__(self, pipeline: str | None = None, *, config: Path | str | RunConfig | None = None,
                 concurrency: int = 4, timeout_s: float = 600.0):
        if config is None and pipeline is None:
            raise ValueError("Scorer: give a pipeline name or a run config")
        cfg = config if isinstance(config, RunConfig) else (
            load_config(Path(config), {}) if config is not None else RunConfig(pipeline=str(pipeline)))
        if pipeline is not None and cfg.pipeline != pipeline:
            raise ValueError(f"Scorer: config is for pipeline '{cfg.pipeline}', not '{pipeline}'")
        self.cfg = cfg
        self.pipeline = get_pipeline(cfg.pipeline)(cfg)
        self.pipeline.open()
        self.verifiers = generic_verifiers(cfg.verify, self.pipeline.repetition_per_message) + self.pipeline.verifiers()
        self.concurrency, self.timeout_s = concurrency, timeout_s
        self.loop = LoopThread()
        self._gate: asyncio.Semaphore | None = None
        # A trainer script rarely closes its reward functions: release the sandboxes and servers when
        # the scorer is collected or the interpreter exits, not never (containers would outlive it).
        self._finalizer = weakref.finalize(self, _release, self.loop, self.pipeline)

    # -- the verdict ------------------------------------------------------------------------------
    async def judge(self, row: Trajectory) -> Reward:
        """Decide the row as a run would (verifiers may block: they run on a worker thread)."""
        t = (await asyncio.to_thread(decide, [row], self.verifiers, self.pipeline))[0]
        value, reason = self.pipeline.rl_reward(t)
        return Reward(float(value), reason, t.accepted, t.verdicts, t)

    async def ascore(self, task: Task | dict[str, Any] | str, completion: Any) -> Reward:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.concurrency)
        async with self._gate:
            try:
                return await asyncio.wait_for(self._score(as_task(task), completion), self.timeout_s)
            except TimeoutError:
                return Reward(0.0, f"timeout:{self.timeout_s:.0f}s")

    async def _score(self, task: Task, completion: Any) -> Reward:
        try:
            said = messages_of(completion)
        except MalformedCompletion as e:
            return Reward(0.0, str(e))
        episode = self.pipeline.rl_episode(task)
        await episode.open()
        try:
            real = await replay(episode, said)
            if isinstance(real, Reward):
                return real
            return await self.judge(await episode.row(episode.prompt() + real))
        finally:
            await episode.close()

    # -- for synchronous callers ------------------------------------------------------------------
    def score(self, task: Task | dict[str, Any] | str, completion: Any) -> Reward:
        return self.loop.run(self.ascore(task, completion))

    def score_batch(self, tasks: Sequence[Task | dict[str, Any] | str], completions: Sequence[Any]) -> list[Reward]:
        if len(tasks) != len(completions):
            raise ValueError(f"{len(tasks)} tasks but {len(completions)} completions")

        async def all_of() -> list[Reward]:
            return list(await asyncio.gather(*(self.ascore(t, c) for t, c in zip(tasks, completions, strict=True))))
        rewards = self.loop.run(all_of())
        for r in rewards:
            if r.reason:
                log.debug("reward %.3f: %s", r.value, r.reason)
        return rewards

    def close(self) -> None:
        self._finalizer()

    def __enter__(self) -> "Scorer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _release(loop: LoopThread, pipeline: Any) -> None:
    loop.close()
    pipeline.close()
