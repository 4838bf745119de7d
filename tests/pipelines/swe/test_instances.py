"""Instance files: SWE-bench / SWE-Gym / SWE-smith rows load; a bad row is one line naming the
file, the row and the field."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from factory.errors import UserError
from pipelines.swe import instances

ROW = {"instance_id": "minilib__1", "repo": "acme/minilib", "base_commit": "abc123", "patch": "diff --git a/x b/x\n",
       "test_patch": "", "problem_statement": "mean() is wrong", "FAIL_TO_PASS": '["tests/test_core.py::test_mean"]',
       "PASS_TO_PASS": "[]", "source": "path:/tmp/minilib", "version": "1.0", "created_at": "2026-01-01",
       "image_name": "swesmith.x86_64.acme__minilib"}


def _write(tmp_path, rows, name="i.jsonl"):
    p = tmp_path / name
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


def test_swe_bench_row_with_json_string_lists(tmp_path):
    [inst] = instances.load(_write(tmp_path, [ROW]))
    assert inst.FAIL_TO_PASS == ["tests/test_core.py::test_mean"] and inst.PASS_TO_PASS == []
    assert inst.meta["image_name"] == "swesmith.x86_64.acme__minilib"  # peers' extra columns are kept
    assert inst.test_cmd[:3] == ["python3", "-m", "pytest"]


def test_parquet_and_github_clone_dir(tmp_path):
    row = {k: v for k, v in ROW.items() if k != "source"}
    pq.write_table(pa.Table.from_pylist([row]), tmp_path / "i.parquet")
    [inst] = instances.load(tmp_path / "i.parquet", repos_dir=tmp_path / "clones")
    assert inst.source == f"path:{tmp_path / 'clones' / 'acme__minilib'}"


def test_test_cmd_as_a_command_line(tmp_path):
    [inst] = instances.load(_write(tmp_path, [{**ROW, "test_cmd": "python3 -m pytest -x"}]))
    assert inst.test_cmd == ["python3", "-m", "pytest", "-x"]


@pytest.mark.parametrize("change, field", [
    ({"FAIL_TO_PASS": "[]"}, "FAIL_TO_PASS"),
    ({"FAIL_TO_PASS": 7}, "FAIL_TO_PASS"),
    ({"source": "github:acme/minilib"}, "source"),
    ({"problem_statement": ""}, "problem_statement"),
    ({"patch": None}, "patch"),
])
def test_bad_row_names_row_and_field(tmp_path, change, field):
    good = {**ROW, "instance_id": "ok"}
    p = _write(tmp_path, [good, {**ROW, **change}])
    with pytest.raises(UserError) as e:
        instances.load(p)
    msg = str(e.value)
    assert "\n" not in msg and str(p) in msg and "row 2 (minilib__1)" in msg and f"'{field}'" in msg


def test_missing_field_duplicate_id_bad_json_empty(tmp_path):
    no_source = {k: v for k, v in ROW.items() if k != "source"}
    with pytest.raises(UserError, match=r"row 1 .*'source'"):
        instances.load(_write(tmp_path, [no_source]))
    with pytest.raises(UserError, match="appears twice"):
        instances.load(_write(tmp_path, [ROW, ROW]))
    (tmp_path / "bad.jsonl").write_text('{"instance_id": \n')
    with pytest.raises(UserError, match="line 1: not valid JSON"):
        instances.load(tmp_path / "bad.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(UserError, match="no instances"):
        instances.load(tmp_path / "empty.jsonl")
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe{}")
    with pytest.raises(UserError, match="line 1: not UTF-8"):
        instances.load(tmp_path / "bin.jsonl")
    with pytest.raises(UserError, match="instances: file .* not found"):
        instances.load(tmp_path / "nope.jsonl")


def test_dump_round_trip(tmp_path):
    [inst] = instances.load(_write(tmp_path, [ROW]))
    instances.dump([inst], tmp_path / "out.jsonl")
    assert instances.load(tmp_path / "out.jsonl") == [inst]
