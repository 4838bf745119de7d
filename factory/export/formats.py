"""The row forms of an export. `openai`: the stored portable rows as they are (tool-call arguments
and `tools` as JSON strings, one Arrow type whatever the tools). `hf`: the same rows with
arguments as JSON objects and `tools` as a list of objects, typed as Arrow's JSON extension type so
that rows with different tools share one column type and `datasets` hands back plain dicts — what
`tokenizer.apply_chat_template(messages, tools=tools)` and TRL's SFTTrainer take."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from factory.records import SCHEMA, call_parts

FORMATS = ("openai", "hf", "text")


def _hf_schema(json_type: pa.DataType) -> pa.Schema:
    call = pa.struct([("id", pa.string()), ("type", pa.string()),
                      ("function", pa.struct([("name", pa.string()), ("arguments", json_type)]))])
    message = pa.struct([("role", pa.string()), ("content", pa.string()), ("tool_calls", pa.list_(call)),
                         ("tool_call_id", pa.string()), ("name", pa.string()),
                         ("reasoning_content", pa.string())])
    fields = [pa.field("messages", pa.list_(message)) if f.name == "messages" else
              pa.field("tools", pa.list_(json_type)) if f.name == "tools" else f for f in SCHEMA]
    return pa.schema(fields, metadata=SCHEMA.metadata)


HF_SCHEMA = _hf_schema(pa.json_())


def tool_list(tools: str | None) -> list[dict[str, Any]]:
    """The stored `tools` JSON string as a list of OpenAI function schemas."""
    if not tools:
        return []
    value = json.loads(tools)
    return value if isinstance(value, list) else []


def chat_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored messages as a chat template wants them: no null keys, call arguments as objects."""
    out = []
    for m in messages:
        d = {k: v for k, v in m.items() if v is not None and k != "tool_calls"}
        d["content"] = d.get("content") or ""
        if m.get("tool_calls"):
            d["tool_calls"] = [{"id": i, "type": "function", "function": {"name": n, "arguments": json.loads(a)}}
                               for i, n, a in map(call_parts, m["tool_calls"])]
        out.append(d)
    return out


def to_hf(table: pa.Table) -> pa.Table:
    """A table in the stored schema → the `hf` form (arguments and tools as JSON objects)."""
    rows = table.to_pylist()
    for r in rows:
        r["tools"] = [json.dumps(t, ensure_ascii=False) for t in tool_list(r["tools"])]
        for m in r["messages"]:
            for c in m.get("tool_calls") or []:
                c["type"] = "function"
    # Arrow builds the JSON extension type from its storage (strings), then casts.
    return pa.Table.from_pylist(rows, schema=_hf_schema(pa.string())).cast(HF_SCHEMA)
