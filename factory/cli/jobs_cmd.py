"""`factory submit` and `factory jobs`: runs as Ray jobs on an existing cluster."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from factory.cluster.jobs import Jobs, job_config, parse_tick, run_counts, submission_id
from factory.config import load_config

ADDRESS_HELP = "the cluster's job server, e.g. http://HEAD:8265 (default: $RAY_ADDRESS)"
app = typer.Typer(no_args_is_help=False, invoke_without_command=True,
                  help="Our Ray jobs on a cluster: list them, read their logs, stop one.")


def submit(
    config: Path = typer.Option(..., help="YAML run config (output_dir: an absolute path every node shares)"),
    address: Optional[str] = typer.Option(None, help=ADDRESS_HELP),
    name: Optional[str] = typer.Option(None, help="run name (default: the config's)"),
    add: Optional[int] = typer.Option(None, min=1, help="top the run up by N new tasks (factory run --add)"),
    tick: Optional[str] = typer.Option(None, help="the schedule tick this submission is for (ISO 8601 or "
                                       "YYYYMMDDHHMM; default: now); with the run name it makes the job id"),
    job_id: Optional[str] = typer.Option(None, "--id", help="submission id to use instead of <run>-<tick>"),
    follow: bool = typer.Option(False, "--follow", help="print the job's logs until it ends; exit with its status "
                                "(0 succeeded, 3 teacher died, 1 other failure)"),
) -> None:
    """Submit a run as a Ray job; a job already submitted for this run and tick is followed, not repeated."""
    cfg = load_config(config, {"name": name} if name else {})
    sid = job_id or submission_id(cfg.run_name, parse_tick(tick))
    job_config(cfg)  # a config the cluster cannot run fails here, before connecting
    jobs = Jobs(address)
    job, new = jobs.submit(cfg, sid, add=add)
    print(f"{'submitted' if new else 'already submitted'}: {sid} ({job.status}) · run dir {cfg.run_dir}",
          file=sys.stderr)
    if follow:
        job = jobs.follow(sid, lambda text: print(text, end="", flush=True))
        print(f"job {sid}: {job.status}{' — ' + job.message if job.message and job.status != 'SUCCEEDED' else ''}",
              file=sys.stderr)
        raise typer.Exit(job.exit_status())


def _when(ts: float | None) -> str:
    return datetime.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else "-"


@app.callback()
def jobs(ctx: typer.Context, address: Optional[str] = typer.Option(None, help=ADDRESS_HELP)) -> None:
    """List our jobs with their status and the run's counts."""
    ctx.obj = address
    if ctx.invoked_subcommand is not None:
        return
    t = Table("job", "status", "run", "started", "ended", "tasks", "accepted", title="factory jobs")
    for j in Jobs(address).ours():
        counts = run_counts(j)
        t.add_row(j.submission_id, j.status, j.run, _when(j.start_time), _when(j.end_time),
                  str(counts.get("tasks", "-")), str(counts.get("accepted", "-")))
    Console().print(t)


@app.command("logs")
def logs(ctx: typer.Context, job_id: str = typer.Argument(..., help="submission id"),
         follow: bool = typer.Option(False, "--follow", help="keep printing until the job ends")) -> None:
    """Print a job's logs."""
    jobs = Jobs(ctx.obj)
    if follow:
        job = jobs.follow(job_id, lambda text: print(text, end="", flush=True))
        raise typer.Exit(job.exit_status())
    print(jobs.logs(job_id), end="")


@app.command("stop")
def stop(ctx: typer.Context, job_id: str = typer.Argument(..., help="submission id")) -> None:
    """Stop a job (its committed shards stay; rerunning the run resumes it)."""
    stopped = Jobs(ctx.obj).stop(job_id)
    print(f"{job_id}: {'stopping' if stopped else 'not running'}", file=sys.stderr)
