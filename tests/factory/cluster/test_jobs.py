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
    job, what, _ = jobs.submit(cfg(tmp_path), "nightly-math-202611300200", add=50)
    assert what == "submitted" and job.status == "PENDING" and server.submits == 1
    env = server.jobs[job.submission_id].runtime_env
    assert "py_modules" not in env and Path(env["working_dir"]) == ROOT  # one of the two, never both
    shipped = RunConfig.model_validate(__import__("yaml").safe_load(env["env_vars"][CONFIG_ENV]))
    assert shipped.runner.address == "auto" and shipped.runner.ship_code is False
    assert server.jobs[job.submission_id].entrypoint.endswith("--add 50")
    again, what, _ = jobs.submit(cfg(tmp_path), "nightly-math-202611300200")
    assert what == "existing" and again.submission_id == job.submission_id and server.submits == 1


def test_already_exists_from_a_racing_trigger_is_an_answer(tmp_path):
    job, what, _ = Jobs(None, client=FakeJobServer(race=True)).submit(cfg(tmp_path), "r-1")
    assert job.status == "RUNNING" and what == "existing"


def test_exit_status_of_a_finished_job():
    server = FakeJobServer()
    for sid, status, code in (("ok", "SUCCEEDED", 0), ("teacher", "FAILED", 3), ("bad", "FAILED", 2),
                              ("stopped", "STOPPED", None)):
        server.jobs[sid] = server._info(sid, {"factory_run": "r"}, status)
        server.jobs[sid].driver_exit_code = code
    jobs = Jobs(None, client=server)
    assert {s: jobs.get(s).exit_status() for s in server.jobs} == {"ok": 0, "teacher": 3, "bad": 2, "stopped": 1}
    assert jobs.get("missing") is None


@pytest.mark.parametrize("ended", ["FAILED", "STOPPED"])
def test_a_tick_whose_job_failed_is_retried_as_a_new_attempt(tmp_path, ended):
    server = FakeJobServer()
    jobs = Jobs(None, client=server)
    first, what, _ = jobs.submit(cfg(tmp_path), "n-202611300200")
    server.jobs[first.submission_id].status = ended
    retry, what, failed = jobs.submit(cfg(tmp_path), "n-202611300200")
    assert what == "retried" and retry.submission_id == "n-202611300200-r1" and failed.submission_id == first.submission_id
    assert server.jobs["n-202611300200-r1"].metadata["tick"] == "n-202611300200"
    again, what, _ = jobs.submit(cfg(tmp_path), "n-202611300200")  # the retry is pending: an answer
    assert what == "existing" and again.submission_id == "n-202611300200-r1" and server.submits == 2
    server.jobs["n-202611300200-r1"].status = "FAILED"
    third, what, _ = jobs.submit(cfg(tmp_path), "n-202611300200")
    assert what == "retried" and third.submission_id == "n-202611300200-r2"
    assert [j.submission_id for j in jobs.attempts("n-202611300200")] == [
        "n-202611300200", "n-202611300200-r1", "n-202611300200-r2"]


def test_an_unknown_job_id_is_one_line(tmp_path):
    jobs = Jobs(None, client=FakeJobServer())
    for call in (jobs.logs, jobs.stop):
        with pytest.raises(UserError, match="job 'nope': no such job on this cluster"):
            call("nope")


def test_a_job_counts_only_the_sessions_it_ran(tmp_path):
    from factory.cluster.jobs import Job, job_counts

    stats = {"accepted": 30, "history": [
        {"session": "2026-11-30T02:00:05+00:00", "tasks": 10, "accepted": 7},
        {"session": "2026-12-01T02:00:04+00:00", "tasks": 20, "accepted": 23}]}
    night = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.timezone.utc).timestamp()
    job = Job("n-202612010200", "SUCCEEDED", "n", "", "", night, night + 3600, 0)
    assert job_counts(job, stats) == {"tasks": 20, "accepted": 23}
    assert job_counts(job, {}) is None


def test_the_entrypoint_names_what_its_python_lacks(tmp_path):
    from factory.cluster.entry import missing_packages

    project = tmp_path / "pyproject.toml"
    project.write_text('[project]\nname = "x"\ndependencies = ["pydantic>=2", "ray[default]==2.60.0", '
                       '"no-such-dist-zq>=1"]\n')
    assert missing_packages(project) == ["no-such-dist-zq"]
    assert missing_packages() == []  # this environment has everything the project lists


def test_a_relative_output_dir_is_refused_for_a_cluster_job():
    with pytest.raises(UserError, match="output_dir 'runs': a cluster job needs an absolute path"):
        job_config(RunConfig(pipeline="math"))


@pytest.fixture
def cluster(monkeypatch):
    import shutil
    import tempfile

    from ray.cluster_utils import Cluster

    tmp = tempfile.mkdtemp(prefix="tfj-")
    # The head's PATH finds a `python` without the project's packages (a head started outside the
    # project's environment): this one runs without site-packages.
    bare = Path(tmp) / "bin"
    bare.mkdir()
    (bare / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    (bare / "python").chmod(0o755)
    for k, v in (("RAY_TMPDIR", tmp), ("RAY_AUTH_MODE", "disabled"), ("RAY_USAGE_STATS_ENABLED", "0"),
                 ("PATH", f"{bare}{os.pathsep}{os.environ['PATH']}")):
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
               "--tick", "2026-11-30T02:00Z"]
        # The head's `python` lacks the packages: the job fails at once, and submit says so and why.
        bare = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)
        assert bare.returncode == 2, bare.stderr[-3000:]
        assert "job nightly-202611300200 FAILED" in bare.stderr and "lacks" in bare.stderr
        assert "--python /path/to/that/env/bin/python" in bare.stderr and "submitted:" not in bare.stderr
        # The scheduler's retry of that tick is a new attempt, with the interpreter that has them.
        first = subprocess.run([*cmd, "--python", sys.executable, "--follow"], cwd=ROOT, capture_output=True,
                               text=True, timeout=240)
        assert first.returncode == 0, first.stderr[-3000:] + first.stdout[-3000:]
        assert "retrying the tick: nightly-202611300200 FAILED" in first.stderr
        assert "submitted: nightly-202611300200-r1 (" in first.stderr and "SUCCEEDED" in first.stderr
        stats = json.loads((tmp_path / "runs" / "nightly" / "stats.json").read_text())
        assert stats["tasks"] == 4
        refire = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert refire.returncode == 0 and "already submitted: nightly-202611300200-r1 (SUCCEEDED)" in refire.stderr
        listed = subprocess.run([sys.executable, "-m", "factory.cli.app", "jobs", "--address", address], cwd=ROOT,
                                capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "80"})
        assert listed.returncode == 0, listed.stderr
        line = next(ln for ln in listed.stdout.splitlines() if "nightly-202611300200-r1" in ln)  # not cut at 80
        assert "SUCCEEDED" in line and " 4 " in line
        unknown = subprocess.run([sys.executable, "-m", "factory.cli.app", "jobs", "--address", address, "logs", "nope"],
                                 cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1 and "no such job" in unknown.stderr
    finally:
        stop(server)
