"""Rich rendering of one trajectory: the conversation turn by turn, the five Agentic-CoT phases
set off and coloured, tool calls as pretty JSON with their results (long ones folded), verdicts
as a table, token counts."""

from __future__ import annotations

import json
import re
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

PHASE_STYLE = {"analysis": "cyan", "plan": "green", "action": "yellow", "reflection": "magenta", "summary": "bold blue"}
ROLE_STYLE = {"system": "dim", "user": "bold white", "assistant": "bold green", "tool": "yellow"}
_PHASE = re.compile(r"<(analysis|plan|action|reflection|summary)>(.*?)</\1>", re.S)
FOLD_LINES = 30


def fold(text: str, lines: int = FOLD_LINES) -> str:
    parts = text.splitlines()
    if len(parts) <= lines:
        return text
    return "\n".join(parts[:lines]) + f"\n… {len(parts) - lines} more lines (--no-fold to see all)"


def content(text: str, folded: bool) -> RenderableType:
    phases = list(_PHASE.finditer(text))
    if not phases:
        return Text(fold(text) if folded else text)
    out = Text()
    pos = 0
    for m in phases:
        if text[pos:m.start()].strip():
            out.append(text[pos:m.start()].strip() + "\n", style="red")  # text outside the phases
        name, body = m.group(1), m.group(2).strip()
        out.append(f"{name.upper():<11}", style=f"reverse {PHASE_STYLE[name]}")
        out.append(" " + body + "\n", style=PHASE_STYLE[name])
        pos = m.end()
    if text[pos:].strip():
        out.append(text[pos:].strip(), style="red")
    return out


def message(m: dict[str, Any], folded: bool) -> Panel:
    body: list[RenderableType] = []
    if m.get("content"):
        body.append(content(m["content"], folded))
    for call in m.get("tool_calls") or []:
        try:
            args = json.dumps(json.loads(call["arguments"]), indent=2, ensure_ascii=False)
        except (ValueError, TypeError):
            args = str(call["arguments"])
        body.append(Text(f"→ {call['name']}  ({call['id']})", style="bold yellow"))
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


def header(row: dict[str, Any]) -> Text:
    u = row.get("usage") or {}
    side = row.get("side", "")
    style = "green" if side == "accepted" else "red"
    t = Text()
    t.append(f"{side.upper()} ", style=f"bold {style}")
    t.append(f"id {row['id']}  task {row['task_id']}  outcome {row['outcome']}")
    if row.get("reject_reason"):
        t.append(f"  reason {row['reject_reason']}", style="red")
    t.append(f"\ntokens {u.get('prompt_tokens', 0)} in / {u.get('completion_tokens', 0)} out · "
             f"{u.get('teacher_calls', 0)} teacher calls · meta {short_meta(row.get('meta'))}", style="dim")
    return t


def short_meta(meta: Any) -> str:
    d = json.loads(meta) if isinstance(meta, str) and meta else (meta or {})
    keep = {k: v for k, v in d.items() if not isinstance(v, (dict, list)) and len(str(v)) <= 40}
    return json.dumps(keep, ensure_ascii=False)


def trajectory(row: dict[str, Any], folded: bool = True) -> Group:
    return Group(header(row), *(message(m, folded) for m in row["messages"]), verdicts(row))


def as_json(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if isinstance(out.get("meta"), str):
        out["meta"] = json.loads(out["meta"] or "{}")
    return out
