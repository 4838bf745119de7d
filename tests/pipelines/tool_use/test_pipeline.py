"""The pipeline through the driver with real tools (sandboxed Python, the MCP time and memory
servers) and scripted teachers: the gold teacher is accepted on every variant (a handled negative
is `negative`); each cheat is rejected with its reason; `factory verify` reaches the same verdicts
and catches a tampered observation by re-running the tool."""

import collections
import json
import subprocess
import sys

import pytest

from factory.runner import driver
from tests.fakes.scripted import ScriptedTeacher
from tests.fakes.tool_use_teacher import make_reply
from tests.pipelines.tool_use.conftest import rows


def test_tasks_cover_every_variant_and_replay(tu_tasks, tu_cfg):
    from factory.pipeline.registry import get_pipeline

    assert {t.payload["variant"] for t in tu_tasks} == {"normal", "missing_param", "lookalike", "failing_tool",
                                                         "negative"}
    again = get_pipeline("tool_use")(tu_cfg(name="again")).tasks()
    assert [t.id for t in again] == [t.id for t in tu_tasks]
    for t in tu_tasks:
        offered = {s["name"] for s in t.payload["offered"]}
        chain = [s["tool"] for s in t.payload["walk"]["steps"]]
        if t.payload["variant"] == "negative":
            assert not offered & set(chain) and offered
        else:
            assert set(chain) <= offered
        for fake, real in t.payload["lookalikes"].items():
            assert fake in offered and real not in offered and fake not in chain


@pytest.fixture(scope="module")
def gold(tu_cfg, tu_tasks):
    res = driver.run(tu_cfg(name="gold"), teacher=ScriptedTeacher(make_reply(tu_tasks, "gold")))
    return rows(res.run_dir), res.run_dir


def test_gold_teacher_is_accepted_on_every_variant(gold):
    out, run_dir = gold
    assert len(out) == 20
    assert json.loads((run_dir / "tool_graph.json").read_text())["summary"]["edges"] > 0  # built once, kept
    bad = [(r["meta"]["variant"], r["reject_reason"]) for r in out if r["side"] != "accepted"]
    assert not bad, bad
    for r in out:
        assert r["outcome"] == ("negative" if r["meta"]["variant"] == "negative" else "success")
        assert {v["verifier"] for v in r["verdicts"]} >= {"format", "execution", "trace", "answer", "move", "replay"}
        assert r["meta"]["request_source"] == "template" and not r["meta"]["simulated"]
    injected = [c for r in out for c in r["meta"]["calls"] if c["how"] == "injected"]
    assert injected and all(not c["ok"] for c in injected)
    mcp_calls = [c for r in out for c in r["meta"]["calls"] if r["meta"]["tool_sources"][c["tool"]]["source"] == "mcp"]
    assert mcp_calls and all(c["ok"] or c["how"] == "injected" for c in mcp_calls)


@pytest.mark.parametrize("mode, variants, reasons", [
    ("fabricate", {"normal", "lookalike", "failing_tool"}, {"answer:result_not_in_answer", "move:missed_step"}),
    ("call_removed", {"negative"}, {"format:unknown_tool"}),
    ("ignore_missing", {"missing_param"}, {"trace:untraceable"}),
    ("wrong_order", {"normal", "lookalike", "failing_tool"}, {"trace:untraceable", "move:wrong_order"}),
    ("report", {"failing_tool"}, set()),
])
def test_cheats_are_rejected_with_their_reason(tu_cfg, tu_tasks, mode, variants, reasons):
    res = driver.run(tu_cfg(name=f"cheat-{mode}"), teacher=ScriptedTeacher(make_reply(tu_tasks, mode)))
    out = [r for r in rows(res.run_dir) if r["meta"]["variant"] in variants]
    if mode == "wrong_order":
        out = [r for r in out if r["meta"]["length"] > 1 and r["meta"]["shape"] == "sequential"]
    assert out
    for r in out:
        if not reasons:  # reporting an injected failure is also a right move
            assert r["side"] == "accepted", r["reject_reason"]
            continue
        assert r["side"] == "rejected" and r["outcome"] == "failure"
        failed = [f"{v['verifier']}:{v['reason']}" for v in r["verdicts"] if not v["passed"]]
        assert any(f.startswith(x) for f in failed for x in reasons), (mode, failed)


