"""Executors: inline runs chunks in the driver's loop and closes its worker's pipeline; stale temp
dirs of killed local Ray sessions are reaped, live ones are not."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from factory.config import RunConfig
from factory.runner import executor
from tests.factory.pipeline.toy import Toy, toy_reply
from tests.fakes.scripted import ScriptedTeacher

TOY = "tests.factory.pipeline.toy:Toy"


def test_inline_runs_a_chunk_and_closes_the_pipeline():
    cfg = RunConfig(pipeline=TOY, pipeline_options={"tasks": 2})
    closed = Toy.closed
    ex = executor.InlineExecutor(cfg, ScriptedTeacher(toy_reply), "run-1", TOY)
    tasks = [t.model_dump() for t in Toy(cfg).tasks()]
    res = asyncio.run(ex.submit(0, "chunk-x", tasks))
    assert res.chunk_id == "chunk-x" and res.task_ids == ["toy-0", "toy-1"] and len(res.rows) == 4
    assert all(r.run_id == "run-1" and r.id and r.verdicts for r in res.rows)
    assert ex.close() == [] and Toy.closed == closed + 1


def test_stale_ray_temp_dirs_are_reaped(tmp_path, monkeypatch):
    monkeypatch.setattr(executor.tempfile, "gettempdir", lambda: str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    for name, owner in (("tf-ray-dead", dead.stdout.strip()), ("tf-ray-live", str(os.getpid())), ("tf-ray-unowned", None)):
        (tmp_path / name).mkdir()
        if owner:
            (tmp_path / name / "owner.pid").write_text(owner)
    assert executor.reap_stale_temp_dirs() == [str(tmp_path / "tf-ray-dead")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tf-ray-live", "tf-ray-unowned"]
