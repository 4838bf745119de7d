"""A self-contained HTML report (plots embedded as PNG data URIs, no external assets)."""

from __future__ import annotations

import base64
import html
import io
import json
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render to memory
import matplotlib.pyplot as plt  # noqa: E402

from factory.inspect import audit  # noqa: E402
from factory.inspect.reader import Run  # noqa: E402
from factory.stats import run_stats  # noqa: E402


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _bar(labels: list[str], values: list[float], title: str, xlabel: str, share: bool = False) -> str | None:
    if not labels:
        return None  # an empty frame says nothing; the section says why instead
    fig, ax = plt.subplots(figsize=(7, max(1.6, 0.35 * len(labels) + 1)))
    ax.barh(labels or ["(none)"], values or [0], color="#4c72b0")
    if share:
        ax.set_xlim(0, 1)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.invert_yaxis()
    return _png(fig)


def _hist(series: dict[str, list[float]], title: str, xlabel: str) -> str | None:
    if not any(series.values()):
        return None
    fig, ax = plt.subplots(figsize=(7, 3))
    for name, xs in series.items():
        if xs:
            ax.hist(xs, bins=20, alpha=0.6, label=f"{name} ({len(xs)})")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.legend()
    return _png(fig)


def _line(points: list[tuple[float, float]], title: str, xlabel: str) -> str:
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot([t for t, _ in points], [v for _, v in points], marker="o")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return _png(fig)


def build_report(run: Run) -> str:
    stats = run_stats(run.manifest)
    con = run.con()
    shapes = con.execute("SELECT side, len(messages), len(array_to_string(list_transform(list_filter(messages, "
                         "lambda m: m.role = 'assistant'), lambda m: m.content), '')) FROM rows").fetchall()
    turns = {s: [t for side, t, _ in shapes if side == s] for s in ("accepted", "rejected")}
    chars = {s: [c for side, _, c in shapes if side == s] for s in ("accepted", "rejected")}
    shown = set(run.view.summary_keys)  # the pipeline's summary keys: 111 math abilities would not fit
    keys = sorted((k, v) for k, v in stats["keys"].items() if k.partition("=")[0] in shown)
    rate_labels = [k for k, _ in keys]
    rates = [v.get("accepted", 0) / max(1, v.get("accepted", 0) + v.get("rejected", 0)) for _, v in keys]
    reasons = sorted(stats["reasons"].items(), key=lambda kv: -kv[1])
    t0 = min((c.committed_at for c in run.manifest.commits), default=0.0)
    tps = [(c.committed_at - t0, c.usage.completion_tokens / max(1e-9, float(c.counters.get("elapsed_s", 0)) or 1e-9))
           for c in run.manifest.commits]
    tps_png = _line(tps, "output tokens/s per commit", "seconds since first commit") if tps else None
    plots = [
        ("Pass rate by key", _bar(rate_labels, rates, "accepted share", "share of rows accepted", share=True)
         if stats["accepted"] else None,
         "no rows carry the pipeline's summary keys" if stats["accepted"] else "no accepted rows: 0% for every key"),
        ("Reasons for rejection", _bar([k for k, _ in reasons], [v for _, v in reasons], "rejected rows", "rows"),
         "no rejected rows"),
        ("Length of the assistant turns", _hist(chars, "assistant characters per row", "characters"), "no rows"),
        ("Turns per trajectory", _hist(turns, "messages per row", "messages"), "no rows"),
        ("Throughput over the run", tps_png, "no commits"),
    ]
    found = audit.load(run.audit_path)
    a, split = audit.summary(found), audit.disagreements(con, found)
    u = stats["usage"]
    facts = [("run", stats["run_id"]), ("pipeline", stats["pipeline"]), ("tasks", stats["tasks"]),
             ("rows", stats["rows"]), ("accepted", stats["accepted"] or "no accepted rows"),
             ("rejected", stats["rejected"]), ("duplicates", stats["duplicates"]), ("errors", stats["errors"]),
             ("tokens in / out", f"{u['prompt_tokens']} / {u['completion_tokens']}"),
             ("output tokens/s", stats["completion_tokens_per_s"]),
             ("audit", f"{a['accept']} accept · {a['reject']} reject · {a['skip']} skip"),
             ("disagreements", f"{len(split['accepted_by_people'])} labelled accept but rejected by the verifiers "
                               f"(no export includes them) · {len(split['rejected_by_people'])} labelled reject but "
                               "accepted (exports leave them out)")]
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in facts)
    figs = "".join(f"<section><h2>{html.escape(t)}</h2>" + (f"<img alt='{html.escape(t)}' src='{src}'>" if src else
                                                             f"<p class=none>{html.escape(none)}</p>") + "</section>"
                   for t, src, none in plots)
    if not stats["accepted"]:
        figs = ("<p class=warn>no accepted rows: every row was rejected — the reasons are below; "
                "`factory inspect RUN --side rejected` shows them</p>") + figs
    warn = "".join(f"<p class=warn>unreadable shard skipped: {html.escape(str(f))}: {html.escape(w)}</p>"
                   for f, w in run.broken)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(stats['run_id'])}</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}}table{{border-collapse:collapse}}
th,td{{border:1px solid #ccc;padding:4px 10px;text-align:left}}img{{max-width:100%}}.warn{{color:#b00}}</style></head>
<body><h1>Run report: {html.escape(stats['run_id'])}</h1>{warn}<table>{rows}</table>{figs}
<script type="application/json" id="stats">{html.escape(json.dumps(stats))}</script></body></html>"""
