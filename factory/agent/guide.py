"""A turn guide for small teachers that cannot keep the Hermes format alone: each turn is structured
output — a thought, then one tool call or the reply (plus any named fields a pipeline wants after the
reply, e.g. `answer`) — rendered into the Hermes text the row stores."""

from __future__ import annotations

import json
from typing import Any

from factory.agent import hermes
from factory.teacher.base import Structured
from factory.trajectory import ToolCall

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


class CallOrReply:
    def __init__(self, tools: list[dict[str, Any]], max_chars: int, after_reply: dict[str, Any] | None = None):
        """`after_reply`: field → JSON schema, each rendered as `<field>value</field>` after the reply."""
        self.max_chars = max_chars
        self.after = after_reply or {}
        self.call = self.calls(tools)

    def calls(self, tools: list[dict[str, Any]]) -> dict[str, Any] | None:
        """One schema for a call of any of `tools` (function schemas: name, parameters)."""
        return {"anyOf": [{"type": "object", "properties": {
            "name": {"const": t["name"]}, "arguments": _plain(t["parameters"], self.max_chars * 3 // 2)},
            "required": ["name", "arguments"], "additionalProperties": False} for t in tools]} if tools else None

    def structured(self, turn: int, last: bool) -> Structured:
        return self.build(self.call, reply=True, call=not last)

    def build(self, calls: dict[str, Any] | None, reply: bool, call: bool) -> Structured:
        """The turn's schema: a thought, then a call (when `call` and there are `calls`) or the reply."""
        reply_s = {"type": "object", "properties": {"reply": _text(self.max_chars * 2), **self.after},
                   "required": ["reply", *self.after], "additionalProperties": False}
        options = [reply_s] if reply or calls is None or not call else []
        if calls is not None and call:
            options.insert(0, {"type": "object", "properties": {"tool_call": calls}, "required": ["tool_call"],
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
            tail = "".join(f"\n<{k}>{_flat(nxt.get(k))}</{k}>" for k in self.after)
            return f"{thought}\n\n{reply.strip()}{tail}"
        raise ValueError("neither_tool_call_nor_reply")


def _flat(v: Any) -> str:
    return ", ".join(str(x) for x in v) if isinstance(v, list) else str(v if v is not None else "").strip()
