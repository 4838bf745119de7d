"""The one place where a record changes form: Trajectory ↔ Arrow (the shard schema), meta decoding,
and records read from someone else's file. The committer, `factory verify`, the inspector and export
all go through here. The schema itself is described in docs/architecture.md ("Records")."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from factory.schema import Trajectory

SCHEMA_VERSION = "1"

TOOL_CALL = pa.struct([("id", pa.string()), ("name", pa.string()), ("arguments", pa.string())])
MESSAGE = pa.struct([
    ("role", pa.string()), ("content", pa.string()), ("tool_calls", pa.list_(TOOL_CALL)),
    ("tool_call_id", pa.string()), ("name", pa.string()),
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
], metadata={b"trajectory_factory.schema_version": SCHEMA_VERSION.encode()})


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
    msgs = [{k: v for k, v in m.items() if v is not None} for m in row["messages"]]
    return Trajectory(pipeline=pipeline, task_id=str(row.get("task_id") or ""), messages=msgs,
                      meta=decode_meta(row.get("meta")),
                      tools=row["tools"] if isinstance(row.get("tools"), str) else "")


def row_for_display(row: dict[str, Any]) -> dict[str, Any]:
    """A shard row with meta decoded, for JSON output and rendering."""
    return {**row, "meta": decode_meta(row.get("meta"))}
