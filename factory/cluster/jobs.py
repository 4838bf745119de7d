"""Runs as Ray jobs on an existing cluster (the Jobs API, `JobSubmissionClient`).

A job runs `factory run` on the cluster with this checkout as its `working_dir` and the run config
in its environment. Its submission id is deterministic — the run name and the schedule tick
(`<run>-<YYYYMMDDHHMM>`) — so a trigger that fires twice (a retried cron, two schedulers) finds the
job it already submitted and follows it instead of starting a second writer; the run directory's
lock stops any overlap that gets through (a long night meeting the next). A tick whose job failed or
was stopped is not done: submitting it again starts a new attempt (`<id>-r1`, `-r2` …)."""

from __future__ import annotations

import datetime
import json
import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factory.config import RunConfig, dump_config
from factory.errors import UserError, plain_error

ROOT = Path(__file__).resolve().parents[2]
CONFIG_ENV = "FACTORY_RUN_CONFIG"  # the resolved run config (YAML) travels in the job's environment
META_RUN, META_DIR = "factory_run", "factory_run_dir"
# Not shipped: environments, outputs, caches (the cluster has its own Python env with the deps).
EXCLUDES = [".venv", "runs", ".git", "**/__pycache__", "bench/results", ".pytest_cache", "*.egg-info"]
# How a finished job maps to `factory submit --follow`'s exit code (as `factory run`: 3 = teacher died).
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_TEACHER = 0, 1, 2, 3
# The entrypoint prints this once it has checked its interpreter and the config: the job is running.
STARTED = "factory job started:"
RETRYABLE = ("FAILED", "STOPPED")
_ID = re.compile(r"[^A-Za-z0-9_.-]+")


def submission_id(run_name: str, tick: datetime.datetime) -> str:
    """`<run>-<YYYYMMDDHHMM>` of the schedule tick (UTC), from characters any scheduler accepts."""
    return f"{_ID.sub('-', run_name).strip('-') or 'run'}-{tick.astimezone(datetime.timezone.utc):%Y%m%d%H%M}"


