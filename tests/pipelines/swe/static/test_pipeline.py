"""`make pipeline=swe run` with static tasks by config: every kind through the driver and the real
sandbox with scripted teachers; right work resolves (a repair branches), wrong work fails with its
reason; rows carry `verification: static` and the licence; `factory verify` re-grades them alike."""

import json
import subprocess
import sys

import pytest

from factory.config import RunConfig
from factory.runner import driver
from pipelines.swe.static.plan import StaticOptions, plan
from tests.fakes.scripted import ScriptedTeacher
from tests.fakes.swe_static_teacher import make_reply
from tests.rows import committed_rows

OPTIONS = {"static": {"packages": ["pypi:toolz==1.2.0"], "repos": 1}, "guided": False, "max_turns": 4,
           "branches": 1}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("static-runs")
    tasks = plan(StaticOptions(**OPTIONS["static"]), 0, None).tasks

    def go(name, mode):
        cfg = RunConfig.model_validate({"pipeline": "swe", "name": name, "output_dir": str(out),
                                        "runner": {"executor": "inline", "chunk_size": 5},
                                        "pipeline_options": OPTIONS})
        return driver.run(cfg, teacher=ScriptedTeacher(make_reply(tasks, mode))).run_dir
    return go("right", "right"), go("wrong", "wrong"), tasks


def test_right_work_resolves_every_kind(runs):
    right, _, tasks = runs
    rows = committed_rows(right)
    roots = [r for r in rows if r["branch"]["kind"] == "root"]
    assert {r["meta"]["static_kind"] for r in roots} == {"repair", "localisation", "callers", "raises"}
    assert len(roots) == len(tasks)
    for r in roots:
        assert r["meta"]["verification"] == "static" and r["meta"]["licence"] == "BSD-3-Clause"
        assert r["outcome"] == "success" and r["reject_reason"] is None, (r["meta"]["static_kind"], r["reject_reason"])
    branches = [r for r in rows if r["branch"]["kind"] == "branch"]
    assert branches and all(b["meta"]["static_kind"] == "repair" for b in branches)


def test_wrong_work_fails_with_its_reason(runs):
    _, wrong, _ = runs
    roots = [r for r in committed_rows(wrong) if r["branch"]["kind"] == "root"]
    reasons = {r["meta"]["static_kind"]: r["reject_reason"] for r in roots}
    assert reasons["repair"] in ("patch:empty_patch", "static:empty_patch")
    assert reasons["localisation"] == "static:wrong_location"
    assert reasons["callers"].startswith("static:wrong_answer") and all(r["outcome"] == "failure" for r in roots)


def test_factory_verify_regrades_static_rows_alike(runs, tmp_path):
    right, wrong, _ = runs
    rows = [r for d in (right, wrong) for r in committed_rows(d)]
    f = tmp_path / "rows.jsonl"
    f.write_text("\n".join(json.dumps({"messages": r["messages"], "tools": r["tools"], "meta": r["meta"],
                                       "task_id": r["task_id"]}) for r in rows))
    out = subprocess.run([sys.executable, "-m", "factory.cli.app", "verify", str(f), "--pipeline", "swe"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    for r, line in zip(rows, lines, strict=True):
        static = next(v for v in line["verdicts"] if v["verifier"] == "static")
        assert static["passed"] == r["meta"]["resolved"]
