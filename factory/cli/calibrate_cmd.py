"""`factory calibrate RUN`: how often each verifier agrees with the run's human audit labels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from factory.errors import UserError
from factory.inspect import audit
from factory.inspect.calibrate import calibrate
from factory.inspect.query import Filters, select
from factory.inspect.reader import open_run


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def calibrate_cmd(
    run: Path = typer.Argument(..., help="run directory"),
    labels: Optional[Path] = typer.Option(None, help="labels to measure against (default: RUN/audit.jsonl, "
                                          "written by `factory review`)"),
    as_json: bool = typer.Option(False, "--json", help="print the figures as JSON"),
) -> None:
    """Per verifier and refusal reason: agreement with human labels, precision / recall of its
    passes, and the rows where the verdict and the label disagree (listed first)."""
    r = open_run(run)
    path = labels or r.audit_path
    found = audit.load(path)
    if not found:
        raise UserError(f"{path}: no labels; label rows with `factory review {run}` first")
    rows = select(r, Filters(), "id, side, verdicts")
    c = calibrate(rows, found)
    if c.labelled == 0:
        raise UserError(f"{path}: none of its {len(found)} labels names a row of {run} (or all are skip)")
    if as_json:
        print(json.dumps(c.as_dict(), default=str))
        return
    console = Console()
    if c.disagreements:
        t = Table("id", "people", "verifiers", "the verdicts against the label", "note",
                  title=f"{len(c.disagreements)} of {c.labelled} labelled rows disagree")
        for d in c.disagreements:
            t.add_row(d["id"][:12], d["label"], d["verifiers"], ", ".join(d["against"])[:80], d["note"][:40])
        console.print(t)
    t = Table("verifier", "agreement", "precision", "recall", "passed/accepted", "passed/rejected",
              "refused/accepted", "refused/rejected", title=f"verifiers against {c.labelled} human labels ({path})")
    for name, s in [("(row accepted)", c.overall), *sorted(c.verifiers.items())]:
        t.add_row(name, _pct(s.agreement), _pct(s.precision), _pct(s.recall), str(s.tp), str(s.fp), str(s.fn), str(s.tn))
    console.print(t)
    if c.reasons:
        t = Table("refusal reason", "rows", "accepted by people", title="refusal reasons people overruled")
        for name, s in sorted(c.reasons.items(), key=lambda kv: -kv[1].fn):
            t.add_row(name, str(s.fn + s.tn), str(s.fn))
        console.print(t)
    if c.unlabelled_ids:
        console.print(f"{len(c.unlabelled_ids)} labels name rows not in this run (another run's audit file?)")
