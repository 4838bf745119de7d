"""The committer on its own: shards per side, the manifest commit, counters, dedup within a run,
across a restart and against an earlier run."""

from __future__ import annotations

import logging

import pyarrow.parquet as pq

from factory.config import RunConfig
from factory.manifest import load_manifest
from factory.pipeline import PipelineView
from factory.records import from_table
from factory.runner.committer import Committer
from factory.runner.rundir import open_run_dir
from factory.runner.worker import ChunkResult
from factory.trajectory import Message, Trajectory, Usage

VIEW = PipelineView(name="toy", stat_keys=["colour"], attempt_key="try_no")


def row(task: str, text: str, reject: str | None = None, try_no: int = 0, question: str | None = None) -> Trajectory:
    t = Trajectory(pipeline="toy", task_id=task, reject_reason=reject, meta={"colour": "red", "try_no": try_no},
                   messages=[Message(role="user", content=question or f"question {task}"),
                             Message(role="assistant", content=text)],
                   usage=Usage(completion_tokens=3, teacher_calls=1))
    return t.with_content_id()


def result(chunk: str, rows: list[Trajectory]) -> ChunkResult:
    return ChunkResult(chunk, sorted({r.task_id for r in rows}), rows, Usage(completion_tokens=3 * len(rows)), 0.1)


def cfg(tmp_path, name="c", **over) -> RunConfig:
    return RunConfig.model_validate({"pipeline": "toy", "output_dir": str(tmp_path), "name": name,
                                     "dedup": {"near": False}, **over})


def test_flush_writes_each_side_and_commits_last(tmp_path):
    c = cfg(tmp_path)
    run_dir, manifest = open_run_dir(c, VIEW)
    com = Committer(c, run_dir, manifest, VIEW)
    assert com.flush() is None  # nothing buffered: no empty commit
    com.add(result("chunk-a", [row("a", "fine answer one"), row("a", "bad", reject="x:y", try_no=1)]))
    com.add(result("chunk-b", [row("b", "fine answer two")]))
    commit = com.flush()
    assert commit is not None and commit.chunk_ids == ["chunk-a", "chunk-b"] and commit.task_ids == ["a", "b"]
    assert (commit.accepted.rows, commit.rejected.rows) == (2, 1)
    assert commit.counters["keys"]["colour=red"] == {"accepted": 2, "rejected": 1, "solved": 3}
    assert commit.counters["pass_at_k"]["attempts"] == 3 and commit.usage.completion_tokens == 9
    on_disk = load_manifest(run_dir)
    assert on_disk.commits == [commit] and not any((run_dir / "staging").iterdir())
    back = from_table(pq.read_table(run_dir / commit.rejected.path))
    assert back[0].reject_reason == "x:y" and back[0].meta == {"colour": "red", "try_no": 1}


def test_due_by_rows_or_age(tmp_path):
    c = cfg(tmp_path, shards={"rows_per_shard": 2, "flush_seconds": 3600})
    run_dir, manifest = open_run_dir(c, VIEW)
    com = Committer(c, run_dir, manifest, VIEW)
    assert not com.due()
    com.add(result("chunk-a", [row("a", "one two three")]))
    assert not com.due()
    com.add(result("chunk-b", [row("b", "four five six")]))
    assert com.due()
    c2 = cfg(tmp_path, name="d", shards={"rows_per_shard": 100, "flush_seconds": 1e-9})
    com2 = Committer(c2, *open_run_dir(c2, VIEW), VIEW)
    com2.add(result("chunk-a", [row("a", "one two three")]))
    assert com2.due()


def test_duplicates_within_a_run_across_a_restart_and_against_another_run(tmp_path, caplog):
    c = cfg(tmp_path, name="old")
    run_dir, manifest = open_run_dir(c, VIEW)
    com = Committer(c, run_dir, manifest, VIEW)
    first = row("a", "the same words", question="q")
    com.add(result("chunk-a", [first, row("b", "the same words", question="q")]))
    com.flush()
    rejected = from_table(pq.read_table(run_dir / manifest.commits[0].rejected.path))
    assert [r.reject_reason for r in rejected] == [f"duplicate_of:{first.id}"]

    again = Committer(c, run_dir, load_manifest(run_dir), VIEW)  # a restart rebuilds the index from shards
    again.add(result("chunk-c", [row("c", "THE  same words", question="Q")]))  # normalised: case and spaces
    assert again.rows[0].reject_reason == f"duplicate_of:{first.id}"

    new = cfg(tmp_path, name="new", dedup={"near": False, "against": [str(run_dir)]})
    com3 = Committer(new, *open_run_dir(new, VIEW), VIEW)
    with caplog.at_level(logging.WARNING, logger="factory.runner.committer"):
        com3.add(result("chunk-d", [row("d", "the same words", question="q"), row("e", "something else entirely")]))
    assert [r.reject_reason for r in com3.rows] == [f"duplicate_of:{first.id}", None]
    assert "dedup.against" in caplog.text and first.id in caplog.text


def test_rows_overlapping_a_benchmark_are_rejected_as_contaminated(tmp_path):
    bench = tmp_path / "gsm.jsonl"
    bench.write_text('{"question": "Natalia sold clips to 48 of her friends in April and then she sold half as many '
                     'clips in May"}\n')
    c = cfg(tmp_path, dedup={"near": False, "decontaminate": [str(bench)]})
    com = Committer(c, *open_run_dir(c, VIEW), VIEW)
    leaked = row("a", "ok", question="natalia sold clips to 48 of her friends in april and then she sold half")
    com.add(result("chunk-a", [leaked, row("b", "fine")]))
    assert [r.reject_reason for r in com.rows] == [f"contaminated:{bench}", None]
    commit = com.flush()
    assert commit.counters["reasons"] == {f"contaminated:{bench}": 1}


def test_a_pipeline_dedup_key_drops_rows_whatever_their_text(tmp_path):
    c = cfg(tmp_path, name="keys")
    run_dir, manifest = open_run_dir(c, VIEW)
    com = Committer(c, run_dir, manifest, VIEW)

    def keyed(task, text, key):
        t = row(task, text)
        return t.model_copy(update={"meta": {**t.meta, "dedup_key": key}}).with_content_id()

    first = keyed("a", "one way to the fix", "k1")
    com.add(result("chunk-a", [first, keyed("b", "a completely different story", "k1"), keyed("c", "other", "k2")]))
    assert [r.reject_reason for r in com.rows] == [None, f"duplicate_of:{first.id}", None]
    com.flush()
    again = Committer(c, run_dir, load_manifest(run_dir), VIEW)  # keys come back from the committed shards
    again.add(result("chunk-d", [keyed("d", "yet another text", "k1")]))
    assert again.rows[0].reject_reason == f"duplicate_of:{first.id}"
