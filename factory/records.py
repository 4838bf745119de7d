"""The one place where a record changes form: Trajectory ↔ Arrow (the shard schema), meta decoding,
and records read from someone else's file. The committer, `factory verify`, the inspector and export
all go through here. The schema itself is described in docs/architecture.md ("Records")."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from factory.trajectory import Trajectory

# 3: assistant messages carry `reasoning_content` (the teacher's thinking, apart from `content`).
# 2: tool calls in the OpenAI shape {id, type, function: {name, arguments}}, system prompts without
#    the teacher's tools block. 1: flat {id, name, arguments}; still read (`from_row`), and
#    `factory migrate` rewrites a version-1 run.
SCHEMA_VERSION = "3"
VERSION_KEY = b"trajectory_factory.schema_version"

TOOL_CALL = pa.struct([("id", pa.string()), ("type", pa.string()),
                       ("function", pa.struct([("name", pa.string()), ("arguments", pa.string())]))])
MESSAGE = pa.struct([
    ("role", pa.string()), ("content", pa.string()), ("tool_calls", pa.list_(TOOL_CALL)),
    ("tool_call_id", pa.string()), ("name", pa.string()), ("reasoning_content", pa.string()),
])
VERDICT = pa.struct([("verifier", pa.string()), ("passed", pa.bool_()), ("score", pa.float64()),
                     ("reason", pa.string())])

SCHEMA = pa.schema([
    ("id", pa.string()), ("run_id", pa.string()), ("pipeline", pa.string()), ("task_id", pa.string()),
    ("seed", pa.int64()),
    ("messages", pa.list_(MESSAGE)),
    ("tools", pa.string()),
    ("branch", pa.struct([("parent_id", pa.string()), ("fork_step", pa.int32()), ("kind", pa.string()),
                          ("parent_outcome", pa.string())])),
    ("outcome", pa.string()), ("reward", pa.float64()),
    ("verdicts", pa.list_(VERDICT)),
    ("meta", pa.string()),  # JSON object: pipeline-specific keys, one column type across pipelines
    ("usage", pa.struct([("prompt_tokens", pa.int64()), ("completion_tokens", pa.int64()),
                         ("teacher_calls", pa.int64()), ("wall_seconds", pa.float64())])),
    ("teacher", pa.struct([("backend", pa.string()), ("model", pa.string()), ("sampling", pa.string())])),
    ("reject_reason", pa.string()),
], metadata={VERSION_KEY: SCHEMA_VERSION.encode()})


def schema_version(schema: pa.Schema) -> str:
    """The version a shard was written with ("1" when it predates the marker's change)."""
    return (schema.metadata or {}).get(VERSION_KEY, b"1").decode()


def call_parts(call: dict[str, Any]) -> tuple[str, str, str]:
    """(id, name, arguments) of a stored tool call of either schema version."""
    fn = call.get("function") if isinstance(call.get("function"), dict) else call
    args = fn.get("arguments")
    return str(call.get("id") or ""), str(fn.get("name") or ""), args if isinstance(args, str) else json.dumps(args)


def decode_meta(meta: Any) -> dict[str, Any]:
    """`meta` as stored (a JSON string), as given in a user's file (an object), or absent."""
    if isinstance(meta, dict):
        return meta
    if meta is None or (isinstance(meta, str) and not meta.strip()):
        return {}
    if isinstance(meta, str):
        value = json.loads(meta)
        if not isinstance(value, dict):
            raise ValueError(f"meta: expected a JSON object, got {type(value).__name__}")
        return value
    raise TypeError(f"meta: expected a JSON object or string, got {type(meta).__name__}")


def encode_meta(meta: dict[str, Any]) -> str:
    return json.dumps(meta, ensure_ascii=False, sort_keys=True)


def to_table(trajs: list[Trajectory]) -> pa.Table:
    rows = []
    for t in trajs:
        d = t.model_dump()
        d["meta"] = encode_meta(t.meta)
        rows.append(d)
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def from_row(row: dict[str, Any]) -> Trajectory:
    """A shard row (as `Table.to_pylist()` gives it) back to a Trajectory."""
    return Trajectory.model_validate({**row, "meta": decode_meta(row.get("meta"))})


def from_table(table: pa.Table) -> list[Trajectory]:
    return [from_row(r) for r in table.to_pylist()]


def from_record(row: dict[str, Any], pipeline: str) -> Trajectory:
    """A record from a user's file, where only `messages` is required: absent optional message
    fields may be null, meta may be an object or a JSON string. Raises KeyError/TypeError/ValueError
    (pydantic's ValidationError is a ValueError) for what is not a trajectory record."""
    if not isinstance(row.get("messages"), list) or not all(isinstance(m, dict) for m in row["messages"]):
        raise TypeError("field 'messages': expected a list of message objects")
    msgs = [message_dict(m) for m in row["messages"]]
    tools = row.get("tools")
    if isinstance(tools, list):  # the `hf` export form: a list of schemas (objects, or JSON text in Arrow)
        tools = json.dumps([json.loads(x) if isinstance(x, str) else x for x in tools], ensure_ascii=False)
    return Trajectory(pipeline=pipeline, task_id=str(row.get("task_id") or ""), messages=msgs,
                      meta=decode_meta(row.get("meta")), tools=tools if isinstance(tools, str) else "")


def message_dict(m: dict[str, Any]) -> dict[str, Any]:
    """A message of any of the forms we write or read: absent optional fields may be null, call
    arguments a JSON string or (the `hf` export) an object."""
    out = {k: v for k, v in m.items() if v is not None}
    if out.get("tool_calls"):
        out["tool_calls"] = [{"id": i, "function": {"name": n, "arguments": a}}
                             for i, n, a in map(call_parts, out["tool_calls"])]
    return out


def row_for_display(row: dict[str, Any]) -> dict[str, Any]:
    """A shard row with meta decoded, for JSON output and rendering."""
    return {**row, "meta": decode_meta(row.get("meta"))}
