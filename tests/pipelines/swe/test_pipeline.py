"""The whole pipeline through the driver with scripted teachers and the real sandbox: a gold
fixer resolves and branches; a cheat fails and is probed step by step; lineage and workspace
hashes hold; `factory verify` re-grades the stored rows to the same verdicts."""

import json

import pytest

from factory.runner import driver
from pipelines.swe import instances as inst_io
from tests.fakes.scripted import ScriptedTeacher
from tests.fakes.swe_teacher import make_reply
from tests.rows import committed_rows

_rows = committed_rows


@pytest.fixture(scope="module")
def instances_file(synthesised, tmp_path_factory):
    path = tmp_path_factory.mktemp("swe") / "instances.jsonl"
    inst_io.dump(synthesised[0][:2], path)
    return path


def _run(make_cfg, path, mode, name):
    found = inst_io.load(path)
    cfg = make_cfg(pipeline="swe", name=name, pipeline_options={
        "instances": str(path), "guided": False, "max_turns": 6, "branches": 2, "step_probes": 3})
    return driver.run(cfg, teacher=ScriptedTeacher(make_reply(found, mode)))


@pytest.fixture(scope="module")
def gold_rows(instances_file, tmp_path_factory):
    from factory.config import RunConfig, deep_merge

    out_dir = tmp_path_factory.mktemp("runs")

    def make_cfg(**over):
        base = {"output_dir": str(out_dir), "runner": {"executor": "inline", "chunk_size": 4},
                "shards": {"rows_per_shard": 8}}
        return RunConfig.model_validate(deep_merge(base, over))

    gold = _run(make_cfg, instances_file, "gold", "gold")
    cheat = _run(make_cfg, instances_file, "cheat", "cheat")
    return _rows(gold.run_dir), _rows(cheat.run_dir), gold.run_dir


def test_gold_fix_resolves_and_branches(gold_rows):
    rows, _, _ = gold_rows
    roots = [r for r in rows if r["branch"]["kind"] == "root"]
    branches = [r for r in rows if r["branch"]["kind"] == "branch"]
    assert len(roots) == 2 and all(r["outcome"] == "success" and r["side"] == "accepted" for r in roots)
    assert all(r["reward"] == 1.0 and r["meta"]["resolved"] and r["meta"]["submitted"] for r in roots)
    assert {v["verifier"] for v in roots[0]["verdicts"]} >= {"calls", "patch", "test_edits", "tests", "static"}
    assert all(r["meta"]["verification"] == "tests" for r in rows)
    assert len(branches) == 4  # two per resolved root: its edit and its two test runs are key actions
    by_id = {r["id"]: r for r in roots}
    for b in branches:
        parent = by_id[b["branch"]["parent_id"]]
        k = b["branch"]["fork_step"]
        assert b["messages"][:k] == parent["messages"][:k]  # the prefix is the parent's
        # the workspace the branch started from is the parent's at fork_step (restored from a tar)
        assert b["meta"]["start_hash"] == parent["meta"]["fork_hashes"][str(k)]
        assert b["outcome"] == "success" and b["branch"]["parent_outcome"] == "success"


def test_cheat_fails_and_is_probed(gold_rows):
    _, rows, _ = gold_rows
    roots = [r for r in rows if r["branch"]["kind"] == "root"]
    steps = [r for r in rows if r["branch"]["kind"] == "step"]
    assert len(roots) == 2 and all(r["outcome"] == "failure" and r["side"] == "rejected" for r in roots)
    for r in roots:
        assert r["meta"]["grading"]["dropped"] and r["meta"]["grade_reason"] == "only_protected_files"
        assert r["reject_reason"].startswith(("patch:", "tests:"))
    assert steps and all(s["branch"]["parent_outcome"] == "failure" for s in steps)
    by_id = {r["id"]: r for r in roots}
    for s in steps:
        parent = by_id[s["branch"]["parent_id"]]
        k = s["branch"]["fork_step"]
        assert s["messages"][:k] == parent["messages"][:k]
        assert s["meta"]["start_hash"] == parent["meta"]["fork_hashes"][str(k)]
        # one alternative step: one assistant turn past the prefix, then its results
        assert sum(m["role"] == "assistant" for m in s["messages"][k:]) == 1
        g = s["meta"]["grading"]
        assert 0.0 <= s["reward"] <= 1.0 and g["f2p_total"] >= 1 and "step:" in json.dumps(s["verdicts"])


def test_verify_regrades_the_stored_rows(gold_rows, tmp_path):
    import subprocess
    import sys

    rows, _, run_dir = gold_rows
    records = tmp_path / "rows.jsonl"
    with records.open("w") as f:
        for r in rows[:2]:
            r = {k: v for k, v in r.items() if k != "side"}
            f.write(json.dumps(r, default=str) + "\n")
    p = subprocess.run([sys.executable, "-m", "factory.cli.app", "verify", "--pipeline", "swe", str(records)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode in (0, 1), p.stderr[-2000:]
    out = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    assert len(out) == 2 and all(o.get("accepted") is True for o in out), p.stdout[-2000:]


def test_a_guided_thought_leaves_the_turn_room_for_its_call(tmp_path):
    from factory.config import RunConfig
    from pipelines.swe.pipeline import SwePipeline

    def thought(**opts):
        cfg = RunConfig.model_validate({"pipeline": "swe", "output_dir": str(tmp_path), "pipeline_options": opts})
        return SwePipeline(cfg)._settings().thought_max_chars

    assert thought(turn_max_tokens=192) == 96  # a token can be one character: half the turn at most
    assert thought(turn_max_tokens=4096, thought_max_chars=300) == 300  # the option, when it fits
    assert thought(turn_max_tokens=16) == 20


def test_test_graded_rows_record_their_repositorys_licence(gold_rows, tmp_path):
    from factory.config import RunConfig
    from pipelines.swe.instances import Instance
    from pipelines.swe.pipeline import SwePipeline

    rows, _, _ = gold_rows
    assert all(r["meta"]["licence"] is None for r in rows)  # the fixture repository states none
    p = SwePipeline(RunConfig(pipeline="swe", output_dir=str(tmp_path)))
    inst = Instance(instance_id="t", patch="", problem_statement="p", FAIL_TO_PASS=["x"], source="pypi:toolz==1.2.0")
    assert p.licence_of(inst) == "BSD-3-Clause"
