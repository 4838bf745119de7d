"""`factory review RUN`: interactive review in the terminal. Labels go to RUN/audit.jsonl; a
restarted review continues at the first sampled row not yet labelled."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from factory.inspect import audit
from factory.inspect.calibrate import disagrees
from factory.inspect.query import STRATUM_SQL, Filters, sample, select
from factory.inspect.reader import open_run
from factory.inspect.render import trajectory, verdict_line

KEYS = "[a]ccept  [r]eject  [s]kip  [c]lear label  [n]ext  [p]rev  [j]ump ID  [q]uit"


def review(
    run: Path = typer.Argument(..., help="run directory"),
    reviewer: Optional[str] = typer.Option(None, help="your name (default: $FACTORY_REVIEWER or $USER)"),
    size: int = typer.Option(50, help="how many rows to sample for review"),
    sample_: str = typer.Option("stratified", "--sample", help="stratified | random | first"),
    seed: int = typer.Option(0, help="sampling seed: the same seed gives the same sample"),
    side: Optional[str] = typer.Option(None, help="only accepted or rejected rows"),
    outcome: Optional[str] = typer.Option(None, help="only rows with this outcome (success, failure, error)"),
    reason: Optional[str] = typer.Option(None, help="only rows rejected for a reason starting with this, e.g. "
                                         "answer:wrong_answer"),
    verifier_failed: Optional[str] = typer.Option(None, help="only rows this verifier failed"),
    meta: list[str] = typer.Option([], help="KEY=VALUE on the row's meta (repeatable)"),
    disagreements_first: bool = typer.Option(False, "--disagreements-first",
                                             help="rows whose label says the opposite of the verifiers come first"),
) -> None:
    """Review sampled rows one by one; labels are appended to RUN/audit.jsonl."""
    who = reviewer or os.environ.get("FACTORY_REVIEWER") or os.environ.get("USER") or getpass.getuser()
    r = open_run(run)
    found = Filters(outcome=outcome, side=side, verifier_failed=verifier_failed, reason=reason, meta=meta)
    rows = sample(select(r, found, f"*, {STRATUM_SQL} AS stratum"), size, sample_, seed)
    console = Console()
    if not rows:
        console.print("nothing to review: no committed rows match")
        raise typer.Exit(1)
    labels = audit.load(r.audit_path)
    if disagreements_first:
        rows = sorted(rows, key=lambda row: not disagrees(row, labels.get(row["id"])))
    ids = [row["id"] for row in rows]
    i = 0 if disagreements_first else next((k for k, rid in enumerate(ids) if rid not in labels), 0)
    while True:
        done = sum(rid in labels for rid in ids)
        row = rows[i]
        console.clear()
        console.print(trajectory(row, r.view))
        prev = labels.get(row["id"])
        mark = f" · labelled {prev['label']} by {prev['reviewer']}" if prev else ""
        if disagrees(row, prev):
            why = f": {row['reject_reason']}" if row.get("reject_reason") else ""
            mark += f" · [yellow]disagrees with the verifiers ({row['side']}{escape(why)})[/]"
        console.print(f"[bold]{done} reviewed of {len(rows)} sampled[/] · row {i + 1}/{len(rows)}{mark}", soft_wrap=True)
        console.print(verdict_line(row), soft_wrap=True)  # their decision beside yours
        console.print(KEYS, markup=False, highlight=False)
        try:
            cmd = input("> ").strip()
        except EOFError:
            break
        key, _, arg = cmd.partition(" ")
        if key in ("a", "r", "s"):
            label = {"a": "accept", "r": "reject", "s": "skip"}[key]
            try:
                note = arg or input("note (enter for none): ").strip()
            except EOFError:
                note = ""
            labels[row["id"]] = audit.append(r.audit_path, row["id"], label, note, who)
            nxt = next((k for k in range(i + 1, len(ids)) if ids[k] not in labels), None)
            if nxt is None and all(rid in labels for rid in ids):
                console.print(f"all {len(rows)} sampled rows reviewed; labels in {r.audit_path}")
                break
            i = nxt if nxt is not None else min(i + 1, len(ids) - 1)
        elif key == "c":
            if row["id"] in labels:
                audit.append(r.audit_path, row["id"], audit.CLEAR, arg, who)
                labels.pop(row["id"])
        elif key == "n":
            i = min(i + 1, len(ids) - 1)
        elif key == "p":
            i = max(i - 1, 0)
        elif key == "j":
            hit = next((k for k, rid in enumerate(ids) if arg and rid.startswith(arg)), None)
            if hit is None:
                console.print(f"[red]no sampled row with id {arg!r}[/]")
                input("enter to continue ")
            else:
                i = hit
        elif key == "q":
            break
    console.print(f"{sum(rid in labels for rid in ids)} reviewed of {len(rows)} sampled; "
                  f"labels in {r.audit_path}; run the same command to continue")
