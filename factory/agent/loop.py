"""Multi-turn agent loop with turn and token limits. Malformed teacher output ends the trajectory
with a recorded reason; it never raises."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from factory.agent import hermes
from factory.agent.tools import ToolBox
from factory.config import SamplingConfig
from factory.errors import TeacherError, TeacherUnavailable
from factory.seeding import derive_seed
from factory.teacher.base import ChatRequest, Completion, Structured, Teacher
from factory.trajectory import Message, ToolCall, Usage

# What the teacher saw when tools went natively in the request (`tools`, `tool_calls`, role `tool`):
# the stored conversation as it is, the aside appended to the system prompt.
NATIVE_FORMAT = "openai-tools/1"


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
    teacher_format: str = hermes.TEACHER_FORMAT  # how the tools were offered: hermes text or NATIVE_FORMAT

    @property
    def finished(self) -> bool:
        return self.stop_reason in ("final", "submitted")


def _observe(res: LoopResult, msgs: list[Message], limits: LoopLimits, what: str) -> bool:
    """Answer a malformed turn with an error the model can act on, while the budget lasts."""
    if res.malformed_turns >= limits.malformed_observations:
        return False
    res.malformed_turns += 1
    how = ("Call a tool with a JSON object of its arguments." if res.teacher_format == NATIVE_FORMAT else
           "Call a tool as <tool_call>{\"name\": …, \"arguments\": {…}}</tool_call>, one JSON object per call.")
    msgs.append(Message(role="user", content=f"error: {what}. {how}"))
    return True


def native_messages(messages: list[Message], aside: str = "") -> list[dict[str, Any]]:
    """What a natively tool-calling teacher is sent: the portable conversation itself (its thinking
    left out: templates drop earlier turns' thinking, and hosted APIs refuse the key), `aside`
    appended to the system prompt."""
    out = []
    for i, m in enumerate(messages):
        d = m.to_chat()
        d.pop("reasoning_content", None)
        if i == 0 and m.role == "system" and aside:
            d["content"] = f"{m.content}\n\n{aside}"
        out.append(d)
    if aside and (not messages or messages[0].role != "system"):
        out.insert(0, {"role": "system", "content": aside})
    return out


def _native_errors(calls: list[ToolCall]) -> list[str]:
    """Native calls are parsed by the server, not validated: the same checks as the text format's."""
    errors = []
    for c in calls:
        if not c.name.strip():
            errors.append("tool_call_missing_name")
            continue
        try:
            args = json.loads(c.arguments) if c.arguments.strip() else {}
        except json.JSONDecodeError:
            errors.append("tool_call_arguments_not_json")
            continue
        if not isinstance(args, dict):
            errors.append("tool_call_arguments_not_object")
    return errors


def _calls(comp: Completion, text: str, turn: int, used: set[str]) -> hermes.Parsed:
    """The turn's calls: those the server parsed, plus any the visible text still holds in the
    Hermes form (a parser that missed them, or the text format). The thinking is never parsed: a
    draft call written while thinking is not a call. A server's call ids are kept (some templates
    render them); missing or repeated ones are numbered by turn."""
    parsed = hermes.parse(text, call_prefix=f"call_{turn}_")
    if comp.tool_calls:
        native = []
        for i, c in enumerate(comp.tool_calls):
            if not c.id or c.id in used:
                c = c.model_copy(update={"id": f"call_{turn}_n{i}"})
            used.add(c.id)
            native.append(c)
        parsed.calls = native + parsed.calls
        parsed.errors = _native_errors(native) + parsed.errors
    return parsed


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
                    aside: str = "", first_turn: int = 0, tool_choice: str | dict[str, Any] | None = None,
                    on_turn: Callable[[int, list[Message]], Awaitable[None]] | None = None) -> LoopResult:
    """`messages`: the portable conversation so far (the system prompt holds instructions only); the
    teacher is sent it with `aside` and the tools offered — natively (`NATIVE_FORMAT`) when the
    teacher's `tool_mode` is native and no guide constrains the turn, else in `hermes.TEACHER_FORMAT`.
    `tool_choice`: sent with native tools ("required", a named function …); None: the server's default.
    `first_turn`: where turn numbering (call ids, seeds) starts — a branch continues its parent's.
    `on_turn(turn, messages)`: awaited before each teacher turn (e.g. to snapshot an environment)."""
    msgs = list(messages)
    offered = tools.schemas()
    usage = Usage()
    res = LoopResult(msgs, usage, "max_turns")
    native = guide is None and teacher.tool_mode == "native"
    if native:
        res.teacher_format = NATIVE_FORMAT
    # A thinking teacher spends `thinking_budget` more tokens a turn than the pipeline's answer budget.
    budget = limits.max_completion_tokens + teacher.thinking_budget * limits.max_turns
    for turn in range(first_turn, first_turn + limits.max_turns):
        if on_turn is not None:
            await on_turn(turn, msgs)
        structured = guide.structured(turn, turn == first_turn + limits.max_turns - 1) if guide else None
        shown = elide(msgs, limits.context_chars)
        if native:
            req = ChatRequest(messages=native_messages(shown, aside), sampling=sampling,
                              seed=derive_seed(seed, "turn", turn), affinity=affinity,
                              tools=offered or None, tool_choice=tool_choice if offered else None)
        else:
            req = ChatRequest(messages=hermes.to_teacher_messages(shown, offered, aside), sampling=sampling,
                              seed=derive_seed(seed, "turn", turn), affinity=affinity, structured=structured)
        try:
            out = await teacher.chat(req)
        except TeacherUnavailable:
            raise  # the whole run stops; this task is not committed and will be redone
        except TeacherError as e:
            res.stop_reason = f"teacher_error:{e}"
            break
        res.usage = res.usage.add(out.usage())
        comp = out.completions[0]
        if comp.thinking_unterminated:
            # Its own reason: the fix is a larger thinking budget, not a better prompt.
            msgs.append(Message(role="assistant", content="", reasoning_content=comp.reasoning))
            res.stop_reason = "malformed:truncated_in_thinking"
            break
        text = comp.text
        if guide is not None:
            try:
                text = guide.render(text)
            except ValueError as e:
                msgs.append(Message(role="assistant", content=text, reasoning_content=comp.reasoning))
                why = "length" if comp.finish_reason == "length" else "invalid"
                if _observe(res, msgs, limits, f"your reply was not the JSON asked for ({why}: {e})"):
                    continue
                res.stop_reason = f"malformed:guided_{why}:{e}"
                break
        parsed = _calls(comp, text, turn, {c.id for m in msgs for c in m.tool_calls})
        msgs.append(Message(role="assistant", content=parsed.content, tool_calls=parsed.calls,
                            reasoning_content=comp.reasoning))
        if not parsed.calls and not parsed.errors and comp.finish_reason == "length" and guide is None:
            # A reply cut off by max_tokens is not a final answer, however it reads.
            res.stop_reason = "malformed:truncated"
            break
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
        if res.usage.completion_tokens >= budget:
            res.stop_reason = "max_tokens"
            break
    res.messages = msgs
    return res
