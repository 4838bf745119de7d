import json

import pyarrow.parquet as pq
import pytest

from factory.errors import TeacherUnavailable, UserError
from factory.manifest import load_manifest
from factory.runner import driver
from tests.factory.pipeline.toy import toy_reply
from tests.fakes.scripted import ScriptedTeacher


def all_rows(run_dir, side):
    m = load_manifest(run_dir)
    return [r for s in m.shards(side) for r in pq.read_table(run_dir / s.path).to_pylist()]


def test_run_commits_every_task_once(make_cfg, scripted_toy):
    cfg = make_cfg(limit=10)
    out = driver.run(cfg, teacher=scripted_toy)
    acc, rej = all_rows(out.run_dir, "accepted"), all_rows(out.run_dir, "rejected")
    assert sorted({r["task_id"] for r in acc + rej}) == sorted(f"toy-{i}" for i in range(10))
    assert len(acc + rej) == 20 and len({r["id"] for r in acc + rej}) == 20  # two tries a task, each once
    assert acc and all(r["reject_reason"] is None for r in acc)
    assert {r["reject_reason"] for r in rej} == {"colour_named:colour_missing"}
    assert out.stats["tasks"] == 10 and out.stats["usage"]["teacher_calls"] == 20
    teacher = out.stats["teacher"]  # metered by the worker: every request, busy share of generation time
    assert teacher["requests"] == 20 and teacher["workers_metered"] == 1 and 0.0 <= teacher["busy_share"] <= 1.0
    assert (out.run_dir / "config.yaml").read_text().count("pipeline_options") == 1
    assert json.loads((out.run_dir / "stats.json").read_text())["tasks"] == 10
    m = load_manifest(out.run_dir)  # the workers' dedup signatures are committed beside each accepted shard
    assert all(c.signatures.rows == c.accepted.rows for c in m.commits if c.accepted)


def test_rerun_resumes_without_calling_the_teacher(make_cfg, scripted_toy):
    driver.run(make_cfg(limit=6), teacher=scripted_toy)
    again = ScriptedTeacher(toy_reply)
    out = driver.run(make_cfg(limit=6), teacher=again)
    assert again.calls == [] and out.new_tasks == 0
    bigger = driver.run(make_cfg(limit=9), teacher=again)
    assert bigger.new_tasks == 3 and len(again.calls) == 6  # two tries each
    assert bigger.stats["tasks"] == 9


def test_duplicates_of_an_earlier_run_are_rejected_by_id(make_cfg, tmp_path, scripted_toy):
    first = driver.run(make_cfg(name="a", limit=6), teacher=scripted_toy)
    out = driver.run(make_cfg(name="b", limit=6, dedup={"against": [str(tmp_path / "runs" / "a")]}),
                     teacher=ScriptedTeacher(toy_reply))
    assert out.stats["accepted"] == 0 and out.stats["duplicates"] == first.stats["accepted"] > 0
    earlier = {r["id"] for r in all_rows(first.run_dir, "accepted")}
    pointed = {r["reject_reason"].split(":", 1)[1] for r in all_rows(out.run_dir, "rejected")
               if r["reject_reason"].startswith("duplicate_of:")}
    assert pointed == earlier


def test_teacher_death_commits_finished_chunks_then_raises(make_cfg):
    cfg = make_cfg(limit=12, runner={"chunks_in_flight": 1, "chunk_size": 2})
    with pytest.raises(TeacherUnavailable):
        driver.run(cfg, teacher=ScriptedTeacher(toy_reply, die_after=9))
    m = load_manifest(cfg.run_dir)
    done = [t for c in m.commits for t in c.task_ids]
    assert 0 < len(done) < 12 and len(done) == len(set(done))
    out = driver.run(cfg, teacher=ScriptedTeacher(toy_reply))
    assert out.stats["tasks"] == 12 and out.new_tasks == 12 - len(done)


def test_changed_config_refuses_to_mix_runs(make_cfg, scripted_toy):
    driver.run(make_cfg(limit=2), teacher=scripted_toy)
    with pytest.raises(UserError, match="different config .*seed"):
        driver.run(make_cfg(limit=2, seed=5), teacher=scripted_toy)


def test_orphan_shards_are_removed(make_cfg, scripted_toy):
    out = driver.run(make_cfg(limit=2), teacher=scripted_toy)
    orphan = out.run_dir / "accepted" / "part-99999.parquet"
    orphan.write_bytes(b"half written")
    driver.run(make_cfg(limit=2), teacher=scripted_toy)
    assert not orphan.exists()


def test_same_seed_replays_same_requests(make_cfg):
    a, b = ScriptedTeacher(toy_reply), ScriptedTeacher(toy_reply)
    driver.run(make_cfg(name="x", limit=4), teacher=a)
    driver.run(make_cfg(name="y", limit=4), teacher=b)
    key = lambda t: sorted((c.seed, json.dumps(c.messages)) for c in t.calls)  # noqa: E731
    assert key(a) == key(b)


def test_wrong_answer_rows_have_failure_outcome(make_cfg):
    out = driver.run(make_cfg(limit=3), teacher=ScriptedTeacher(lambda r: "It is grey."))
    assert {r["outcome"] for r in all_rows(out.run_dir, "rejected")} == {"failure"}


def test_partitioned_index_in_a_ray_run_answers_as_the_memory_index(make_cfg, tmp_path):
    # exact dedup off: the second run's copies can only be caught by the near index, here rebuilt in
    # Ray actors from the first run's committed signatures (dedup.against)
    first = driver.run(make_cfg(name="a", limit=6), teacher=ScriptedTeacher(toy_reply))
    assert first.stats["accepted"] > 0
    earlier = {r["id"] for r in all_rows(first.run_dir, "accepted")}
    stats, pointed = {}, {}
    for index in ("memory", "partitioned"):
        out = driver.run(make_cfg(name=f"b-{index}", limit=6, runner={"executor": "ray", "workers": 1},
                                  dedup={"exact": False, "index": index, "partitions": 2,
                                         "against": [str(tmp_path / "runs" / "a")]}),
                         teacher=ScriptedTeacher(toy_reply))
        stats[index] = out.stats
        pointed[index] = sorted(r["reject_reason"].split(":", 1)[1] for r in all_rows(out.run_dir, "rejected")
                                if r["reject_reason"].startswith("duplicate_of:"))
    assert stats["partitioned"]["duplicates"] == stats["memory"]["duplicates"] == first.stats["accepted"]
    assert stats["partitioned"]["accepted"] == 0
    assert pointed["partitioned"] == pointed["memory"] and set(pointed["memory"]) == earlier
