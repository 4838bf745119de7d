"""`factory inspect RUN`: the run at a glance, or rows with filters, or two rows as a diff."""

from __future__ import annotations

import contextlib
import difflib
import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from factory.cli.pager import ColourPager
from factory.cli.render import summary_table, verifier_table
from factory.errors import UserError
from factory.inspect import audit
from factory.inspect.query import STRATUM_SQL, Filters, sample, select
from factory.inspect.reader import open_run
from factory.inspect.render import trajectory
from factory.records import call_parts, row_for_display
from factory.stats import run_stats


def inspect(
    run: Path = typer.Argument(..., help="run directory"),
    show: Optional[int] = typer.Option(None, help="show N rows (with the filters below)"),
    outcome: Optional[str] = typer.Option(None, help="success | failure | negative | error"),
    side: Optional[str] = typer.Option(None, help="accepted | rejected"),
    verifier_failed: Optional[str] = typer.Option(None, help="rows this verifier failed"),
    reason: Optional[str] = typer.Option(None, help="reject reason prefix, e.g. answer:mismatch"),
    meta: list[str] = typer.Option([], help="meta KEY=VALUE (repeatable)"),
    text: Optional[str] = typer.Option(None, help="case-insensitive text search in messages"),
    id: Optional[str] = typer.Option(None, help="row id (or prefix)"),
    where: Optional[str] = typer.Option(None, help="SQL predicate over shard columns (DuckDB)"),
    sample_: str = typer.Option("first", "--sample", help="first | random | stratified"),
    seed: int = typer.Option(0, help="sampling seed"),
    diff: Optional[str] = typer.Option(None, help="with --id: diff against this other id"),
    as_json_: bool = typer.Option(False, "--json", help="machine output (JSON lines)"),
    no_fold: bool = typer.Option(False, "--no-fold", help="do not fold long messages"),
    pager: bool = typer.Option(False, help="page long output"),
) -> None:
    """Audit a run: counts at a glance; `--show N` to read rows; `--id A --diff B` to compare."""
    r = open_run(run)
    console = Console()
    for f, why in r.broken:
        print(f"warning: skipping damaged shard {f}: {why} (`factory fsck {run}` lists all damage)", file=sys.stderr)
    filters = Filters(outcome, side, verifier_failed, reason, meta, text, id, where)
    if diff is not None:
        if not id:
            raise UserError("--diff needs --id (the first of the two rows)")
        return _diff(r, id, diff, console, as_json_)
    if show is None and not any([outcome, side, verifier_failed, reason, meta, text, id, where]):
        return _glance(r, console, as_json_)
    rows = select(r, filters, f"*, {STRATUM_SQL} AS stratum")
    rows = sample(rows, show or 10, sample_, seed)
    if as_json_:
        for row in rows:
            row.pop("stratum", None)
            print(json.dumps(row_for_display(row), ensure_ascii=False, default=str))
        return
    if not rows:
        console.print("no rows match")
        raise typer.Exit(1)
    with console.pager(ColourPager(), styles=True) if pager else contextlib.nullcontext():
        for row in rows:
            console.print(trajectory(row, r.view, folded=not no_fold))
            console.rule()


def _glance(r, console: Console, as_json_: bool) -> None:
    stats = run_stats(r.manifest)
    con = r.con()
    lengths = con.execute("SELECT side, count(*), avg(len(messages)), avg(len(array_to_string("
                          "list_transform(messages, lambda m: m.content), ''))) FROM rows GROUP BY side ORDER BY side").fetchall()
    outcomes = con.execute("SELECT outcome, side, count(*) FROM rows GROUP BY ALL ORDER BY ALL").fetchall()
    found = audit.load(r.audit_path)
    labels, split = audit.summary(found), audit.disagreements(con, found)
    if as_json_:
        by_outcome = {f"{o}/{side}": n for o, side, n in outcomes}
        print(json.dumps({**stats, "by_outcome": by_outcome, "audit": {**labels, "disagreements": split},
                          "broken_shards": [str(f) for f, _ in r.broken]}, indent=1))
        return
    console.print(summary_table(stats))
    console.print(verifier_table(stats))
    t = Table("side", "rows", "avg turns", "avg chars", title="shape")
    for side, n, turns, chars in lengths:
        t.add_row(side, str(n), f"{turns or 0:.1f}", f"{chars or 0:.0f}")
    console.print(t)
    o = Table("outcome", "side", "rows", title="by outcome")
    for outcome, side, n in outcomes:
        o.add_row(outcome, side, str(n))
    console.print(o)
    console.print(f"duplicates removed: {stats['duplicates']}")
    console.print(f"audit: {labels['accept']} accepted, {labels['reject']} rejected, {labels['skip']} skipped"
                  + (f" by {', '.join(labels['reviewers'])}" if labels["reviewers"] else ""))
    for ids, what in ((split["accepted_by_people"], "labelled accept but rejected by the verifiers (no export "
                       "includes them)"), (split["rejected_by_people"], "labelled reject but accepted by the "
                                           "verifiers (exports leave them out)")):
        if ids:
            console.print(f"[yellow]disagreement: {len(ids)} row(s) {what}[/]: {', '.join(i[:12] for i in ids[:5])}"
                          f"{' …' if len(ids) > 5 else ''} — `factory review --disagreements-first`, "
                          "`factory calibrate`")


def _diff(r, a: str, b: str, console: Console, as_json_: bool) -> None:
    rows = {}
    for key in (a, b):
        found = select(r, Filters(id=key))
        if len(found) != 1:
            raise UserError(f"--id/--diff '{key}': {'no row' if not found else 'several rows'} with that id")
        rows[key] = found[0]
    text = {k: _plain(v) for k, v in rows.items()}
    lines = list(difflib.unified_diff(text[a], text[b], fromfile=rows[a]["id"], tofile=rows[b]["id"], lineterm=""))
    if as_json_:
        print(json.dumps({"a": rows[a]["id"], "b": rows[b]["id"], "diff": lines}))
        return
    for line in lines:
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@") else None
        console.print(line, style=style, markup=False, highlight=False)


def _plain(row) -> list[str]:
    out = []
    for m in row["messages"]:
        out.append(f"## {m['role']}")
        out += (m["content"] or "").splitlines()
        for c in m.get("tool_calls") or []:
            _, name, args = call_parts(c)
            out.append(f"→ {name} {args}")
    out.append(f"## verdicts: {[(v['verifier'], v['passed']) for v in row['verdicts']]}")
    return out

