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
    ex = executor.InlineExecutor(cfg, "run-1", TOY)
    ex.attach(ScriptedTeacher(toy_reply))
    tasks = [t.model_dump() for t in Toy(cfg).tasks()]
    res = asyncio.run(ex.submit(0, "chunk-x", tasks))
    assert res.chunk_id == "chunk-x" and res.task_ids == ["toy-0", "toy-1"] and len(res.rows) == 4
    assert all(r.run_id == "run-1" and r.id and r.verdicts for r in res.rows)
    assert ex.close() == [] and Toy.closed == closed + 1


def test_stale_ray_temp_dirs_are_reaped(tmp_path, monkeypatch):
    monkeypatch.setattr(executor.tempfile, "gettempdir", lambda: str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = dead.stdout.strip()
    for name, owner in (("tf-ray-dead", dead_pid), ("tf-ray-live", str(os.getpid())), ("tf-ray-unowned", None),
                        (f"tf-ray-{dead_pid}-killedbeforeownerfile", None), ("tf-ray-reused", None)):
        (tmp_path / name).mkdir()
        if owner:
            (tmp_path / name / "owner.pid").write_text(owner)
    # A daemon of the dead session: Ray's agents rename themselves; their log files in the dir say whose they are
    log = (tmp_path / "tf-ray-dead" / "agent.out").open("w")
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], stdout=log)
    log.close()
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    # pid reuse: the recorded owner's pid now belongs to a process started after the dir was made
    (tmp_path / "tf-ray-reused" / "owner.pid").write_text(str(bystander.pid))
    os.utime(tmp_path / "tf-ray-reused", (1, 1))
    try:
        assert sorted(executor.reap_stale_temp_dirs()) == sorted(
            str(tmp_path / n) for n in ("tf-ray-dead", f"tf-ray-{dead_pid}-killedbeforeownerfile", "tf-ray-reused"))
        orphan.wait(timeout=10)  # killed (and already reaped by the reaper, so no status to read)
        assert bystander.poll() is None
    finally:
        for p in (orphan, bystander):
            p.kill()
            p.wait()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tf-ray-live", "tf-ray-unowned"]
