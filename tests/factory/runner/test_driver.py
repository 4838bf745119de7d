import json

import pyarrow.parquet as pq
import pytest

from factory.errors import TeacherUnavailable, UserError
from factory.manifest import load_manifest
from factory.runner import driver
from tests.conftest import cot_reply
from tests.fakes.scripted import ScriptedTeacher


def all_rows(run_dir, side):
    m = load_manifest(run_dir)
    return [r for s in m.shards(side) for r in pq.read_table(run_dir / s.path).to_pylist()]


def test_run_commits_every_task_once(make_cfg, scripted_cot):
    cfg = make_cfg(limit=10)
    out = driver.run(cfg, teacher=scripted_cot)
    acc, rej = all_rows(out.run_dir, "accepted"), all_rows(out.run_dir, "rejected")
    thinking = [r for r in acc if json.loads(r["meta"])["variant"] == "thinking"]
    non_thinking = [r for r in acc if json.loads(r["meta"])["variant"] == "non_thinking"]
    assert len(thinking) + len({r["task_id"] for r in rej}) == 10
    assert {r["task_id"] for r in non_thinking} == {r["task_id"] for r in thinking}
    assert len({r["id"] for r in acc + rej}) == len(acc + rej)
    assert out.stats["tasks"] == 10 and out.stats["usage"]["teacher_calls"] == 20
    assert (out.run_dir / "config.yaml").read_text().count("pipeline_options") == 1
    assert json.loads((out.run_dir / "stats.json").read_text())["tasks"] == 10
    m = load_manifest(out.run_dir)  # the workers' dedup signatures are committed beside each accepted shard
    assert all(c.signatures.rows == c.accepted.rows for c in m.commits if c.accepted)


def test_rerun_resumes_without_calling_the_teacher(make_cfg, scripted_cot):
    driver.run(make_cfg(limit=6), teacher=scripted_cot)
    again = ScriptedTeacher(cot_reply)
    out = driver.run(make_cfg(limit=6), teacher=again)
    assert again.calls == [] and out.new_tasks == 0
    bigger = driver.run(make_cfg(limit=9), teacher=again)
    assert bigger.new_tasks == 3 and len(again.calls) == 6
    assert bigger.stats["tasks"] == 9


def test_wrong_answers_are_rejected_with_reason(make_cfg):
    t = ScriptedTeacher(lambda r: cot_reply(r, wrong=True))
    out = driver.run(make_cfg(limit=4), teacher=t)
    assert out.stats["accepted"] == 0
    assert out.stats["reasons"] == {"answer:mismatch_reference": 4}


def test_malformed_extraction_is_data(make_cfg):
    t = ScriptedTeacher(lambda r: "{not json" if r.structured else "some reasoning")
    out = driver.run(make_cfg(limit=3), teacher=t)
    rows = all_rows(out.run_dir, "rejected")
    assert len(rows) == 3 and all(r["reject_reason"] == "generation:malformed:extraction_invalid" for r in rows)
    assert all(json.loads(r["meta"])["extraction_raw"] == "{not json" for r in rows)


def test_duplicates_rejected_across_resume(make_cfg, tmp_path):
    qs = tmp_path / "q.jsonl"
    qs.write_text(json.dumps({"question": "What is 17 multiplied by 23?", "answer": "391"}) + "\n")
    driver.run(make_cfg(name="a", pipeline_options={"questions": str(qs)}), teacher=ScriptedTeacher(cot_reply))
    # a second question whose trajectory text is identical once normalised
    qs.write_text(qs.read_text() + json.dumps({"question": "What is 17 multiplied by 23? ", "answer": "391"}) + "\n")
    out = driver.run(make_cfg(name="b", pipeline_options={"questions": str(qs)},
                              dedup={"against": [str(tmp_path / "runs" / "a")]}), teacher=ScriptedTeacher(cot_reply))
    assert out.stats["duplicates"] == 4 and out.stats["accepted"] == 0


def test_teacher_death_commits_finished_chunks_then_raises(make_cfg):
    cfg = make_cfg(limit=12, runner={"chunks_in_flight": 1, "chunk_size": 2})
    with pytest.raises(TeacherUnavailable):
        driver.run(cfg, teacher=ScriptedTeacher(cot_reply, die_after=9))
    m = load_manifest(cfg.run_dir)
    done = [t for c in m.commits for t in c.task_ids]
    assert 0 < len(done) < 12 and len(done) == len(set(done))
    out = driver.run(cfg, teacher=ScriptedTeacher(cot_reply))
    assert out.stats["tasks"] == 12 and out.new_tasks == 12 - len(done)


def test_changed_config_refuses_to_mix_runs(make_cfg, scripted_cot):
    driver.run(make_cfg(limit=2), teacher=scripted_cot)
    with pytest.raises(UserError, match="different config .*seed"):
        driver.run(make_cfg(limit=2, seed=5), teacher=scripted_cot)


def test_orphan_shards_are_removed(make_cfg, scripted_cot):
    out = driver.run(make_cfg(limit=2), teacher=scripted_cot)
    orphan = out.run_dir / "accepted" / "part-99999.parquet"
    orphan.write_bytes(b"half written")
    driver.run(make_cfg(limit=2), teacher=scripted_cot)
    assert not orphan.exists()


def test_same_seed_replays_same_requests(make_cfg):
    a, b = ScriptedTeacher(cot_reply), ScriptedTeacher(cot_reply)
    driver.run(make_cfg(name="x", limit=4), teacher=a)
    driver.run(make_cfg(name="y", limit=4), teacher=b)
    key = lambda t: sorted((c.seed, json.dumps(c.messages)) for c in t.calls)  # noqa: E731
    assert key(a) == key(b)


def test_wrong_answer_rows_have_failure_outcome(make_cfg):
    out = driver.run(make_cfg(limit=3), teacher=ScriptedTeacher(lambda r: cot_reply(r, wrong=True)))
    assert {r["outcome"] for r in all_rows(out.run_dir, "rejected")} == {"failure"}


def test_partitioned_index_in_a_ray_run_answers_as_the_memory_index(make_cfg, tmp_path):
    # exact dedup off: the second run's copies can only be caught by the near index, here rebuilt in
    # Ray actors from the first run's committed signatures (dedup.against)
    first = driver.run(make_cfg(name="a", limit=6), teacher=ScriptedTeacher(cot_reply))
    assert first.stats["accepted"] > 0
    earlier = {r["id"] for r in all_rows(first.run_dir, "accepted")}
    stats, pointed = {}, {}
    for index in ("memory", "partitioned"):
        out = driver.run(make_cfg(name=f"b-{index}", limit=6, runner={"executor": "ray", "workers": 1},
                                  dedup={"exact": False, "index": index, "partitions": 2,
                                         "against": [str(tmp_path / "runs" / "a")]}),
                         teacher=ScriptedTeacher(cot_reply))
        stats[index] = out.stats
        pointed[index] = sorted(r["reject_reason"].split(":", 1)[1] for r in all_rows(out.run_dir, "rejected")
                                if r["reject_reason"].startswith("duplicate_of:"))
    assert stats["partitioned"]["duplicates"] == stats["memory"]["duplicates"] == first.stats["accepted"]
    assert stats["partitioned"]["accepted"] == 0
    assert pointed["partitioned"] == pointed["memory"] and set(pointed["memory"]) == earlier
