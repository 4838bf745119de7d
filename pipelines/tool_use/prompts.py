"""The solver's instructions, a worked example for small teachers (a teacher-only aside, never in a
row), and the turn guide: a thought, then one tool call or the reply to the user, as structured
output rendered into Hermes text."""

from __future__ import annotations

import json
from typing import Any

from factory.agent import hermes
from factory.schema import ToolCall
from factory.teacher.base import Structured

SYSTEM = ("You are an assistant that gets things done with the tools you are offered. Call a tool for every fact "
          "you report; never invent a result. Feed one tool's output into the next when the request needs it. "
          "If the request lacks a value a tool needs, ask the user for it instead of guessing. If none of your "
          "tools can do what is asked, say so and call none. If a tool fails, try it again or tell the user what "
          "failed. Finish with a reply to the user that states the results.")

DEMO = ("Example (the tools here are not yours).\nUser: How many letters are in the word 'harbour'?\n"
        "I need the letter count, which the count_letters tool gives.\n"
        '<tool_call>\n{"name": "count_letters", "arguments": {"word": "harbour"}}\n</tool_call>\n'
        'Tool result: {"word": "harbour", "letters": 7}\n'
        "The tool returned 7 letters.\nThe word 'harbour' has 7 letters.\n\n"
        "Example.\nUser: Convert the temperature to Fahrenheit.\n"
        "The request does not say which temperature, so I must ask.\n"
        "Which temperature would you like me to convert to Fahrenheit?")

# Keys constrained decoders reject or that only cost tokens; the format check still validates against
# the full schema.
_DROP = {"$schema", "title", "format", "examples", "default", "$defs", "definitions", "description", "pattern", "xml",
         "readOnly", "writeOnly", "discriminator", "nullable"}


def guidable(schema: Any, max_chars: int) -> Any:
    """A JSON schema a guided decoder accepts (tool arguments, a simulated response), strings capped."""
    return _plain(schema, max_chars)


def _plain(schema: Any, max_chars: int) -> Any:
    if isinstance(schema, list):
        return [_plain(v, max_chars) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _plain(v, max_chars) if k in ("items", "anyOf", "oneOf", "allOf") else v
           for k, v in schema.items() if k not in _DROP and k != "properties"}
    if "properties" in schema:
        out["properties"] = {k: _plain(v, max_chars) for k, v in schema["properties"].items()}
    if out.get("type") == "string" and "enum" not in out:
        out["maxLength"] = min(out.get("maxLength", max_chars), max_chars)
    return out


def _text(max_chars: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 8, "maxLength": max_chars}


class ToolUseGuide:
    def __init__(self, tools: list[dict[str, Any]], max_chars: int):
        self.max_chars = max_chars
        self.call = {"anyOf": [{"type": "object", "properties": {
            "name": {"const": t["name"]}, "arguments": _plain(t["parameters"], max_chars * 3 // 2)},
            "required": ["name", "arguments"], "additionalProperties": False} for t in tools]} if tools else None

    def structured(self, turn: int, last: bool) -> Structured:
        reply = {"type": "object", "properties": {"reply": _text(self.max_chars * 2)}, "required": ["reply"],
                 "additionalProperties": False}
        options = [reply]
        if self.call is not None and not last:
            options.insert(0, {"type": "object", "properties": {"tool_call": self.call}, "required": ["tool_call"],
                               "additionalProperties": False})
        props = {"thought": _text(self.max_chars), "next": {"anyOf": options} if len(options) > 1 else options[0]}
        return Structured(json_schema={"type": "object", "properties": props, "required": ["thought", "next"],
                                       "additionalProperties": False})

    def render(self, raw: str) -> str:
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ValueError("not_json") from e
        if not isinstance(obj, dict) or not isinstance(obj.get("next"), dict):
            raise ValueError("not_object")
        thought = str(obj.get("thought", "")).strip()
        nxt = obj["next"]
        call, reply = nxt.get("tool_call"), nxt.get("reply")
        if isinstance(call, dict) and isinstance(call.get("name"), str):
            return f"{thought}\n" + hermes.render_call(ToolCall(id="", name=call["name"],
                                                                arguments=json.dumps(call.get("arguments", {}))))
        if isinstance(reply, str) and reply.strip():
            return f"{thought}\n\n{reply.strip()}"
        raise ValueError("neither_tool_call_nor_reply")
