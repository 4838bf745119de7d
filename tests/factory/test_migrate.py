"""`factory migrate`: a run written with row schema 1 (flat tool calls, the teacher's tools block in
the system prompt) becomes schema 2 in place; a resume before that is refused with what to do."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from factory.agent import hermes
from factory.cli.app import app
from factory.config import RunConfig
from factory.errors import UserError
from factory.manifest import Commit, Manifest, ShardFile, load_manifest, save_manifest
from factory.records import SCHEMA, SCHEMA_VERSION, from_table, schema_version
from factory.runner.rundir import config_sha, open_run_dir
from factory.shards.writer import write_shard
from factory.trajectory import Message, ToolCall, Trajectory, Usage

TOOLS = [{"type": "function", "function": {"name": "evaluate", "description": "Evaluate an expression.",
                                           "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}}}}]
V1_CALL = pa.struct([("id", pa.string()), ("name", pa.string()), ("arguments", pa.string())])


def _v1_schema() -> pa.Schema:
    msg = pa.struct([("role", pa.string()), ("content", pa.string()), ("tool_calls", pa.list_(V1_CALL)),
                     ("tool_call_id", pa.string()), ("name", pa.string())])
    fields = [pa.field("messages", pa.list_(msg)) if f.name == "messages" else f for f in SCHEMA]
    return pa.schema(fields)  # no version marker: version 1 shards had "1" or nothing


def _v1_run(tmp_path) -> tuple[RunConfig, list[str]]:
    cfg = RunConfig.model_validate({"pipeline": "math", "output_dir": str(tmp_path), "name": "old"})
    rows, ids = [], []
    for i in range(3):
        call = ToolCall(id="c0", name="evaluate", arguments=json.dumps({"expression": f"{i}+1"}))
        t = Trajectory(id=f"row{i}", pipeline="math", task_id=f"t{i}", tools=json.dumps(TOOLS), meta={"answer": str(i + 1)},
                       messages=[Message(role="system", content=hermes.tools_system_prompt("Be careful.", TOOLS)),
                                 Message(role="user", content=f"What is {i}+1?"),
                                 Message(role="assistant", content="<plan>\nadd\n</plan>", tool_calls=[call]),
                                 Message(role="tool", content=str(i + 1), tool_call_id="c0", name="evaluate")])
        d = t.model_dump()
        d["meta"] = json.dumps(d["meta"])
        for m in d["messages"]:
            m["tool_calls"] = [{"id": c["id"], **c["function"]} for c in m["tool_calls"]]
        rows.append(d)
        ids.append(t.id)
    run_dir = tmp_path / "old"
    w = write_shard(pa.Table.from_pylist(rows, schema=_v1_schema()), run_dir, "accepted/part-00000.parquet",
                    row_group_rows=100, compression="zstd")
    m = Manifest(run_id="old-1", pipeline="math", config_sha256=config_sha(cfg), commits=[Commit(
        seq=0, accepted=ShardFile(path=w.path, rows=w.rows, bytes=w.bytes, sha256=w.sha256), rejected=None,
        chunk_ids=["c"], task_ids=["t0", "t1", "t2"], usage=Usage(), committed_at=0.0)])
    assert m.schema_version == "1"  # what a manifest without the field reads as
    save_manifest(run_dir, m)
    return cfg, ids


def test_resume_of_an_old_run_says_to_migrate_then_migration_rewrites_it(tmp_path):
    cfg, ids = _v1_run(tmp_path)
    with pytest.raises(UserError, match=r"schema version 1.*factory migrate"):
        open_run_dir(cfg)
    r = CliRunner().invoke(app, ["migrate", str(cfg.run_dir)])
    assert r.exit_code == 0 and "3 rows in 1 shard(s)" in r.output and "3 system prompts" in r.output
    m = load_manifest(cfg.run_dir)
    assert m.schema_version == SCHEMA_VERSION and [p.name for p in (cfg.run_dir / "accepted").iterdir()] == [
        f"part-00000-v{SCHEMA_VERSION}.parquet"]
    table = pq.read_table(cfg.run_dir / m.commits[0].accepted.path)
    assert schema_version(table.schema) == SCHEMA_VERSION and table.num_rows == m.commits[0].accepted.rows == 3
    rows = from_table(table)
    assert [t.id for t in rows] == ids  # ids kept: duplicate_of and audit labels still point at them
    for t in rows:
        assert t.messages[0].content == "Be careful." and t.meta["teacher_format"] == hermes.TEACHER_FORMAT
        assert table.to_pylist()[0]["messages"][2]["tool_calls"][0]["function"]["name"] == "evaluate"
    # what the teacher saw is rebuilt from the portable row
    assert hermes.to_teacher_messages(rows[0].messages, TOOLS)[0]["content"] == hermes.tools_system_prompt(
        "Be careful.", TOOLS)
    open_run_dir(cfg)  # resumable now
    again = CliRunner().invoke(app, ["migrate", str(cfg.run_dir)])
    assert again.exit_code == 0 and "nothing to do" in again.output


def test_old_shards_are_read_as_they_are(tmp_path):
    cfg, ids = _v1_run(tmp_path)
    rows = from_table(pq.read_table(cfg.run_dir / "accepted" / "part-00000.parquet"))
    assert rows[0].messages[2].tool_calls[0].name == "evaluate" and [t.id for t in rows] == ids
    r = CliRunner().invoke(app, ["export", str(cfg.run_dir), "--to", str(tmp_path / "x")])
    assert r.exit_code != 0 and "factory migrate" in str(r.exception)


def test_a_new_run_records_the_current_version(tmp_path):
    cfg = RunConfig.model_validate({"pipeline": "math", "output_dir": str(tmp_path), "name": "new"})
    _, m = open_run_dir(cfg)
    assert load_manifest(cfg.run_dir).schema_version == m.schema_version == SCHEMA_VERSION
