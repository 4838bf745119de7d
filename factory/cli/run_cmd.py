"""`factory run`: run (or resume) a pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from factory.cli.render import breakdown_table, history_table, summary_table
from factory.config import load_config


class RichProgress:
    """The driver's Progress (factory.runner.driver) as a rich bar."""

    def __init__(self, console: Console):
        self.console = console
        self.bar: Progress | None = None
        self.task: Any = None

    def status(self, text: str) -> None:
        self.console.print(f"[dim]{text}…[/dim]")

    def start(self, total: int, done: int) -> None:
        self.bar = Progress(TextColumn("tasks"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=self.console, transient=False)
        self.bar.start()
        self.task = self.bar.add_task("tasks", total=total, completed=done)

    def advance(self, n: int, stats: dict[str, Any]) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, n)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def run(
    pipeline: Optional[str] = typer.Option(None, help="pipeline name (see `factory pipelines`)"),
    config: Optional[Path] = typer.Option(None, help="YAML run config"),
    teacher: Optional[str] = typer.Option(None, help="embedded | vllm | openai"),
    base_url: Optional[str] = typer.Option(None, help="openai: endpoint, e.g. http://127.0.0.1:8000/v1"),
    model: Optional[str] = typer.Option(None, help="vllm: model path or name; openai: served model"),
    address: Optional[str] = typer.Option(None, help="existing Ray cluster: auto or ray://host:10001"),
    name: Optional[str] = typer.Option(None, help="run name (directory under output-dir)"),
    output_dir: Optional[str] = typer.Option(None, help="where runs go (default: runs)"),
    limit: Optional[int] = typer.Option(None, help="only the first N tasks"),
    add: Optional[int] = typer.Option(None, min=1, help="extend the named run by N tasks not yet committed (a "
                                      "nightly top-up); committed tasks are never redone"),
    seed: Optional[int] = typer.Option(None, help="run seed"),
    executor: Optional[str] = typer.Option(None, help="ray (default) | inline"),
    workers: Optional[int] = typer.Option(None, help="worker actors"),
) -> None:
    """Run a pipeline; rerunning the same command resumes where it stopped."""
    over: dict[str, Any] = {}
    for key, val in (("pipeline", pipeline), ("name", name), ("output_dir", output_dir), ("limit", limit),
                     ("seed", seed)):
        if val is not None:
            over[key] = val
    t: dict[str, Any] = {k: v for k, v in (("backend", teacher), ("base_url", base_url), ("model", model))
                         if v is not None}
    r: dict[str, Any] = {k: v for k, v in (("address", address), ("executor", executor), ("workers", workers))
                         if v is not None}
    if t:
        over["teacher"] = t
    if r:
        over["runner"] = r
    if config is None and pipeline is None:
        from factory.errors import UserError

        raise UserError("pass --pipeline NAME or --config FILE (see `factory pipelines`)")
    cfg = load_config(config, over)
    if config is not None and "pipeline" not in over:
        from factory.errors import UserError
        from factory.pipeline.registry import resolve

        try:
            resolve(cfg.pipeline)
        except UserError as e:
            raise UserError(f"{config}: pipeline: {e}") from None
    console = Console()
    from factory.teacher.gpu_default import gpu_answers, with_gpu_default

    chosen = with_gpu_default(cfg, gpu_answers())
    if chosen is not cfg:
        console.print(f"[dim]a GPU answers and no teacher is named: {chosen.teacher.model} through vLLM "
                      "(--teacher embedded keeps the embedded CPU model)[/dim]")
        cfg = chosen
    from factory.runner import driver  # the engine (datasketch, Ray): imported by the command that runs it

    outcome = driver.run(cfg, RichProgress(console), add=add)
    console.print(summary_table(outcome.stats, outcome.wall_s))
    # The pipeline says which of its keys fit a summary; `factory stats --by KEY` shows any of them.
    table = breakdown_table(outcome.stats, outcome.view.summary_keys)
    if table is not None:
        console.print(table)
    hist = history_table(outcome.stats)
    if hist is not None:
        console.print(hist)
    if outcome.new_tasks == 0:
        console.print("[dim]nothing left to do: every task is committed[/dim]")
    console.print(f"shards: {outcome.run_dir}/accepted/*.parquet (rejected: {outcome.run_dir}/rejected/) · "
                  f"manifest: {outcome.run_dir}/manifest.json · log: {outcome.run_dir}/run.log")
