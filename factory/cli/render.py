"""Rich renderings shared by commands."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from factory.stats import pass_rates


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
    rates = pass_rates(stats)
    if rates:
        k = rates["k"]
        t.add_row(f"pass@1 / pass@{k}", f"{rates['pass@1']:.1%} / {rates[f'pass@{k}']:.1%} over {rates['tasks']} problems")
    t.add_row("teacher calls", str(u["teacher_calls"]))
    t.add_row("tokens in / out", f"{u['prompt_tokens']} / {u['completion_tokens']}")
    t.add_row("output tokens/s", f"{stats['completion_tokens_per_s']:.1f}")
    t.add_row("generation time", f"{stats['elapsed_s']:.1f} s")
    if stats.get("teacher"):
        tm = stats["teacher"]
        t.add_row("teacher busy / prefix cache", f"{tm['busy_share']:.0%} of the time / {tm['prefix_cache_hit_rate']:.0%} "
                                                 "of prompt tokens")
    if wall_s is not None:
        t.add_row("wall time (this call)", f"{wall_s:.1f} s")
    return t


def verifier_table(stats: dict[str, Any]) -> Table:
    t = Table("verifier", "passed", "failed", title="verifiers")
    for name, slot in sorted(stats["verifiers"].items()):
        t.add_row(name, str(slot.get("passed", 0)), str(slot.get("failed", 0)))
    return t


def breakdown_table(stats: dict[str, Any], groups: list[str] | None = None) -> Table | None:
    """Rows, accepted and solved (outcome success) per value of each meta key the pipeline reports
    by (e.g. root, category, difficulty); `groups` picks keys, None = all."""
    t = Table("by", "value", "rows", "accepted", "solved", "solve rate", title="breakdown")
    added = 0
    for key, slot in sorted(stats["keys"].items(), key=lambda kv: _key_order(kv[0])):
        group, _, value = key.partition("=")
        if groups is not None and group not in groups:
            continue
        rows = slot.get("accepted", 0) + slot.get("rejected", 0)
        solved = slot.get("solved", 0)
        t.add_row(group, value, str(rows), str(slot.get("accepted", 0)), str(solved),
                  f"{solved / rows:.0%}" if rows else "-")
        added += 1
    return t if added else None


def _key_order(key: str) -> tuple[str, int, str]:
    group, _, value = key.partition("=")
    return (group, int(value) if value.isdigit() else 0, value)


def history_table(stats: dict[str, Any]) -> Table | None:
    """What each invocation of the run committed (one row per night of a topped-up run); None when
    the run was made in one go."""
    hist = stats.get("history") or []
    if len(hist) < 2:
        return None
    t = Table("session", "commits", "tasks", "rows", "accepted", "tokens out", title="history")
    for h in hist:
        t.add_row(h["session"], str(h["commits"]), str(h["tasks"]), str(h["rows"]), str(h["accepted"]),
                  str(h["completion_tokens"]))
    return t
