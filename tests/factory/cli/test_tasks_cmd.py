"""`factory tasks` and `factory export --format rl`: RL prompts that `datasets` loads, the same for the
same seed, with what was skipped counted, and a run's pass rate per task."""

import hashlib
import json
import subprocess
import sys

import datasets


def factory(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "factory.cli.app", *args], capture_output=True, text=True, cwd=cwd)


def digest(d):
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((d / "data").glob("*.parquet"))]


def test_tasks_to_a_dataset_seeded_and_refusing_a_full_directory(tmp_path):
    r = factory("tasks", "--pipeline", "instruct", "--option", "tasks=8", "--limit", "6", "--to", str(tmp_path / "a"))
    assert r.returncode == 0 and "wrote 6 RL prompts" in r.stdout, r.stderr
    ds = datasets.load_dataset(str(tmp_path / "a"), split="train")
    assert len(ds) == 6 and ds[0]["data_source"] == "instruct" and ds[0]["prompt"][0]["role"] == "user"
    task = json.loads(ds[0]["task"])
    assert task["id"] == ds[0]["task_id"] == ds[0]["extra_info"]["task_id"] and ds[0]["reward_model"]["ground_truth"]
    assert json.loads(ds[0]["reference"])["constraints"] == task["payload"]["constraints"]
    factory("tasks", "--pipeline", "instruct", "--option", "tasks=8", "--limit", "6", "--to", str(tmp_path / "b"))
    factory("tasks", "--pipeline", "instruct", "--seed", "5", "--limit", "6", "--to", str(tmp_path / "c"))
    assert digest(tmp_path / "a") == digest(tmp_path / "b") != digest(tmp_path / "c")
    again = factory("tasks", "--pipeline", "instruct", "--to", str(tmp_path / "a"))
    assert again.returncode == 2 and "exists and is not empty" in again.stderr and len(again.stderr.splitlines()) == 1


def test_skipped_tasks_are_counted_and_bad_options_named(tmp_path):
    r = factory("tasks", "--pipeline", "agentic_cot", "--to", str(tmp_path / "cot"))
    assert r.returncode == 0 and "skipped 2: {'no_reference_answer': 2}" in r.stdout
    m = json.loads((tmp_path / "cot" / "manifest.json").read_text())
    assert m["skipped"] == {"no_reference_answer": 2} and m["rows"] == 38
    bad = factory("tasks", "--pipeline", "instruct", "--option", "tasks", "--to", str(tmp_path / "x"))
    assert bad.returncode == 2 and "--option tasks: expected KEY=VALUE" in bad.stderr
    bad = factory("tasks", "--pipeline", "instruct", "--option", "kinds=[rhymes]", "--to", str(tmp_path / "x"))
    assert bad.returncode == 2 and "kinds" in bad.stderr and "rhymes" in bad.stderr
    assert not (tmp_path / "x").exists()


def test_export_rl_from_a_run_carries_the_teachers_pass_rate(run_dir, tmp_path):
    r = factory("export", str(run_dir), "--format", "rl", "--to", str(tmp_path / "rl"))
    assert r.returncode == 0, r.stderr
    ds = datasets.load_dataset(str(tmp_path / "rl"), split="train")
    rows = {x["task_id"]: x for x in ds}
    from tests.rows import committed_rows

    committed = committed_rows(run_dir)
    for tid, x in rows.items():
        mine = [c for c in committed if c["task_id"] == tid]
        assert x["teacher_rows"] == len(mine)
        assert x["teacher_pass_rate"] == sum(c["side"] == "accepted" for c in mine) / len(mine)
    assert set(rows) <= {c["task_id"] for c in committed} and len(rows) >= 10
