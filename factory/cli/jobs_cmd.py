"""`factory submit` and `factory jobs`: runs as Ray jobs on an existing cluster."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from factory.cluster.jobs import EXIT_FAILED, Jobs, job_config, job_counts, parse_tick, run_counts, submission_id
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
    python: str = typer.Option("python", help="the interpreter on the cluster that has this project's packages "
                               "(default: the first `python` on the head's PATH), e.g. /opt/venv/bin/python"),
    wait: float = typer.Option(120.0, min=0, help="seconds to wait for the job to start (its interpreter and config "
                               "checked on the cluster) before answering; 0: answer at once"),
    follow: bool = typer.Option(False, "--follow", help="print the job's logs until it ends; exit with its status "
                                "(0 succeeded, 2 bad input, 3 teacher died, 1 other failure)"),
) -> None:
    """Submit a run as a Ray job and wait until it runs. A job already submitted for this run and tick is
    followed, not repeated; a tick whose job failed or was stopped gets a new attempt (<id>-r1, …)."""
    cfg = load_config(config, {"name": name} if name else {})
    sid = job_id or submission_id(cfg.run_name, parse_tick(tick))
    job_config(cfg)  # a config the cluster cannot run fails here, before connecting
    jobs = Jobs(address)
    job, what, failed = jobs.submit(cfg, sid, add=add, python=python)
    if what == "existing":
        print(f"already submitted: {job.submission_id} ({job.status}) · run dir {cfg.run_dir}", file=sys.stderr)
    else:
        if failed is not None:
            print(f"retrying the tick: {failed.submission_id} {failed.status}"
                  + (f" ({failed.message.splitlines()[-1][:200]})" if failed.message else ""), file=sys.stderr)
        started = False
        if wait > 0:
            job, started = jobs.wait_started(job.submission_id, wait)
        if job.done and job.status != "SUCCEEDED":
            _failed(jobs, job, python)
        state = ("running" if started and not job.done else job.status if job.done or wait == 0
                 else f"{job.status}, not started after {wait:.0f} s")
        print(f"submitted: {job.submission_id} ({state}) · run dir {cfg.run_dir}", file=sys.stderr)
    if follow:
        job = jobs.follow(job.submission_id, lambda text: print(text, end="", flush=True))
        print(f"job {job.submission_id}: {job.status}"
              f"{' — ' + job.message if job.message and job.status != 'SUCCEEDED' else ''}", file=sys.stderr)
        raise typer.Exit(job.exit_status())


def _failed(jobs: Jobs, job, python: str) -> None:
    """A job that ended while we waited: its last log lines, what to do, and its exit status."""
    tail = [ln for ln in jobs.client.get_job_logs(job.submission_id).splitlines() if ln.strip()][-12:]
    print(f"job {job.submission_id} {job.status}" + (f": {job.message}" if job.message else ""), file=sys.stderr)
    for line in tail:
        print(f"  | {line}", file=sys.stderr)
    if any("ModuleNotFoundError" in ln or "lacks" in ln or "not found" in ln for ln in tail):
        print(f"the cluster's `{python}` cannot run the factory: start the Ray head from the project's environment "
              "or pass --python /path/to/that/env/bin/python", file=sys.stderr)
    print("submit again (same tick) to retry: it makes a new attempt", file=sys.stderr)
    raise typer.Exit(job.exit_status() or EXIT_FAILED)


def _when(ts: float | None) -> str:
    return datetime.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else "-"


@app.callback()
def jobs(ctx: typer.Context, address: Optional[str] = typer.Option(None, help=ADDRESS_HELP)) -> None:
    """List our jobs with their status and the run's counts."""
    ctx.obj = address
    if ctx.invoked_subcommand is not None:
        return
    listed = Jobs(address).ours()
    # Ids are what `logs`/`stop` take: never cut, whatever the terminal's width.
    t = Table(title="factory jobs")
    t.add_column("job", no_wrap=True, min_width=max((len(j.submission_id) for j in listed), default=3))
    for col in ("status", "run", "started", "ended"):
        t.add_column(col)
    for col in ("tasks (job)", "accepted (job)", "accepted (run)"):
        t.add_column(col, justify="right")
    for j in listed:
        stats = run_counts(j)
        mine = job_counts(j, stats)
        t.add_row(j.submission_id, j.status, j.run, _when(j.start_time), _when(j.end_time),
                  str(mine["tasks"]) if mine else "-", str(mine["accepted"]) if mine else "-",
                  str(stats.get("accepted", "-")))
    console = Console()
    if not console.is_terminal:  # piped: as wide as the table needs
        console = Console(width=max(console.width, 200))
    console.print(t)


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
