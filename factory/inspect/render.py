"""Rich rendering of one trajectory: the conversation turn by turn, the sections the pipeline
declares (`highlight_tags`, e.g. Agentic-CoT's five phases) set off and coloured, tool calls as
pretty JSON with their results (long ones folded), verdicts as a table, token counts, and the meta
keys the pipeline declares (`inspect_keys`) first."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from factory.pipeline.view import PipelineView
from factory.records import call_parts, decode_meta

PALETTE = ("cyan", "green", "yellow", "magenta", "bold blue", "bright_red", "bright_cyan", "bright_green")
ROLE_STYLE = {"system": "dim", "user": "bold white", "assistant": "bold green", "tool": "yellow"}
FOLD_LINES = 30


def _sections(tags: Sequence[str]) -> re.Pattern[str] | None:
    if not tags:
        return None
    return re.compile(r"<(" + "|".join(re.escape(t) for t in tags) + r")>(.*?)</\1>", re.S)


def fold(text: str, lines: int = FOLD_LINES) -> str:
    parts = text.splitlines()
    if len(parts) <= lines:
        return text
    return "\n".join(parts[:lines]) + f"\n… {len(parts) - lines} more lines (--no-fold to see all)"


def content(text: str, folded: bool, tags: Sequence[str] = ()) -> RenderableType:
    pattern = _sections(tags)
    found = list(pattern.finditer(text)) if pattern else []
    if not found:
        return Text(fold(text) if folded else text)
    style = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(tags)}
    width = max(len(t) for t in tags) + 1
    out = Text()
    pos = 0
    for m in found:
        if text[pos:m.start()].strip():
            out.append(text[pos:m.start()].strip() + "\n")  # text between the sections
        name, body = m.group(1), m.group(2).strip()
        out.append(f"{name.upper():<{width}}", style=f"reverse {style[name]}")
        out.append(" " + body + "\n", style=style[name])
        pos = m.end()
    if text[pos:].strip():
        out.append(text[pos:].strip())
    return out


def message(m: dict[str, Any], folded: bool, tags: Sequence[str] = ()) -> Panel:
    body: list[RenderableType] = []
    if m.get("content"):
        body.append(content(m["content"], folded, tags if m["role"] == "assistant" else ()))
    for call in m.get("tool_calls") or []:
        cid, name, raw = call_parts(call)
        try:
            args = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
        except (ValueError, TypeError):
            args = raw
        body.append(Text(f"→ {name}  ({cid})", style="bold yellow"))
        body.append(Syntax(args, "json", word_wrap=True))
    title = m["role"] + (f" · {m['name']}" if m.get("name") else "") + (
        f" · reply to {m['tool_call_id']}" if m.get("tool_call_id") else "")
    return Panel(Group(*body) if body else Text("(empty)", style="dim"), title=title, title_align="left",
                 border_style=ROLE_STYLE.get(m["role"], "white"))


def verdicts(row: dict[str, Any]) -> Table:
    t = Table("verifier", "passed", "score", "reason", title="verdicts", title_justify="left")
    for v in row.get("verdicts") or []:
        t.add_row(v["verifier"], "[green]yes[/]" if v["passed"] else "[red]no[/]", f"{v['score']:g}", v["reason"] or "")
    return t


def header(row: dict[str, Any], first: Sequence[str] = ()) -> Text:
    u = row.get("usage") or {}
    side = row.get("side", "")
    style = "green" if side == "accepted" else "red"
    t = Text()
    t.append(f"{side.upper()} ", style=f"bold {style}")
    t.append(f"id {row['id']}  task {row['task_id']}  outcome {row['outcome']}")
    if row.get("reject_reason"):
        t.append(f"  reason {row['reject_reason']}", style="red")
    t.append(f"\ntokens {u.get('prompt_tokens', 0)} in / {u.get('completion_tokens', 0)} out · "
             f"{u.get('teacher_calls', 0)} teacher calls", style="dim")
    meta = decode_meta(row.get("meta"))
    declared = [(k, meta[k]) for k in first if k in meta]
    if declared:
        t.append("\n" + "  ".join(f"{k} {_short(v, 80)}" for k, v in declared), style="bold")
    t.append(f"\nmeta {short_meta(meta, skip=set(first))}", style="dim")
    return t


def _short(v: Any, n: int) -> str:
    s = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[: n - 1] + "…"


def short_meta(meta: dict[str, Any], skip: Collection[str] = ()) -> str:
    keep = {k: v for k, v in meta.items()
            if k not in skip and not isinstance(v, (dict, list)) and len(str(v)) <= 40}
    return json.dumps(keep, ensure_ascii=False)


def verdict_line(row: dict[str, Any]) -> Text:
    """The verifiers' decision in one line, for beside a reviewer's own (failed ones first)."""
    vs = sorted(row.get("verdicts") or [], key=lambda v: v["passed"])
    t = Text("verifiers: ", style="bold")
    for i, v in enumerate(vs):
        t.append(" · " if i else "")
        t.append(f"{v['verifier']} ", style="bold")
        t.append("✓" if v["passed"] else f"✗ {v['reason'] or ''}".rstrip(), style="green" if v["passed"] else "red")
    return t


def trajectory(row: dict[str, Any], view: PipelineView, folded: bool = True) -> Group:
    # Verdicts first: what the verifiers decided is what a reader checks the turns against.
    return Group(header(row, view.inspect_keys), verdicts(row),
                 *(message(m, folded, view.highlight_tags) for m in row["messages"]))