def test_verify_reaches_the_same_verdicts_and_catches_tampering(gold, tmp_path):
    out, run_dir = gold
    accepted = [r for r in out if r["side"] == "accepted"]
    victim = next(r for r in accepted if any(c["how"] == "executed" and r["meta"]["tool_sources"][c["tool"]]
                                             ["deterministic"] for c in r["meta"]["calls"]))
    records = tmp_path / "rows.jsonl"
    tampered = json.loads(json.dumps(victim, default=str))
    tool_msg = next(m for m in tampered["messages"] if m["role"] == "tool" and not m["content"].startswith("error:"))
    data = json.loads(tool_msg["content"])
    key = next(k for k, v in data.items() if isinstance(v, (int, float)) and not isinstance(v, bool)) \
        if any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data.values()) else next(iter(data))
    data[key] = 987654 if isinstance(data[key], (int, float)) else "Narnia"
    tool_msg["content"] = json.dumps(data)
    tampered["id"] = ""
    plain = json.loads(json.dumps(victim, default=str))
    with records.open("w") as f:
        for r in (plain, tampered):
            r["meta"] = json.dumps(r["meta"])
            r.pop("side")
            f.write(json.dumps(r) + "\n")
    done = subprocess.run([sys.executable, "-m", "factory.cli.app", "verify", "--pipeline", "tool_use", str(records),
                           "--out", str(tmp_path / "verified.jsonl")], capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    back = [json.loads(x) for x in (tmp_path / "verified.jsonl").read_text().splitlines()]
    assert back[0]["accepted"] and [v["passed"] for v in back[0]["verdicts"]] == [v["passed"] for v in victim["verdicts"]]
    failed = [f"{v['verifier']}:{v['reason']}" for v in back[1]["verdicts"] if not v["passed"]]
    assert not back[1]["accepted"] and any(f.startswith("replay:result_mismatch") for f in failed), failed


def test_variant_counts_in_stats(gold):
    out, _ = gold
    counts = collections.Counter(r["meta"]["variant"] for r in out)
    assert sum(counts.values()) == 20 and len(counts) == 5


def test_openapi_operations_are_simulated_and_marked(tu_cfg):
    """Offline OpenAPI operations: the teacher writes each response from the spec's schema; rows say so."""
    from pathlib import Path

    from factory.pipeline.registry import get_pipeline

    spec = Path(__file__).parents[2] / "tool_graph" / "fixtures_openapi.yaml"
    opts = {"tasks": 3, "variants": {"normal": 1, "missing_param": 0, "lookalike": 0, "failing_tool": 0, "negative": 0},
            "lengths": {1: 1, 2: 1}, "distractors": 0, "replay": True,
            "sources": {"python": [], "mcp": [], "openapi": [str(spec)],
                        "values": {"isbn": ["978-0441013593"], "reader_id": ["R-17"]}}}
    cfg = tu_cfg(name="openapi", pipeline_options=opts)
    tasks = get_pipeline("tool_use")(cfg).tasks()
    gold = make_reply(tasks, "gold")

    def reply(req):
        prompt = req.messages[0]["content"]
        if prompt.startswith("You are the HTTP API operation"):  # the simulation request
            assert req.structured is not None and req.structured.json_schema["type"] == "object"
            if "createLoan" in prompt:
                return json.dumps({"loan_id": "L-1", "due_date": "2026-12-24"})
            return json.dumps({"isbn": "978-0441013593", "title": "Dune", "author": "Frank Herbert"})
        return gold(req)
    res = driver.run(cfg, teacher=ScriptedTeacher(reply))
    out = rows(res.run_dir)
    assert len(out) == 3 and all(r["side"] == "accepted" for r in out), [r["reject_reason"] for r in out]
    for r in out:
        assert r["meta"]["simulated"] is True and {c["how"] for c in r["meta"]["calls"]} == {"simulated"}
        replay = next(v for v in r["verdicts"] if v["verifier"] == "replay")
        assert replay["passed"] and replay["score"] == 1.0  # nothing deterministic to re-run: nothing claimed


@pytest.mark.parametrize("fits", [True, False])
def test_the_optional_judge_decides_with_its_reason(tu_cfg, tu_tasks, fits):
    gold = make_reply(tu_tasks, "gold")

    def reply(req):
        prompt = req.messages[0]["content"]
        if prompt.startswith("You check an assistant"):
            assert "REPLY:" in prompt and req.structured is not None
            return json.dumps({"fits": fits, "reason": "answers it" if fits else "claims a value no result gave"})
        return gold(req)
    res = driver.run(tu_cfg(name=f"judge-{fits}", pipeline_options={"judge": True}), teacher=ScriptedTeacher(reply))
    out = rows(res.run_dir)
    assert len(out) == 20
    for r in out:
        assert r["meta"]["judge"]["fits"] is fits
        verdict = next(v for v in r["verdicts"] if v["verifier"] == "judge")
        assert verdict["passed"] is fits
        assert (r["side"] == "accepted") is fits
        if not fits:
            assert verdict["reason"] == "unfit:claims a value no result gave"
