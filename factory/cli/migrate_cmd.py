"""`factory migrate RUN`: rewrite a run's shards in the current row schema."""

from __future__ import annotations

from pathlib import Path

import typer

from factory.migrate import migrate as do_migrate
from factory.records import SCHEMA_VERSION


def migrate(run: Path = typer.Argument(..., help="run directory")) -> None:
    """Bring a run made by an older version to the current row schema (in place, crash-safe)."""
    m = do_migrate(run)
    if m.already:
        typer.echo(f"{run}: already schema version {SCHEMA_VERSION}; nothing to do")
        return
    typer.echo(f"{run}: {m.rows} rows in {m.shards} shard(s) rewritten as schema version {SCHEMA_VERSION} "
               f"({m.prompts_stripped} system prompts lost their teacher tools block)")
