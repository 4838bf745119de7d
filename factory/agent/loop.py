"""Multi-turn agent loop with turn and token limits. Malformed teacher output ends the trajectory
with a recorded reason; it never raises."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from factory.agent import hermes
from factory.agent.tools import ToolBox
from factory.config import SamplingConfig
from factory.errors import TeacherUnavailable, TeacherError
from factory.schema import Message, Usage
from factory.seeding import derive_seed
from factory.teacher.base import ChatRequest, Structured, Teacher


class TurnGuide(Protocol):
    """Constrains each turn (structured output) and turns the constrained reply into the
    Hermes-format text the trajectory stores. For small teachers that cannot keep a format alone."""

    def structured(self, turn: int, last: bool) -> Structured | None: ...

    def render(self, raw: str) -> str:
        """Raise ValueError when `raw` does not hold what `structured` asked for."""
        ...


@dataclass
class LoopLimits:
    max_turns: int = 8
    max_completion_tokens: int = 4096
    malformed_observations: int = 0
    """malformed turns answered with an error message the model can act on (instead of ending the
    trajectory), at most this many; counted in `LoopResult.malformed_turns`"""
    context_chars: int | None = None
    """budget for tool output in what the teacher is sent: older outputs beyond it are elided
    (the stored row keeps them whole)"""


@dataclass
class LoopResult:
    messages: list[Message]
    usage: Usage
    stop_reason: str  # "final" | "submitted" | "max_turns" | "max_tokens" | "malformed:<why>" | "teacher_error:<why>"
    tool_errors: list[str] = field(default_factory=list)
    tool_calls: int = 0
    malformed_turns: int = 0

    @property
    def finished(self) -> bool:
        return self.stop_reason in ("final", "submitted")


def _observe(res: LoopResult, msgs: list[Message], limits: LoopLimits, what: str) -> bool:
    """Answer a malformed turn with an error the model can act on, while the budget lasts."""
    if res.malformed_turns >= limits.malformed_observations:
        return False
    res.malformed_turns += 1
    msgs.append(Message(role="user", content=f"error: {what}. Call a tool as <tool_call>{{\"name\": …, "
                                             f"\"arguments\": {{…}}}}</tool_call>, one JSON object per call."))
    return True


def elide(messages: list[Message], budget: int | None) -> list[Message]:
    """Tool outputs, newest first, kept whole while they fit in `budget` characters; older ones
    are replaced by a one-line marker, so a long session stays inside the teacher's context."""
    if budget is None:
        return messages
    out = list(messages)
    used = 0
    for i in range(len(out) - 1, -1, -1):
        m = out[i]
        if m.role != "tool":
            continue
        used += len(m.content)
        if used > budget:
            out[i] = m.model_copy(update={"content": f"[output elided to save context: {len(m.content)} characters]"})
    return out


async def run_agent(teacher: Teacher, messages: list[Message], tools: ToolBox, sampling: SamplingConfig,
                    seed: int, limits: LoopLimits, affinity: str, guide: TurnGuide | None = None,
                    aside: str = "", first_turn: int = 0,
                    on_turn: Callable[[int, list[Message]], Awaitable[None]] | None = None) -> LoopResult:
    """`messages`: the portable conversation so far (the system prompt holds instructions only); the
    teacher is sent it with `aside` and the tools offered, in `hermes.TEACHER_FORMAT`.
    `first_turn`: where turn numbering (call ids, seeds) starts — a branch continues its parent's.
    `on_turn(turn, messages)`: awaited before each teacher turn (e.g. to snapshot an environment)."""
    msgs = list(messages)
    offered = tools.schemas()
    usage = Usage()
    res = LoopResult(msgs, usage, "max_turns")
    for turn in range(first_turn, first_turn + limits.max_turns):
        if on_turn is not None:
            await on_turn(turn, msgs)
        structured = guide.structured(turn, turn == first_turn + limits.max_turns - 1) if guide else None
        req = ChatRequest(messages=hermes.to_teacher_messages(elide(msgs, limits.context_chars), offered, aside),
                          sampling=sampling,
                          seed=derive_seed(seed, "turn", turn), affinity=affinity, structured=structured)
        try:
            out = await teacher.chat(req)
        except TeacherUnavailable:
            raise  # the whole run stops; this task is not committed and will be redone
        except TeacherError as e:
            res.stop_reason = f"teacher_error:{e}"
            break
        res.usage = res.usage.add(out.usage())
        text = out.completions[0].text
        if guide is not None:
            try:
                text = guide.render(text)
            except ValueError as e:
                msgs.append(Message(role="assistant", content=text))
                why = "length" if out.completions[0].finish_reason == "length" else "invalid"
                if _observe(res, msgs, limits, f"your reply was not the JSON asked for ({why}: {e})"):
                    continue
                res.stop_reason = f"malformed:guided_{why}:{e}"
                break
        parsed = hermes.parse(text, call_prefix=f"call_{turn}_")
        msgs.append(Message(role="assistant", content=parsed.content, tool_calls=parsed.calls))
        if parsed.errors:
            if not parsed.calls and _observe(res, msgs, limits, f"your tool call could not be parsed ({parsed.errors[0]})"):
                continue
            res.stop_reason = f"malformed:{parsed.errors[0]}"
            break
        if not parsed.calls:
            res.stop_reason = "final"
            break
        ended = False
        for call in parsed.calls:
            result = await tools.call(call)
            res.tool_calls += 1
            if not result.ok:
                res.tool_errors.append(result.error)
            msgs.append(Message(role="tool", content=result.content, tool_call_id=call.id, name=call.name))
            ended = ended or (result.ok and tools.ends(call.name))
        if ended:
            res.stop_reason = "submitted"
            break
        if res.usage.completion_tokens >= limits.max_completion_tokens:
            res.stop_reason = "max_tokens"
            break
    res.messages = msgs
    return res
