"""Hermes-style tool calls (`<tool_call>{"name": .., "arguments": ..}</tool_call>`), the format the
Youtu-LLM family is served with. Parsing is lenient about wrapping (code fences, a missing closing
tag at the very end, arguments given as a JSON string) and strict about content."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from factory.trajectory import Message, ToolCall

_BLOCK = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.S)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


@dataclass
class Parsed:
    content: str
    calls: list[ToolCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _parse_one(raw: str, idx: int, call_prefix: str) -> ToolCall | str:
    body = _FENCE.sub("", raw.strip()).strip()
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        return "tool_call_not_json"
    try:
        obj = json.loads(body[start:end + 1])
    except json.JSONDecodeError:
        return "tool_call_not_json"
    if not isinstance(obj, dict):
        return "tool_call_not_object"
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        return "tool_call_missing_name"
    args: Any = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError:
            return "tool_call_arguments_not_json"
    if not isinstance(args, dict):
        return "tool_call_arguments_not_object"
    return ToolCall(id=f"{call_prefix}{idx}", name=name.strip(), arguments=json.dumps(args, ensure_ascii=False))


def parse(text: str, call_prefix: str = "call_") -> Parsed:
    calls: list[ToolCall] = []
    errors: list[str] = []
    for i, m in enumerate(_BLOCK.finditer(text)):
        got = _parse_one(m.group(1), i, call_prefix)
        (errors.append(got) if isinstance(got, str) else calls.append(got))
    content = _BLOCK.sub("", text).strip()
    if "</tool_call>" in content:
        errors.append("tool_call_unbalanced_tags")
    return Parsed(content=content, calls=calls, errors=errors)


def render_call(call: ToolCall) -> str:
    return ("<tool_call>\n" + json.dumps({"name": call.name, "arguments": json.loads(call.arguments)},
                                         ensure_ascii=False) + "\n</tool_call>")


# The name and version of what `to_teacher_messages` makes of a stored conversation. Rows keep the
# portable conversation (no tools block in the system prompt, calls as structured `tool_calls`);
# pipelines record this in meta so what the teacher saw can be rebuilt from `messages` + `tools`.
TEACHER_FORMAT = "hermes-tools/1"


def tools_system_prompt(preamble: str, tools: list[dict[str, Any]]) -> str:
    """The Hermes system prompt that offers `tools` (OpenAI function schemas)."""
    if not tools:
        return preamble
    listing = "\n".join(json.dumps(t, ensure_ascii=False) for t in tools)
    return (f"{preamble}\n\nYou may call one or more functions to assist with the user query. "
            f"Function signatures are given within <tools></tools> XML tags:\n<tools>\n{listing}\n</tools>\n\n"
            "For each function call, return a JSON object with the function name and arguments within "
            "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
            "<args-json-object>}\n</tool_call>")


_OFFER = "\n\nYou may call one or more functions to assist with the user query."


def strip_tools_block(system: str, tools: list[dict[str, Any]]) -> str | None:
    """The instructions of a system prompt that `tools_system_prompt` rendered for exactly `tools`
    (as schema-version-1 rows stored it); None when `system` is not such a prompt."""
    cut = system.find(_OFFER)
    if cut < 0:
        return None
    preamble = system[:cut]
    return preamble if tools and tools_system_prompt(preamble, tools) == system else None


def to_teacher_messages(messages: list[Message], tools: list[dict[str, Any]] | None = None,
                        aside: str = "") -> list[dict[str, Any]]:
    """What the teacher is sent (format `TEACHER_FORMAT`): the system prompt plus `aside` (teacher-only
    guidance such as a worked example, never stored in the row) and the tools offered as a Hermes
    block, tool calls inline in Hermes form, tool results wrapped in <tool_response> as user turns,
    so that any chat template (tool-aware or not) renders them."""
    out: list[dict[str, Any]] = []
    if (tools or aside) and (not messages or messages[0].role != "system"):
        out.append({"role": "system", "content": tools_system_prompt(aside, tools or []).lstrip()})
    for i, m in enumerate(messages):
        if i == 0 and m.role == "system" and (tools or aside):
            text = f"{m.content}\n\n{aside}" if aside else m.content
            out.append({"role": "system", "content": tools_system_prompt(text, tools or [])})
            continue
        if m.role == "assistant" and m.tool_calls:
            text = "\n".join([m.content, *(render_call(c) for c in m.tool_calls)]).strip()
            out.append({"role": "assistant", "content": text})
        elif m.role == "tool":
            block = f"<tool_response>\n{m.content}\n</tool_response>"
            if i > 0 and messages[i - 1].role == "tool":  # results of one turn's calls share a user turn
                out[-1]["content"] += "\n" + block
            else:
                out.append({"role": "user", "content": block})
        else:
            out.append({"role": m.role, "content": m.content})
    return out
