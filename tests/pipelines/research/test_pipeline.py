"""The pipeline through the driver on the fixture corpus with scripted teachers: the gold teacher is
accepted on every task kind; each cheat is rejected with its reason; a failed closed row carries the
teacher's lesson and a second attempt; `factory verify` reaches the same verdicts from the file."""

import json
import subprocess
import sys

import pytest

from factory.runner import driver
from tests.fakes.research_teacher import make_reply
from tests.fakes.scripted import ScriptedTeacher
from tests.rows import committed_rows


def test_tasks_cover_every_kind_and_replay(rs_tasks, rs_cfg):
    from factory.pipeline.registry import get_pipeline

    assert {t.payload["mode"] for t in rs_tasks} == {"closed", "open", "reverse"}
    p = get_pipeline("research")(rs_cfg(name="again"))
    try:
        again = p.tasks()
        more = get_pipeline("research")(rs_cfg(name="more", pipeline_options={"tasks": 12})).tasks()
    finally:
        p.close()
    assert [t.id for t in again] == [t.id for t in rs_tasks]
    assert [t.id for t in more[:len(rs_tasks)]] == [t.id for t in rs_tasks]  # asking for more keeps the first
    for t in rs_tasks:
        if t.payload["mode"] == "closed":
            assert 2 <= len(t.payload["chain"]) <= 3 and t.payload["perturbation"]


@pytest.fixture(scope="module")
def gold(rs_cfg, rs_tasks, rs_pipeline):
    res = driver.run(rs_cfg(name="gold"), teacher=ScriptedTeacher(make_reply(rs_tasks, rs_pipeline.library())))
    return committed_rows(res.run_dir), res.run_dir


def test_gold_teacher_is_accepted_on_every_kind(gold):
    rows, _ = gold
    assert len(rows) == 9
    bad = [(r["meta"]["mode"], r["reject_reason"]) for r in rows if r["side"] != "accepted"]
    assert not bad, bad
    for r in rows:
        names = {v["verifier"] for v in r["verdicts"]}
        assert {"calls", "answer", "evidence", "citations", "think_twice", "recall", "judge"} <= names
        assert r["meta"]["licence"] == "the user's own corpus"  # the corpus's licence, for a dataset card
        if r["meta"]["mode"] == "open":
            assert r["meta"]["judge"]["supported"] >= 1 and r["meta"]["judge"]["unsupported"] == 0
            prompts = [m["content"][:13] for m in r["messages"] if m["role"] == "user"]
            assert "First think: " in prompts and "Second think:" in prompts


@pytest.mark.parametrize("mode, kind, reasons", [
    ("wrong_answer", "closed", {"answer:wrong_answer"}),
    ("no_search", "closed", {"calls:no_search", "evidence:answer_before_evidence"}),
    ("fabricated", "open", {"calls:fabricated_id"}),
    ("unopened", "open", {"citations:cites_unopened"}),
    ("copy", "reverse", {"recall:gist_copies_text"}),
    ("low_recall", "reverse", {"recall:low_recall"}),
    ("judge_no", "open", {"judge:judged_unsupported"}),
])
def test_cheats_are_rejected_with_their_reason(rs_cfg, rs_tasks, rs_pipeline, mode, kind, reasons):
    cfg = rs_cfg(name=f"cheat-{mode}", pipeline_options={"modes": {kind: 1}, "tasks": 3})
    tasks = [t for t in rs_tasks if t.payload["mode"] == kind]  # same seed and corpus: the scripted teacher knows them
    res = driver.run(cfg, teacher=ScriptedTeacher(make_reply(tasks + _tasks(cfg), rs_pipeline.library(), mode)))
    rows = [r for r in committed_rows(res.run_dir) if r["meta"]["mode"] == kind and r["meta"]["attempt"] == 1]
    assert rows
    for r in rows:
        assert r["side"] == "rejected" and r["outcome"] == "failure"
        failed = {f"{v['verifier']}:{v['reason']}" for v in r["verdicts"] if not v["passed"]}
        assert any(f.startswith(x) for f in failed for x in reasons), (mode, failed)
    if kind == "closed":  # a failed closed row carries the lesson, and a second attempt applies it
        assert all(r["meta"]["lesson"] for r in rows)
        second = [r for r in committed_rows(res.run_dir) if r["meta"]["attempt"] == 2]
        assert len(second) == len(rows) and all(r["meta"]["lesson_applied"] for r in second)


def _tasks(cfg):
    from factory.pipeline.registry import get_pipeline

    p = get_pipeline("research")(cfg)
    try:
        return p.tasks()
    finally:
        p.close()


def test_verify_reaches_the_same_verdicts(gold, tmp_path):
    rows, run_dir = gold
    src = tmp_path / "rows.jsonl"
    tampered = [dict(r) for r in rows]
    closed = next(r for r in tampered if r["meta"]["mode"] == "closed")
    msgs = [dict(m) for m in closed["messages"]]
    msgs[-1] = {**msgs[-1], "content": msgs[-1]["content"].replace("<answer>", "<answer>x")}
    closed["messages"] = msgs
    with src.open("w") as f:
        for r in tampered:
            f.write(json.dumps({k: v for k, v in r.items() if k != "side"}, default=str) + "\n")
    out = subprocess.run([sys.executable, "-m", "factory.cli.app", "verify", str(src), "--pipeline", "research"],
                         capture_output=True, text=True, check=True)
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["accepted"] for x in lines] == [r is not closed for r in tampered]
