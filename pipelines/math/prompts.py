"""The system prompt of an agent module, and the turn guide that keeps a small teacher in the
plan → act → feedback → reflect format (structured output per turn, rendered as Hermes text)."""

from __future__ import annotations

import json
from typing import Any

from factory.agent import hermes
from factory.schema import ToolCall
from factory.teacher.base import Structured
from pipelines.math.tools import SCHEMAS

FORMAT = ("Work in a loop. First write your plan inside <plan>...</plan> and call a tool. After each tool "
          "result, write what it shows inside <reflection>...</reflection>, then either call another tool or "
          "finish. Finish with the final answer as \\boxed{...}: exact values, no units, a set as \\{a, b\\}.")


def system_prompt(focus: str, schemas: list[dict[str, Any]]) -> str:
    """`schemas`: the OpenAI function schemas of the tools offered (`ToolBox.schemas()`)."""
    return hermes.tools_system_prompt(f"You are a careful mathematician. {focus}\n{FORMAT}", schemas)


def _capped(schema: dict[str, Any], max_chars: int) -> dict[str, Any]:
    """The tool's argument schema with every string capped, so a turn fits its token budget."""
    props = {k: {**v, "maxLength": max_chars} if v.get("type") == "string" else v
             for k, v in schema["properties"].items()}
    return {**schema, "properties": props}


def _call_schema(tools: list[str], max_chars: int) -> dict[str, Any]:
    return {"anyOf": [{"type": "object", "properties": {"name": {"const": n},
                                                        "arguments": _capped(SCHEMAS[n][1], max_chars)},
                       "required": ["name", "arguments"], "additionalProperties": False} for n in tools]}


def _text(max_chars: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_chars}


class MathGuide:
    """Turn 0: a plan and a tool call. Later turns: a reflection, then a tool call or the final
    answer; the last allowed turn must answer. The JSON reply becomes `<plan>…</plan>` /
    `<reflection>…</reflection>` text with a Hermes `<tool_call>` or a `\\boxed{}` answer."""

    def __init__(self, tools: list[str], max_chars: int):
        self.tools, self.max_chars = tools, max_chars

    def structured(self, turn: int, last: bool) -> Structured:
        call = _call_schema(self.tools, self.max_chars * 3 // 2)
        final = {"type": "string", "minLength": 1, "maxLength": 80}  # a value, not a sentence
        if turn == 0 and not last:
            props: dict[str, Any] = {"plan": _text(self.max_chars), "tool_call": call}
        elif last:
            props = {"reflection": _text(self.max_chars), "final_answer": final}
        else:
            props = {"reflection": _text(self.max_chars),
                     "next": {"anyOf": [{"type": "object", "properties": {"tool_call": call}, "required": ["tool_call"],
                                         "additionalProperties": False},
                                        {"type": "object", "properties": {"final_answer": final},
                                         "required": ["final_answer"], "additionalProperties": False}]}}
        return Structured(json_schema={"type": "object", "properties": props, "required": list(props),
                                       "additionalProperties": False})

    def render(self, raw: str) -> str:
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ValueError("not_json") from e
        if not isinstance(obj, dict):
            raise ValueError("not_object")
        nxt = obj.get("next") if isinstance(obj.get("next"), dict) else obj
        parts = []
        for tag in ("plan", "reflection"):
            if isinstance(obj.get(tag), str):
                parts.append(f"<{tag}>\n{obj[tag].strip()}\n</{tag}>")
        call, final = nxt.get("tool_call"), nxt.get("final_answer")
        if isinstance(call, dict) and isinstance(call.get("name"), str):
            parts.append(hermes.render_call(ToolCall(id="", name=call["name"],
                                                     arguments=json.dumps(call.get("arguments", {})))))
        elif isinstance(final, str):
            parts.append(f"Final answer: \\boxed{{{final.strip()}}}")
        else:
            raise ValueError("neither_tool_call_nor_answer")
        return "\n\n".join(parts)
