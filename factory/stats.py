"""Counters. Each commit carries the counters of its own rows; run totals are their sum, so
statistics stay exact across crashes and resumes."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from factory.manifest import Manifest
from factory.trajectory import Trajectory, Usage


def reason_key(reason: str) -> str:
    """Group reasons without their details: 'length:too_long:900>800' → 'length:too_long'."""
    if reason.startswith("duplicate_of:"):
        return "duplicate_of"
    return ":".join(reason.split(":", 2)[:2])


def counters_for(rows: list[Trajectory], stat_keys: Sequence[str] = (), attempt_key: str | None = None) -> dict[str, Any]:
    """Counters of one commit's rows. `stat_keys` and `attempt_key` are what the pipeline declared."""
    c: dict[str, Any] = {"rows": len(rows), "accepted": 0, "rejected": 0, "errors": 0,
                         "duplicates": 0, "reasons": Counter(), "verifiers": {}, "keys": {}}
    for t in rows:
        side = "accepted" if t.accepted else "rejected"
        c[side] += 1
        if t.outcome == "error":
            c["errors"] += 1
        if t.reject_reason:
            c["reasons"][reason_key(t.reject_reason)] += 1
            if t.reject_reason.startswith("duplicate_of:"):
                c["duplicates"] += 1
        for v in t.verdicts:
            slot = c["verifiers"].setdefault(v.verifier, {"passed": 0, "failed": 0})
            slot["passed" if v.passed else "failed"] += 1
        for k in stat_keys:
            if k in t.meta:
                slot = c["keys"].setdefault(f"{k}={t.meta[k]}", {"accepted": 0, "rejected": 0, "solved": 0})
                slot[side] += 1
                slot["solved"] += t.outcome == "success"
    c["reasons"] = dict(c["reasons"])
    if attempt_key and any(attempt_key in t.meta for t in rows):
        c["pass_at_k"] = pass_at_k(rows, attempt_key)
    return c


def pass_at_k(rows: list[Trajectory], attempt_key: str) -> dict[str, Any]:
    """Sums over tasks (so commits add up): per task, of n attempts c were solved; pass@1 is c/n and
    pass@n is whether any was. Divided by `tasks` when shown. Rows without the attempt key (derived
    rows, error rows) are not attempts."""
    per_task: dict[str, list[bool]] = {}
    for t in rows:
        if attempt_key in t.meta:
            per_task.setdefault(t.task_id, []).append(t.outcome == "success")
    out: dict[str, Any] = {"tasks": len(per_task), "pass@1_sum": 0.0, "pass@k_sum": 0, "attempts": 0}
    for solved in per_task.values():
        out["pass@1_sum"] += sum(solved) / len(solved)
        out["pass@k_sum"] += any(solved)
        out["attempts"] += len(solved)
    return out


def pass_rates(stats: dict[str, Any]) -> dict[str, float] | None:
    p = stats.get("pass_at_k")
    if not p or not p.get("tasks"):
        return None
    k = round(p["attempts"] / p["tasks"])
    return {"tasks": p["tasks"], "k": k, "pass@1": p["pass@1_sum"] / p["tasks"], f"pass@{k}": p["pass@k_sum"] / p["tasks"]}


def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict):
            out[k] = merge(out.get(k, {}), v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = out.get(k, 0) + v
        else:
            out[k] = v
    return out


def run_stats(manifest: Manifest) -> dict[str, Any]:
    total: dict[str, Any] = {}
    usage = Usage()
    elapsed = 0.0
    tasks = 0
    for commit in manifest.commits:
        total = merge(total, commit.counters)
        usage = usage.add(commit.usage)
        elapsed += float(commit.counters.get("elapsed_s", 0.0))
        tasks += len(commit.task_ids)
    total.pop("elapsed_s", None)
    return {
        "run_id": manifest.run_id, "pipeline": manifest.pipeline, "tasks": tasks, "commits": len(manifest.commits),
        **{k: total.get(k, 0) for k in ("rows", "accepted", "rejected", "errors", "duplicates")},
        "reasons": total.get("reasons", {}), "verifiers": total.get("verifiers", {}), "keys": total.get("keys", {}),
        **({"pass_at_k": total["pass_at_k"]} if "pass_at_k" in total else {}),
        "usage": usage.model_dump(), "elapsed_s": round(elapsed, 2),
        "completion_tokens_per_s": round(usage.completion_tokens / elapsed, 2) if elapsed else 0.0,
        **({"teacher": teacher_share(manifest, elapsed)} if "teacher" in total else {}),
        "history": history(manifest),
    }


def teacher_share(manifest: Manifest, elapsed: float) -> dict[str, Any]:
    """The teacher's busy share (time with a request in flight over generation time) and prefix-cache
    hit rate. Busy time is metered per worker; with several workers on one engine the busiest one's
    share is reported: a lower bound of the engine's, exact with one worker (the inline executor)."""
    total: dict[str, Any] = {}
    per_session: dict[str | None, dict[str, float]] = {}
    for c in manifest.commits:
        t = c.counters.get("teacher") or {}
        total = merge(total, t)
        per_session[c.session] = merge(per_session.get(c.session, {}), t.get("busy_s") or {})
    busy = sum(max(m.values(), default=0.0) for m in per_session.values())
    prompt = int(total.get("prompt_tokens", 0))
    return {"busy_share": round(min(1.0, busy / elapsed), 3) if elapsed else 0.0,
            "prefix_cache_hit_rate": round(int(total.get("cached_tokens", 0)) / prompt, 3) if prompt else 0.0,
            "requests": int(total.get("requests", 0)), "prompt_tokens": prompt,
            "cached_tokens": int(total.get("cached_tokens", 0)), "workers_metered": len(total.get("busy_s") or {})}


def history(manifest: Manifest) -> list[dict[str, Any]]:
    """Per invocation (a night of a topped-up run), in order: what it committed. Commits made before
    sessions were recorded are one entry, keyed by their first commit's time."""
    out: dict[str, dict[str, Any]] = {}
    for c in manifest.commits:
        key = c.session or time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(c.committed_at))
        h = out.setdefault(c.session or "(before sessions)", {"session": key, "commits": 0, "tasks": 0, "rows": 0,
                                                               "accepted": 0, "completion_tokens": 0})
        h["commits"] += 1
        h["tasks"] += len(c.task_ids)
        h["rows"] += int(c.counters.get("rows", 0))
        h["accepted"] += int(c.counters.get("accepted", 0))
        h["completion_tokens"] += c.usage.completion_tokens
        h["last_commit_at"] = round(c.committed_at, 3)
    return list(out.values())
