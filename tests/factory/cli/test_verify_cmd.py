import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.agentic_cot.prompts import assemble

GOOD = assemble({"analysis": "what is asked here", "plan": "the steps to take", "action": "carried them out",
                 "reflection": "checked the work", "summary": "so it is done"}, "42")


def factory(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "factory.cli.app", *args], capture_output=True, text=True, cwd=cwd)


def rec(text, **meta):
    return {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": text}], "meta": meta}


def test_jsonl_in_order_to_stdout(tmp_path):
    f = tmp_path / "in.jsonl"
    rows = [rec(GOOD, reference_answer="42"), rec(GOOD, reference_answer="41"), {"no": "messages"}, rec("plain")]
    f.write_text("\n".join(json.dumps(r) for r in rows))
    p = factory("verify", "--pipeline", "agentic_cot", str(f))
    assert p.returncode == 0, p.stderr
    out = [json.loads(line) for line in p.stdout.splitlines()]
    assert [o["index"] for o in out] == [0, 1, 2, 3]
    assert [o["accepted"] for o in out] == [True, False, False, False]
    assert {v["verifier"] for v in out[0]["verdicts"]} >= {"phases", "answer", "concise", "length", "repetition"}
    assert out[2]["verdicts"][0]["verifier"] == "schema"
    assert next(v for v in out[3]["verdicts"] if v["verifier"] == "phases")["reason"] == "no_phases"


def test_parquet_with_meta_as_json_string_to_file(tmp_path):
    f, out = tmp_path / "in.parquet", tmp_path / "out.jsonl"
    r = rec(GOOD)
    pq.write_table(pa.Table.from_pylist([{"messages": r["messages"], "meta": json.dumps({"reference_answer": "42"})}]), f)
    p = factory("verify", "--pipeline", "agentic_cot", str(f), "--out", str(out))
    assert p.returncode == 0 and p.stdout == ""
    assert json.loads(out.read_text())["accepted"] is True


def test_unreadable_input_exits_2_with_one_line(tmp_path):
    p = factory("verify", "--pipeline", "agentic_cot", str(tmp_path / "missing.jsonl"))
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "missing.jsonl" in p.stderr
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet")
    p = factory("verify", "--pipeline", "agentic_cot", str(bad))
    assert p.returncode == 2 and "not a readable Parquet file" in p.stderr and p.stderr.count("\n") == 1