def parse_tick(text: str | None) -> datetime.datetime:
    """A tick given by the scheduler (ISO 8601, or YYYYMMDDHHMM), or now; always to the minute."""
    if not text:
        now = datetime.datetime.now(datetime.timezone.utc)
    else:
        try:
            now = (datetime.datetime.strptime(text, "%Y%m%d%H%M") if text.isdigit()
                   else datetime.datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            raise UserError(f"--tick {text!r}: expected an ISO 8601 time (2026-11-30T02:00Z) or YYYYMMDDHHMM") from None
        if now.tzinfo is None:
            now = now.replace(tzinfo=datetime.timezone.utc)
    return now.replace(second=0, microsecond=0)


def entrypoint(python: str, add: int | None = None) -> str:
    """The job's command. `python`: the interpreter on the cluster that has the factory's packages
    (default `python`, whichever is first on the head's PATH)."""
    return f"{shlex.quote(python)} -m factory.cluster.entry" + (f" --add {add}" if add else "")


def job_config(cfg: RunConfig) -> RunConfig:
    """The config as the job runs it: against the cluster it runs in, with the code of its working_dir."""
    if not Path(cfg.output_dir).is_absolute():
        raise UserError(f"{cfg.source or 'config'}: output_dir {cfg.output_dir!r}: a cluster job needs an absolute "
                        "path on storage every node shares (e.g. /mnt/runs on a persistent volume); a relative one "
                        "would land in the job's temporary working directory and be lost")
    runner = {"address": "auto", "ship_code": False} if cfg.runner.executor == "ray" else {}
    return cfg.model_copy(update={"runner": cfg.runner.model_copy(update=runner)})


@dataclass
class Job:
    submission_id: str
    status: str
    run: str
    run_dir: str
    message: str
    start_time: float | None
    end_time: float | None
    exit_code: int | None

    @property
    def done(self) -> bool:
        return self.status in ("SUCCEEDED", "FAILED", "STOPPED")

    def exit_status(self) -> int:
        if self.status == "SUCCEEDED":
            return EXIT_OK
        return self.exit_code if self.exit_code in (EXIT_BAD_INPUT, EXIT_TEACHER) else EXIT_FAILED


def _job(info: Any) -> Job:
    meta = info.metadata or {}
    return Job(info.submission_id or info.job_id or "?", str(getattr(info.status, "value", info.status)),
               meta.get(META_RUN, ""), meta.get(META_DIR, ""), (info.message or "").strip(),
               info.start_time / 1000 if info.start_time else None, info.end_time / 1000 if info.end_time else None,
               getattr(info, "driver_exit_code", None))


class Jobs:
    """Our jobs on one cluster. `client` is injectable for tests of the logic around the API."""

    def __init__(self, address: str | None, client: Any = None):
        if client is None:
            from ray.job_submission import JobSubmissionClient

            try:
                client = JobSubmissionClient(address)
            except (ConnectionError, RuntimeError, ValueError) as e:
                raise UserError(f"Ray cluster {address or '(RAY_ADDRESS)'}: cannot reach its job server "
                                f"({plain_error(e)}); pass --address http://HEAD:8265") from None
        self.client = client

    def get(self, sid: str) -> Job | None:
        try:
            return _job(self.client.get_job_info(sid))
        except RuntimeError as e:  # the client raises RuntimeError with the server's 404 text
            if "does not exist" in str(e) or "404" in str(e):
                return None
            raise

    def attempts(self, sid: str) -> list[Job]:
        """The jobs of one tick: `sid`, then its retries `sid-r1`, `sid-r2` … as far as they exist."""
        out: list[Job] = []
        while (job := self.get(sid if not out else f"{sid}-r{len(out)}")) is not None:
            out.append(job)
        return out

    def submit(self, cfg: RunConfig, sid: str, *, add: int | None = None,
               python: str = "python") -> tuple[Job, str, Job | None]:
        """(the job, what happened: submitted | retried | existing, the failed attempt a retry replaces).
        A tick whose last attempt is pending, running or succeeded is an answer, not a new job."""
        tried = self.attempts(sid)
        if tried and tried[-1].status not in RETRYABLE:
            return tried[-1], "existing", None
        attempt = f"{sid}-r{len(tried)}" if tried else sid
        run_cfg = job_config(cfg)
        env = {"working_dir": str(ROOT), "excludes": EXCLUDES,
               "env_vars": {CONFIG_ENV: dump_config(run_cfg), "RAY_USAGE_STATS_ENABLED": "0"}}
        try:
            self.client.submit_job(entrypoint=entrypoint(python, add), submission_id=attempt, runtime_env=env,
                                   metadata={META_RUN: cfg.run_name, META_DIR: str(cfg.run_dir), "tick": sid})
        except RuntimeError as e:
            if "already exists" not in str(e):
                raise UserError(f"submitting {attempt}: {plain_error(e)}") from None
            job = self.get(attempt)  # another trigger submitted it between our look and our submit
            if job is not None:
                return job, "existing", None
        job = self.get(attempt)
        if job is None:
            raise UserError(f"{attempt}: submitted, but the cluster does not know it; see `factory jobs`")
        return job, ("retried" if tried else "submitted"), (tried[-1] if tried else None)

    def wait_started(self, sid: str, timeout_s: float, poll_s: float = 0.5) -> tuple[Job, bool]:
        """Wait until the job's entrypoint says it started (or the job ended, or time ran out).
        Returns the job and whether it started."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.get(sid)
            if job is None:
                return Job(sid, "FAILED", "", "", "the job disappeared", None, None, None), False
            if STARTED in self.client.get_job_logs(sid):
                return job, True
            if job.done or time.monotonic() >= deadline:
                return job, False
            time.sleep(poll_s)

    def ours(self) -> list[Job]:
        jobs = [_job(j) for j in self.client.list_jobs() if (j.metadata or {}).get(META_RUN)]
        return sorted(jobs, key=lambda j: j.start_time or 0)

    def known(self, sid: str) -> Job:
        job = self.get(sid)
        if job is None:
            raise UserError(f"job {sid!r}: no such job on this cluster; `factory jobs` lists ours")
        return job

    def logs(self, sid: str) -> str:
        self.known(sid)
        return self.client.get_job_logs(sid)

    def stop(self, sid: str) -> bool:
        self.known(sid)
        return bool(self.client.stop_job(sid))

    def follow(self, sid: str, sink: Callable[[str], None], poll_s: float = 1.0) -> Job:
        """Print new log text until the job ends; returns it ended."""
        seen = 0
        while True:
            job = self.get(sid)
            text = self.client.get_job_logs(sid) if job is not None else ""
            if len(text) > seen:
                sink(text[seen:])
                seen = len(text)
            if job is None or job.done:
                return job or Job(sid, "FAILED", "", "", "job disappeared", None, None, None)
            time.sleep(poll_s)


def run_counts(job: Job) -> dict[str, Any]:
    """The run's counters from its stats.json, when its directory is visible from here."""
    p = Path(job.run_dir) / "stats.json" if job.run_dir else None
    try:
        return json.loads(p.read_text()) if p and p.exists() else {}
    except (OSError, ValueError):
        return {}


def job_counts(job: Job, stats: dict[str, Any]) -> dict[str, int] | None:
    """What this job did (tasks run, rows accepted): the run's sessions that started while the job ran
    (a run resumed by many jobs keeps one history); None when the run's stats are not visible."""
    if not stats or job.start_time is None:
        return None
    end = job.end_time or time.time()
    out = {"tasks": 0, "accepted": 0}
    for h in stats.get("history") or []:
        try:
            started = datetime.datetime.fromisoformat(str(h.get("session"))).timestamp()
        except ValueError:
            continue
        if job.start_time - 1 <= started <= end:
            out["tasks"] += int(h.get("tasks") or 0)
            out["accepted"] += int(h.get("accepted") or 0)
    return out
