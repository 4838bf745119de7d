"""`factory fsck RUN [--quarantine]`: every committed shard against its manifest record."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from factory.runner.fsck import check, quarantine


def fsck(run: Path = typer.Argument(..., help="run directory, e.g. runs/agentic_cot"),
         do_quarantine: bool = typer.Option(False, "--quarantine", help="move broken commits' files to "
                                            "RUN/quarantine/ and drop them from the manifest, so the next run "
                                            "regenerates exactly their tasks")) -> None:
    """Check a run: each shard's presence, size, sha256 and row count. Exit 0 clean, 1 damaged
    (nothing changed), 0 after --quarantine set the damage aside."""
    report = quarantine(run) if do_quarantine else check(run)
    console = Console()
    if report.damage:
        t = Table("commit", "file", "problem", title=f"damage in {run}")
        for d in report.damage:
            t.add_row(str(d.seq), d.path, d.reason + (" (derived: re-hashed from the shard)" if d.derived else ""))
        console.print(t)
    if report.uncommitted:
        console.print(f"{len(report.uncommitted)} uncommitted file(s) (left by an interrupted run; the next "
                      f"run removes them): {', '.join(report.uncommitted[:5])}{' …' if len(report.uncommitted) > 5 else ''}")
    if report.clean:
        console.print(f"{run}: {report.commits} commit(s), {report.files} file(s): all match the manifest")
        return
    if report.quarantined_to is not None:
        console.print(f"{run}: commit(s) {', '.join(map(str, report.quarantined_commits))} set aside in "
                      f"{report.quarantined_to}; the next `factory run` with this config regenerates "
                      f"{len(report.quarantined_tasks)} task(s)")
        return
    console.print(f"{run}: {len(report.damage)} damaged file(s); restore them from a copy, or rerun with "
                  "--quarantine to set their commits aside")
    sys.exit(1)
