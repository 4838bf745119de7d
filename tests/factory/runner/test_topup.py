"""Nightly top-ups: `--add N` extends a named run by N tasks it has not committed, never redoes a
committed one, stays the same run (same id, same manifest), and the run's history shows what each
invocation committed."""

from __future__ import annotations

import pytest

from factory.config import RunConfig
from factory.errors import UserError
from factory.manifest import load_manifest
from factory.runner import driver
from tests.factory.pipeline.toy import toy_reply
from tests.fakes.scripted import ScriptedTeacher

STREAM = "tests.factory.pipeline.toy:ToyStream"


def stream_cfg(tmp_path, **opts) -> RunConfig:
    return RunConfig.model_validate({"pipeline": STREAM, "output_dir": str(tmp_path / "runs"), "name": "nightly",
                                     "pipeline_options": opts, "runner": {"executor": "inline", "chunk_size": 2}})


def test_add_grows_an_append_only_stream_without_redoing_anything(tmp_path):
    first = driver.run(stream_cfg(tmp_path, tasks=4), teacher=ScriptedTeacher(toy_reply))
    night2 = ScriptedTeacher(toy_reply)
    out = driver.run(stream_cfg(tmp_path, tasks=4), teacher=night2, add=3)
    assert out.new_tasks == 3 and out.stats["tasks"] == 7
    assert {c.messages[0]["content"].split(":")[0] for c in night2.calls} == {"Task toy-4", "Task toy-5", "Task toy-6"}
    m = load_manifest(out.run_dir)
    assert m.run_id == load_manifest(first.run_dir).run_id
    ids = [t for c in m.commits for t in c.task_ids]
    assert sorted(ids) == [f"toy-{i}" for i in range(7)]
    hist = out.stats["history"]
    assert [h["tasks"] for h in hist] == [4, 3] and all(h["rows"] == 2 * h["tasks"] for h in hist)
    # the run keeps its identity: resuming with the original config is still the same run, nothing to do
    again = ScriptedTeacher(toy_reply)
    assert driver.run(stream_cfg(tmp_path, tasks=4), teacher=again).new_tasks == 0 and not again.calls


def test_add_on_a_fixed_task_list_takes_the_next_ones_then_says_none_are_left(make_cfg):
    driver.run(make_cfg(limit=3), teacher=ScriptedTeacher(toy_reply))
    t = ScriptedTeacher(toy_reply)
    out = driver.run(make_cfg(limit=3), teacher=t, add=2)
    assert out.new_tasks == 2 and out.stats["tasks"] == 5
    total = len(driver.plan(make_cfg())[1])
    out = driver.run(make_cfg(), teacher=ScriptedTeacher(toy_reply), add=total)  # more than are left
    assert out.stats["tasks"] == total
    with pytest.raises(UserError, match=f"--add 1: no new task — all {total} tasks .* fixed task list"):
        driver.run(make_cfg(), teacher=ScriptedTeacher(toy_reply), add=1)
