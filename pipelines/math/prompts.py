"""The system prompt of an agent module, and the turn guide that keeps a small teacher in the
plan → act → feedback → reflect format (structured output per turn, rendered as Hermes text)."""

from __future__ import annotations

import json
from typing import Any

from factory.agent import hermes
from factory.teacher.base import Structured
from factory.trajectory import ToolCall
from pipelines.math.tools import SCHEMAS

FORMAT = ("Work in a loop. First write your plan inside <plan>...</plan> and call a tool. After each tool "
          "result, write what it shows inside <reflection>...</reflection>, then either call another tool or "
          "finish. Finish with the final answer as \\boxed{...}: exact values, no units, a set as \\{a, b\\}.")


# A worked exchange in the teacher's Hermes call syntax: a small teacher imitates far better than it
# follows instructions. A teacher-only aside (`run_agent(aside=…)`), so no row carries it.
DEMO = ("Example.\nProblem: Compute 7 \\times 8 - 5.\n"
        "<plan>\nEvaluate the expression with the evaluate tool, then report its value.\n</plan>\n"
        '<tool_call>\n{"name": "evaluate", "arguments": {"expression": "7*8 - 5"}}\n</tool_call>\n'
        "Tool result: 51\n"
        "<reflection>\nThe tool returned 51, so 7 times 8 minus 5 is 51.\n</reflection>\n"
        "Final answer: \\boxed{51}")


def system_prompt(focus: str) -> str:
    """The portable system prompt: instructions only. The tools are the row's `tools`, and the
    demonstration (`DEMO`, in the teacher's call syntax) is a teacher-only aside: the agent loop adds
    both when it talks to the teacher, and the row records that in `meta`."""
    return f"You are a careful mathematician. {focus}\n{FORMAT}"


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
    """A note of a dozen characters or more. (A word pattern that forbade whitespace padding was
    measured to stall the embedded teacher: xgrammar's per-token masks for it made the first turn of
    48 attempts run past the watchdog. Substance is the structure verifier's job.)"""
    return {"type": "string", "minLength": 12, "maxLength": max_chars}


# The final answer's shape, by the problem's form: a number where a number is asked. Other forms
# (expressions, sets) keep a short free string.
_ANSWER_PATTERNS = {
    "integer": "^-?[0-9]{1,15}$",
    "rational": "^-?[0-9]{1,12}(/[0-9]{1,12})?$",
    "decimal": "^-?[0-9]{1,12}(\\.[0-9]{1,8})?$",
}


def answer_schema(form: str | None) -> dict[str, Any]:
    name = (form or "").partition(":")[0]
    if name in _ANSWER_PATTERNS:
        return {"type": "string", "pattern": _ANSWER_PATTERNS[name]}
    return {"type": "string", "minLength": 1, "maxLength": 80}  # a value, not a sentence


class MathGuide:
    """Turn 0: a plan and a tool call. Later turns: a reflection, then a tool call or the final
    answer; the last allowed turn must answer. The JSON reply becomes `<plan>…</plan>` /
    `<reflection>…</reflection>` text with a Hermes `<tool_call>` or a `\\boxed{}` answer."""

    def __init__(self, tools: list[str], max_chars: int, form: str | None = None):
        self.tools, self.max_chars, self.form = tools, max_chars, form

    def structured(self, turn: int, last: bool) -> Structured:
        call = _call_schema(self.tools, self.max_chars * 3 // 2)
        final = answer_schema(self.form)
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
