"""A policy's completion as messages, whatever shape the trainer hands it over in: a string (a leading
`<think>` block becomes `reasoning_content`, Hermes `<tool_call>` blocks become calls), one chat message,
or a list of them (OpenAI tool calls, arguments as objects or JSON strings)."""

from __future__ import annotations

import json
import re
from typing import Any

from factory.agent import hermes
from factory.records import call_parts
from factory.trajectory import Message, ToolCall

_THINK = re.compile(r"^\s*(?:<think>)?(.*?)</think>\s*", re.S)


class MalformedCompletion(ValueError):
    """Not a completion this module can read; the reward is 0 with this as the reason."""


def _split_think(text: str) -> tuple[str, str | None]:
    # Qwen3-style templates put `<think>` in the prompt, so a completion may start inside the block.
    m = _THINK.match(text) if "</think>" in text else None
    if m is None:
        return text, None
    return text[m.end():], m.group(1).strip() or None


def _from_text(text: str, n: int) -> Message:
    content, reasoning = _split_think(text)
    if "<tool_call>" not in content:
        return Message(role="assistant", content=content.strip(), reasoning_content=reasoning)
    parsed = hermes.parse(content, call_prefix=f"call_{n}_")
    if parsed.errors:
        raise MalformedCompletion(f"malformed:{parsed.errors[0]}")
    return Message(role="assistant", content=parsed.content, tool_calls=parsed.calls, reasoning_content=reasoning)


def _from_dict(d: dict[str, Any], n: int) -> Message:
    role = d.get("role", "assistant")
    if role not in ("assistant", "tool"):
        raise MalformedCompletion(f"malformed:role_{role}_in_completion")
    content = d.get("content") or ""
    if not isinstance(content, str):
        raise MalformedCompletion("malformed:content_not_text")
    if role == "tool":
        return Message(role="tool", content=content, tool_call_id=d.get("tool_call_id"), name=d.get("name"))
    calls = []
    for i, c in enumerate(d.get("tool_calls") or []):
        cid, name, args = call_parts(c)
        try:
            if not isinstance(json.loads(args), dict):
                raise MalformedCompletion(f"malformed:arguments_not_object:{name}")
        except json.JSONDecodeError:
            raise MalformedCompletion(f"malformed:arguments_not_json:{name}") from None
        calls.append(ToolCall(id=cid or f"call_{n}_{i}", name=name, arguments=args))
    reasoning = d.get("reasoning_content") or d.get("reasoning")
    if not calls and reasoning is None:  # a plain string in a message: it may hold <think> and Hermes calls
        return _from_text(content, n)
    return Message(role="assistant", content=content, tool_calls=calls, reasoning_content=reasoning)


def messages_of(completion: Any) -> list[Message]:
    """Raises MalformedCompletion for a shape it cannot read."""
    if isinstance(completion, str):
        return [_from_text(completion, 0)]
    if isinstance(completion, dict):
        completion = [completion]
    if not isinstance(completion, list) or not all(isinstance(d, dict) for d in completion):
        raise MalformedCompletion(f"malformed:completion_is_{type(completion).__name__}")
    out: list[Message] = []
    for d in completion:
        out.append(_from_dict(d, sum(m.role == "assistant" for m in out)))
    return out
