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


# The transcript the phases were drawn from: without one they are unverifiable (concise, faithful).
RAW = "What is asked here? The steps to take: carried them out, checked the work, so it is done. " * 3 + "\\boxed{42}"


def rec(text, **meta):
    meta.setdefault("raw_reasoning", RAW)
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
    meta = json.dumps({"reference_answer": "42", "raw_reasoning": RAW})
    pq.write_table(pa.Table.from_pylist([{"messages": r["messages"], "meta": meta}]), f)
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


def test_math_records_checked_against_meta_answer(tmp_path):
    call = {"id": "c0", "name": "evaluate", "arguments": json.dumps({"expression": "3/6"})}

    def math_rec(final, answer):
        return {"messages": [{"role": "user", "content": "Half?"},
                             {"role": "assistant", "content": "<plan>\nUse evaluate on 3/6, then check it.\n</plan>",
                              "tool_calls": [call]},
                             {"role": "tool", "content": "1/2", "tool_call_id": "c0", "name": "evaluate"},
                             {"role": "assistant",
                              "content": f"<reflection>\nThe tool returned 1/2 for it.\n</reflection>\n\\boxed{{{final}}}"}],
                "meta": {"answer": answer}}

    src = tmp_path / "math.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in [math_rec("0.5", "\\frac{1}{2}"), math_rec("x = 1/2", "1/2"),
                                                      math_rec("1/3", "1/2"), {"messages": math_rec("1/2", "1/2")["messages"]}]))
    p = factory("verify", "--pipeline", "math", str(src))
    assert p.returncode == 0, p.stderr
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    assert [x["accepted"] for x in lines] == [True, True, False, False]
    reasons = [{v["verifier"]: v["reason"] for v in x["verdicts"] if not v["passed"]} for x in lines]
    assert reasons[2] == {"answer": "wrong_answer"}
    assert reasons[3] == {"answer": "no_ground_truth_in_meta.answer"}


def test_the_runs_own_accepted_rows_of_both_modes_pass_verify(tmp_path, run_dir):
    """What a run accepted, re-verified offline, is accepted again: thinking and non-thinking rows."""
    rows = [r for f in sorted((run_dir / "accepted").glob("*.parquet")) for r in pq.read_table(f).to_pylist()]
    variants = {json.loads(r["meta"])["variant"] for r in rows}
    assert variants == {"thinking", "non_thinking"}
    f, out = tmp_path / "acc.parquet", tmp_path / "out.jsonl"
    pq.write_table(pa.Table.from_pylist(rows), f)
    p = factory("verify", "--pipeline", "agentic_cot", str(f), "--out", str(out))
    assert p.returncode == 0, p.stderr
    res = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(res) == len(rows) and all(r["accepted"] for r in res), [r for r in res if not r["accepted"]][:2]
    flags = {r["messages"][0]["content"].split()[-1] for r in rows}
    assert flags == {"/think", "/no_think"}  # the dual-mode convention chat templates understand


def test_config_gives_the_pipeline_and_conflicts_are_one_line(tmp_path):
    f = tmp_path / "in.jsonl"
    f.write_text(json.dumps(rec(GOOD, reference_answer="42")) + "\n")
    cfg = tmp_path / "config.yaml"
    cfg.write_text("pipeline: agentic_cot\n")
    p = factory("verify", "--config", str(cfg), str(f))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout.splitlines()[0])["accepted"] is True
    p = factory("verify", "--config", str(cfg), "--pipeline", "math", str(f))
    assert p.returncode == 2 and "pipeline is 'agentic_cot'" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    p = factory("verify", str(f))
    assert p.returncode == 2 and "--pipeline" in p.stderr
