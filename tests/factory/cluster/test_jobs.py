"""`factory submit` / `factory jobs`: the job id is the run and the schedule tick, a trigger that
fires twice finds its job instead of submitting another, and the exit code says how the job ended.
The logic runs against a stand-in for the Jobs API; one test submits a real job to a real cluster."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from factory.cluster.jobs import CONFIG_ENV, Jobs, job_config, parse_tick, submission_id
from factory.config import RunConfig
from factory.errors import UserError
from tests.fakes.servers import ROOT, free_port, start_fake, stop


class FakeJobServer:
    """What JobSubmissionClient answers, kept in memory; `race` makes another trigger submit first."""

    def __init__(self, race: bool = False):
        self.jobs: dict[str, SimpleNamespace] = {}
        self.submits = 0
        self.race = race

    def get_job_info(self, sid):
        if sid not in self.jobs:
            raise RuntimeError(f"Request failed with status code 404: Job {sid} does not exist.")
        return self.jobs[sid]

    def submit_job(self, *, entrypoint, submission_id, runtime_env, metadata):
        self.submits += 1
        if self.race or submission_id in self.jobs:
            self.jobs.setdefault(submission_id, self._info(submission_id, metadata, "RUNNING"))
            raise RuntimeError(f"Request failed with status code 500: Job with submission_id {submission_id} "
                               "already exists. Please use a different submission_id.")
        self.jobs[submission_id] = self._info(submission_id, metadata, "PENDING", env=runtime_env, entry=entrypoint)
        return submission_id

    @staticmethod
    def _info(sid, metadata, status, env=None, entry=""):
        return SimpleNamespace(submission_id=sid, job_id=None, status=status, metadata=metadata, message="",
                               start_time=1_700_000_000_000, end_time=None, driver_exit_code=None,
                               runtime_env=env, entrypoint=entry)


def cfg(tmp_path, **over) -> RunConfig:
    return RunConfig.model_validate({"pipeline": "agentic_cot", "name": "nightly math",
                                     "output_dir": str(tmp_path / "runs"), **over})


def test_submission_id_is_run_and_tick_to_the_minute():
    tick = parse_tick("2026-11-30T02:00:41+01:00")
    assert submission_id("nightly math", tick) == "nightly-math-202611300100"
    assert parse_tick("202611300200") == datetime.datetime(2026, 11, 30, 2, 0, tzinfo=datetime.timezone.utc)
    with pytest.raises(UserError, match="--tick 'tonight'"):
        parse_tick("tonight")


def test_a_second_trigger_finds_the_job_instead_of_submitting_again(tmp_path):
    server = FakeJobServer()
    jobs = Jobs(None, client=server)
    job, new = jobs.submit(cfg(tmp_path), "nightly-math-202611300200", add=50)
    assert new and job.status == "PENDING" and server.submits == 1
    env = server.jobs[job.submission_id].runtime_env
    assert "py_modules" not in env and Path(env["working_dir"]) == ROOT  # one of the two, never both
    shipped = RunConfig.model_validate(__import__("yaml").safe_load(env["env_vars"][CONFIG_ENV]))
    assert shipped.runner.address == "auto" and shipped.runner.ship_code is False
    assert server.jobs[job.submission_id].entrypoint.endswith("--add 50")
    again, new = jobs.submit(cfg(tmp_path), "nightly-math-202611300200")
    assert not new and again.submission_id == job.submission_id and server.submits == 1


def test_already_exists_from_a_racing_trigger_is_an_answer(tmp_path):
    job, new = Jobs(None, client=FakeJobServer(race=True)).submit(cfg(tmp_path), "r-1")
    assert job.status == "RUNNING" and new is False


def test_exit_status_of_a_finished_job():
    server = FakeJobServer()
    for sid, status, code in (("ok", "SUCCEEDED", 0), ("teacher", "FAILED", 3), ("bad", "FAILED", 2),
                              ("stopped", "STOPPED", None)):
        server.jobs[sid] = server._info(sid, {"factory_run": "r"}, status)
        server.jobs[sid].driver_exit_code = code
    jobs = Jobs(None, client=server)
    assert {s: jobs.get(s).exit_status() for s in server.jobs} == {"ok": 0, "teacher": 3, "bad": 1, "stopped": 1}
    assert jobs.get("missing") is None


def test_a_relative_output_dir_is_refused_for_a_cluster_job():
    with pytest.raises(UserError, match="output_dir 'runs': a cluster job needs an absolute path"):
        job_config(RunConfig(pipeline="math"))


@pytest.fixture
def cluster(monkeypatch):
    import shutil
    import tempfile

    from ray.cluster_utils import Cluster

    tmp = tempfile.mkdtemp(prefix="tfj-")
    for k, v in (("RAY_TMPDIR", tmp), ("RAY_AUTH_MODE", "disabled"), ("RAY_USAGE_STATS_ENABLED", "0"),
                 # a job's entrypoint runs `python` from the cluster's PATH: here, this environment's
                 ("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")):
        monkeypatch.setenv(k, v)
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 2, "include_dashboard": True,
                                                      "dashboard_port": free_port()})
    yield c
    c.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)


def test_submit_runs_the_config_as_a_ray_job_and_a_refire_follows_it(tmp_path, cluster):
    port = free_port()
    server = start_fake(port)
    try:
        config = tmp_path / "nightly.yaml"
        config.write_text(f"""pipeline: agentic_cot
name: nightly
output_dir: {tmp_path / 'runs'}
limit: 4
teacher: {{backend: openai, base_url: 'http://127.0.0.1:{port}/v1'}}
runner: {{workers: 1, chunk_size: 2}}
""")
        address = f"http://{cluster.webui_url}"
        cmd = [sys.executable, "-m", "factory.cli.app", "submit", "--config", str(config), "--address", address,
               "--tick", "2026-11-30T02:00Z", "--follow"]
        first = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
        assert first.returncode == 0, first.stderr[-3000:] + first.stdout[-3000:]
        assert "submitted: nightly-202611300200" in first.stderr and "SUCCEEDED" in first.stderr
        stats = json.loads((tmp_path / "runs" / "nightly" / "stats.json").read_text())
        assert stats["tasks"] == 4
        refire = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert refire.returncode == 0 and "already submitted: nightly-202611300200 (SUCCEEDED)" in refire.stderr
        listed = subprocess.run([sys.executable, "-m", "factory.cli.app", "jobs", "--address", address], cwd=ROOT,
                                capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})
        assert listed.returncode == 0, listed.stderr
        line = next(ln for ln in listed.stdout.splitlines() if "nightly-202611300200" in ln)
        assert "SUCCEEDED" in line and " 4 " in line
    finally:
        stop(server)
