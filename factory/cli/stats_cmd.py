"""`factory stats RUN`: counters of committed shards (works while a run is in progress)."""

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from factory.cli.render import breakdown_table, history_table, summary_table, verifier_table
from factory.errors import UserError
from factory.manifest import load_manifest
from factory.stats import run_stats


def stats(run: Path = typer.Argument(..., help="run directory, e.g. runs/agentic_cot"),
          as_json: bool = typer.Option(False, "--json", help="print JSON instead of tables"),
          by: Optional[list[str]] = typer.Option(None, "--by", help="breakdown keys to show (repeatable), "
                                                 "e.g. --by root --by ability; default: all")) -> None:
    """Show counts, reasons, tokens and throughput of a run."""
    manifest = load_manifest(run)
    if manifest is None:
        raise UserError(f"{run}: not a run directory (no manifest.json); pass e.g. runs/<name>")
    s = run_stats(manifest)
    if as_json:
        print(json.dumps(s, indent=1, sort_keys=True))
        return
    console = Console()
    console.print(summary_table(s))
    table = breakdown_table(s, by)
    if table is not None:
        console.print(table)
    console.print(verifier_table(s))
    hist = history_table(s)
    if hist is not None:
        console.print(hist)
