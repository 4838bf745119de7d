"""The multi-turn loop as an object a trainer drives: `reset(task)` gives the policy's first messages
and its tools; `step(message)` runs the message's tool calls for real on the pipeline's runtimes and
gives their results back; a message without calls (or a call of an ending tool such as `submit`, or the
turn limit) ends the episode with the reward the verifiers give the whole conversation. Messages go in
and out as chat dicts (OpenAI tool calls, arguments as objects): what `apply_chat_template` takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from factory.export.formats import chat_messages
from factory.rl.completion import MalformedCompletion, messages_of
from factory.rl.episode import Episode
from factory.rl.scorer import Reward, Scorer, as_task
from factory.trajectory import Message, Task


@dataclass
class Step:
    messages: list[dict[str, Any]]  # tool results to append to the conversation (empty when done)
    done: bool
    reward: float | None = None
    reason: str = ""
    info: dict[str, Any] = field(default_factory=dict)  # accepted, verdicts


def _chat(msgs: list[Message]) -> list[dict[str, Any]]:
    return chat_messages([m.model_dump(mode="json") for m in msgs])


class Environment:
    """One episode at a time; many environments can share one `Scorer` (and so one set of runtimes)."""

    def __init__(self, scorer: Scorer, max_turns: int = 16):
        self.scorer, self.max_turns = scorer, max_turns
        self._episode: Episode | None = None
        self._messages: list[Message] = []
        self._turns = 0
        self.result: Reward | None = None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The whole conversation so far."""
        return _chat(self._messages)

    async def areset(self, task: Task | dict[str, Any] | str) -> dict[str, Any]:
        await self.aclose()
        episode = self.scorer.pipeline.rl_episode(as_task(task))
        await episode.open()
        self._episode, self._messages, self._turns, self.result = episode, episode.prompt(), 0, None
        return {"messages": _chat(self._messages), "tools": episode.tools()}

    async def astep(self, message: Any) -> Step:
        ep = self._episode
        if ep is None:
            raise RuntimeError("call reset(task) first (or the episode already ended)")
        try:
            said = [m for m in messages_of(message) if m.role == "assistant"]
        except MalformedCompletion as e:
            return await self._end(Reward(0.0, str(e)))
        if len(said) != 1:
            return await self._end(Reward(0.0, "malformed:step_takes_one_assistant_message"))
        m = said[0]
        self._messages.append(m)
        self._turns += 1
        results = []
        for c in m.tool_calls:
            res = await ep.call(c)
            results.append(Message(role="tool", content=res.content, tool_call_id=c.id, name=c.name))
        self._messages += results
        ended = any(ep.ends(c.name) for c, r in zip(m.tool_calls, results, strict=True) if not r.content.startswith("error:"))
        if not m.tool_calls or ended or self._turns >= self.max_turns:
            row = await ep.row(self._messages)
            if m.tool_calls and not ended:
                row.meta.setdefault("failure_reason", f"max_turns:{self.max_turns}")
            return await self._end(await self.scorer.judge(row), results)
        return Step(_chat(results), False)

    async def _end(self, reward: Reward, results: list[Message] | None = None) -> Step:
        self.result = reward
        await self.aclose()
        return Step(_chat(results or []), True, reward.value, reward.reason,
                    {"accepted": reward.accepted, "verdicts": [v.model_dump() for v in reward.verdicts]})

    async def aclose(self) -> None:
        ep, self._episode = self._episode, None
        if ep is not None:
            await ep.close()

    # -- for synchronous callers (the scorer's loop thread runs the episode) -----------------------
    def reset(self, task: Task | dict[str, Any] | str) -> dict[str, Any]:
        return self.scorer.loop.run(self.areset(task))

    def step(self, message: Any) -> Step:
        return self.scorer.loop.run(self.astep(message))

    def close(self) -> None:
        self.scorer.loop.run(self.aclose())
