"""After a run, and after a run that failed, nothing of ours is left: no helper process (pebble
checkers, sandbox runners, Ray workers), no sandbox (container, cgroup, work dir), no temp dir; and
every worker closed its pipeline, in Ray actors too."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import psutil
import pytest

from factory.errors import TeacherUnavailable, WorkersLost, explain
from factory.runner import driver
from sandboxes import docker_backend
from tests.fakes.scripted import ScriptedTeacher
from tests.pipelines.math.test_pipeline import PROBLEMS, _guided

TOY = "tests.factory.pipeline.toy:Toy"


def _helper_processes() -> set[str]:
    """Our descendants, less multiprocessing's forkserver and resource tracker: one each per
    interpreter by design, started once, shared by every pool of the process, ended with it."""
    out = set()
    for p in psutil.Process().children(recursive=True):
        try:
            cmd = " ".join(p.cmdline())
        except psutil.NoSuchProcess:
            continue
        if "multiprocessing.forkserver" not in cmd and "multiprocessing.resource_tracker" not in cmd:
            out.add(f"{p.pid} {cmd[:200]}")
    return out


def _leftovers() -> dict[str, set]:
    tmp = Path(tempfile.gettempdir())
    client = docker_backend.engine()
    return {
        "processes": _helper_processes(),
        "temp dirs": {p.name for pat in ("tf-ray-*", "tf-sbx-*") for p in tmp.glob(pat)},
        "containers": {c.id for c in docker_backend.labelled(client)} if client else set(),
    }


def _math_cfg(make_cfg, tmp_path: Path):
    f = tmp_path / "p.jsonl"
    f.write_text("\n".join(json.dumps(p) for p in PROBLEMS[:2]))
    return make_cfg(pipeline="math", pipeline_options={"problems": str(f), "generated_problems": 0,
                                                       "attempts": 2, "tool_timeout_s": 5.0})


@pytest.mark.parametrize("teacher_dies", [False, True], ids=["run", "failed-run"])
def test_math_run_leaves_nothing_behind(make_cfg, tmp_path, teacher_dies):
    before = _leftovers()
    teacher = ScriptedTeacher(_guided, die_after=2 if teacher_dies else None)
    if teacher_dies:
        with pytest.raises(TeacherUnavailable):
            driver.run(_math_cfg(make_cfg, tmp_path), teacher=teacher)
    else:
        assert driver.run(_math_cfg(make_cfg, tmp_path), teacher=teacher).stats["rows"] == 4
    assert len(teacher.calls) >= 2  # the sandbox and the checker were really used
    after = _leftovers()
    for what in before:
        assert after[what] <= before[what], f"left behind after the {'failed ' * teacher_dies}run: {what}"
    log = [json.loads(line) for line in (tmp_path / "runs" / "t" / "run.log").read_text().splitlines()]
    if teacher_dies:
        assert any(r["level"] == "ERROR" and "teacher stopped answering" in r["message"] for r in log)


def test_ray_workers_close_their_pipeline_and_forward_logs(tmp_path):
    marker = tmp_path / "marks"
    cfg = driver.RunConfig.model_validate({
        "pipeline": TOY, "output_dir": str(tmp_path / "runs"), "name": "toy",
        "runner": {"executor": "ray", "workers": 2, "chunk_size": 1}, "dedup": {"near": False},
        "pipeline_options": {"marker": str(marker)}})
    before = _leftovers()
    from tests.factory.pipeline.toy import toy_reply

    out = driver.run(cfg, teacher=ScriptedTeacher(toy_reply))
    assert out.stats["rows"] == 12
    marks = marker.read_text().split("\n")[:-1]
    opened = {m.split()[1] for m in marks if m.startswith("open")}
    closed = {m.split()[1] for m in marks if m.startswith("close")}
    assert len(opened) == 2 and opened == closed, marks  # each worker actor, in its own process
    after = _leftovers()
    for what in before:
        assert after[what] <= before[what], f"left behind after a Ray run: {what}"
    log = [json.loads(line) for line in (out.run_dir / "run.log").read_text().splitlines()]
    assert {"time", "level", "component", "message"} <= set(log[0])
    run_id = json.loads((out.run_dir / "manifest.json").read_text())["run_id"]
    assert any(r["component"] == "factory.runner.committer" and r.get("run_id") == run_id for r in log)
    # records made inside the Ray workers, with the task and chunk they were about
    inside = [r for r in log if r["component"] == "tests.factory.pipeline.toy"]
    assert len(inside) == 6 and all(r["task_id"] and r["chunk_id"] and r["run_id"] == run_id for r in inside)
    assert {r["message"] for r in inside} == {"asking for red", "asking for green", "asking for blue"}


def test_a_ray_worker_that_cannot_start_fails_the_run_in_one_line_before_any_request(tmp_path):
    """Workers start before the teacher is handed over: one whose pipeline cannot open stops the
    run with the cause, no chunk is sent, and nothing is left behind."""
    from tests.factory.pipeline.toy import toy_reply

    cfg = driver.RunConfig.model_validate({
        "pipeline": TOY, "output_dir": str(tmp_path / "runs"), "name": "toy",
        "runner": {"executor": "ray", "workers": 1}, "dedup": {"near": False},
        "pipeline_options": {"fail_open": "toy.marker: cannot write there; pass a writable file"}})
    before = _leftovers()
    teacher = ScriptedTeacher(toy_reply)
    with pytest.raises(WorkersLost) as err:
        driver.run(cfg, teacher=teacher)
    code, line = explain(err.value)
    assert code == 1 and "\n" not in line
    assert "a chunk worker could not start: " in line and "UserError: toy.marker: cannot write there" in line
    assert teacher.calls == []
    after = _leftovers()
    for what in before:
        assert after[what] <= before[what], f"left behind after a failed Ray start: {what}"
    # the worker that never started is not asked to close a pipeline it never opened
    logged = "".join(p.read_text() for p in (tmp_path / "runs").rglob("run.log"))
    assert "could not start" in logged and "could not close" not in logged
