"""A teacher's reply taken apart the same way whatever served it: the thinking (a reasoning parser's
field, or a `<think>` block no parser removed), the visible content, and natively parsed calls.
Both the HTTP backend and the in-process engine end here, so a model reads the same in both."""

from __future__ import annotations

import json
from typing import Any

from factory.teacher.base import Completion
from factory.trajectory import ToolCall

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"


def split_thinking(text: str) -> tuple[str | None, str, bool]:
    """(reasoning, content, unterminated) of a reply whose thinking is still inline.

    `<think>…</think>` at the start is the thinking; a `</think>` with no opening tag before it means
    the chat template opened the block in the prompt (DeepSeek-R1, QwQ), so the reply begins inside
    it; an opened block that never closes is all thinking, cut off."""
    lead = text.lstrip()
    if lead.startswith(THINK_OPEN):
        body = lead[len(THINK_OPEN):]
        end = body.find(THINK_CLOSE)
        if end < 0:
            return body.strip(), "", True
        return body[:end].strip(), body[end + len(THINK_CLOSE):].strip(), False
    end = text.find(THINK_CLOSE)
    if end >= 0 and THINK_OPEN not in text[:end]:
        return text[:end].strip(), text[end + len(THINK_CLOSE):].strip(), False
    return None, text, False


def completion(content: str | None, reasoning: str | None, finish_reason: str | None, tokens: int,
               tool_calls: list[ToolCall] | None = None) -> Completion:
    """A Completion from what a server or parser handed back (either of content/reasoning may be None)."""
    text = content or ""
    unterminated = False
    if reasoning is None:
        reasoning, text, unterminated = split_thinking(text)
    elif THINK_CLOSE in text and THINK_OPEN not in text:  # a parser that left the closing tag behind
        text = text.split(THINK_CLOSE, 1)[1]
    text = text.strip() if reasoning is not None else text
    if finish_reason == "length" and reasoning and not text and not tool_calls:
        unterminated = True  # the budget ran out while thinking: there is no answer, only its start
    return Completion(text, finish_reason, tokens, reasoning=reasoning or None, tool_calls=tool_calls,
                      thinking_unterminated=unterminated)


def calls_from_openai(raw: Any, prefix: str = "call_") -> list[ToolCall] | None:
    """`message.tool_calls` of an OpenAI-style answer → ToolCalls (ids kept, missing ones made up);
    None when there are none. Arguments stay the string the server sent: the agent loop judges them."""
    if not raw:
        return None
    out = []
    for i, c in enumerate(raw):
        fn = (c or {}).get("function") or {}
        args = fn.get("arguments")
        if not isinstance(args, str):
            args = json.dumps(args if args is not None else {}, ensure_ascii=False)
        out.append(ToolCall(id=str(c.get("id") or f"{prefix}{i}"), function={"name": str(fn.get("name") or ""),
                                                                             "arguments": args}))
    return out


def from_openai_choice(choice: dict[str, Any], tokens: int) -> Completion:
    msg = choice.get("message") or {}
    # vLLM says `reasoning` (newer) or `reasoning_content` (older, DeepSeek's API); either may be null.
    reasoning = msg.get("reasoning_content")
    if reasoning is None:
        reasoning = msg.get("reasoning")
    return completion(msg.get("content"), reasoning, choice.get("finish_reason"), tokens,
                      calls_from_openai(msg.get("tool_calls")))
