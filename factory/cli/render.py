"""Rich renderings shared by commands."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def summary_table(stats: dict[str, Any], wall_s: float | None = None) -> Table:
    u = stats["usage"]
    t = Table(title=f"run {stats['run_id']} ({stats['pipeline']})", show_header=False)
    t.add_column(style="bold")
    t.add_column(justify="right")
    t.add_row("tasks", str(stats["tasks"]))
    t.add_row("rows", str(stats["rows"]))
    t.add_row("accepted", str(stats["accepted"]))
    t.add_row("rejected", str(stats["rejected"]))
    for reason, n in sorted(stats["reasons"].items(), key=lambda kv: -kv[1]):
        t.add_row(f"  {reason}", str(n))
    t.add_row("errors", str(stats["errors"]))
    for key, slot in sorted(stats["keys"].items()):
        t.add_row(f"by {key}", f"{slot.get('accepted', 0)} accepted / {slot.get('rejected', 0)} rejected")
    t.add_row("teacher calls", str(u["teacher_calls"]))
    t.add_row("tokens in / out", f"{u['prompt_tokens']} / {u['completion_tokens']}")
    t.add_row("output tokens/s", f"{stats['completion_tokens_per_s']:.1f}")
    t.add_row("generation time", f"{stats['elapsed_s']:.1f} s")
    if wall_s is not None:
        t.add_row("wall time (this call)", f"{wall_s:.1f} s")
    return t


def verifier_table(stats: dict[str, Any]) -> Table:
    t = Table("verifier", "passed", "failed", title="verifiers")
    for name, slot in sorted(stats["verifiers"].items()):
        t.add_row(name, str(slot.get("passed", 0)), str(slot.get("failed", 0)))
    return t
