"""Counters. Each commit carries the counters of its own rows; run totals are their sum, so
statistics stay exact across crashes and resumes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from factory.manifest import Manifest
from factory.schema import Trajectory, Usage


def reason_key(reason: str) -> str:
    """Group reasons without their details: 'length:too_long:900>800' → 'length:too_long'."""
    if reason.startswith("duplicate_of:"):
        return "duplicate_of"
    return ":".join(reason.split(":", 2)[:2])


def counters_for(rows: list[Trajectory], stat_keys: tuple[str, ...]) -> dict[str, Any]:
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
                slot = c["keys"].setdefault(f"{k}={t.meta[k]}", {"accepted": 0, "rejected": 0})
                slot[side] += 1
    c["reasons"] = dict(c["reasons"])
    return c


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
        "usage": usage.model_dump(), "elapsed_s": round(elapsed, 2),
        "completion_tokens_per_s": round(usage.completion_tokens / elapsed, 2) if elapsed else 0.0,
    }
