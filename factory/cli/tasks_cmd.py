"""`factory tasks --pipeline X --limit N --to DIR`: a pipeline's tasks as RL prompts with no run (the
task generators are seeded: same config and seed, same tasks), and `factory export RUN --format rl`:
the tasks a run worked on, with how often its teacher solved each (`teacher_pass_rate`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
import yaml

from factory.config import RunConfig, deep_merge, load_config
from factory.errors import UserError
from factory.inspect.reader import open_run
from factory.pipeline.registry import get_pipeline
from factory.rl import dataset


def _options(pairs: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for p in pairs:
        key, eq, value = p.partition("=")
        if not eq or not key.strip():
            raise UserError(f"--option {p}: expected KEY=VALUE (a pipeline option, e.g. --option tasks=50)")
        out[key.strip()] = yaml.safe_load(value)
    return out


def tasks(
    pipeline: Optional[str] = typer.Option(None, help="pipeline name (see `factory pipelines`)"),
    config: Optional[Path] = typer.Option(None, help="a run config (its pipeline options and seed)"),
    option: list[str] = typer.Option([], "--option", help="KEY=VALUE pipeline option (repeatable)"),
    limit: Optional[int] = typer.Option(None, min=1, help="only the first N tasks"),
    seed: Optional[int] = typer.Option(None, help="run seed (the task generators draw from it)"),
    to: Path = typer.Option(..., help="output directory (must be new or empty)"),
) -> None:
    """Write RL prompts + references for a pipeline's tasks (TRL and verl load them as they are)."""
    if config is None and pipeline is None:
        raise UserError("factory tasks: give --pipeline NAME or --config FILE")
    over: dict[str, object] = {"pipeline_options": _options(option)}
    if pipeline:
        over["pipeline"] = pipeline
    if seed is not None:
        over["seed"] = seed
    cfg = load_config(config, over) if config else RunConfig.model_validate(deep_merge({"pipeline": pipeline}, over))
    with get_pipeline(cfg.pipeline)(cfg) as p:
        found = p.tasks()[:limit] if limit else p.tasks()
        rows, skipped = dataset.rows_for(p, found)
    out = dataset.write(to, rows, {"made_from": f"pipeline {cfg.pipeline} (seed {cfg.seed})", "pipeline": cfg.pipeline,
                                   "seed": cfg.seed, "pipeline_options": cfg.pipeline_options, "skipped": skipped})
    typer.echo(f"wrote {len(rows)} RL prompts to {out}" + (f" (skipped {sum(skipped.values())}: "
                                                          f"{dict(skipped)})" if skipped else ""))


def export_rl(run: Path, to: Path, limit: int | None = None) -> None:
    """The run's tasks that have rows, with the teacher's rows and pass rate per task."""
    r = open_run(run)
    if not (run / "config.yaml").exists():
        raise UserError(f"{run}: no config.yaml; an RL export rebuilds the run's tasks from its config")
    cfg = load_config(run / "config.yaml", {})
    counts = {tid: (int(n), int(ok)) for tid, n, ok in r.con().sql(
        "SELECT task_id, count(*), count(*) FILTER (WHERE side = 'accepted') FROM rows GROUP BY task_id").fetchall()}
    with get_pipeline(cfg.pipeline)(cfg) as p:
        found = [t for t in p.tasks() if t.id in counts]
        found = found[:limit] if limit else found
        rows, skipped = dataset.rows_for(p, found, counts)
    out = dataset.write(to, rows, {"made_from": f"run {run}", "pipeline": cfg.pipeline, "seed": cfg.seed,
                                   "pipeline_options": cfg.pipeline_options, "skipped": skipped})
    typer.echo(f"wrote {len(rows)} RL prompts to {out}" + (f" (skipped {sum(skipped.values())}: "
                                                          f"{dict(skipped)})" if skipped else ""))
