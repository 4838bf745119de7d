"""The explicit Arrow schema of a shard (DESIGN §3) and conversions to and from Trajectory."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from factory.schema import Trajectory

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
    ("meta", pa.string()),  # JSON object: pipeline-specific keys, uniform column type across pipelines
    ("usage", pa.struct([("prompt_tokens", pa.int64()), ("completion_tokens", pa.int64()),
                         ("teacher_calls", pa.int64()), ("wall_seconds", pa.float64())])),
    ("teacher", pa.struct([("backend", pa.string()), ("model", pa.string()), ("sampling", pa.string())])),
    ("reject_reason", pa.string()),
], metadata={b"trajectory_factory.schema_version": b"1"})


def to_row(t: Trajectory) -> dict[str, Any]:
    d = t.model_dump()
    d["meta"] = json.dumps(t.meta, ensure_ascii=False, sort_keys=True)
    return d


def to_table(trajs: list[Trajectory]) -> pa.Table:
    return pa.Table.from_pylist([to_row(t) for t in trajs], schema=SCHEMA)


def from_row(row: dict[str, Any]) -> Trajectory:
    d = dict(row)
    meta = d.get("meta")
    d["meta"] = json.loads(meta) if isinstance(meta, str) and meta else (meta or {})
    return Trajectory.model_validate(d)
