"""Static SWE tasks at scale: N repositories sampled (seeded) from the shipped long-tail list through
task synthesis with no environment built. A first pass fetches and unpacks the sdists (timed apart:
the network's share); the second synthesises from the cache — tasks per second, repositories that
yield at least one task, per kind, and why the others were skipped. BENCH_STATIC_REPOS=N to resize."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from typing import Any

from pipelines.swe import sources
from pipelines.swe.static.plan import StaticOptions, make, sample
from pipelines.swe.static.task import KINDS
from sandboxes.config import SandboxConfig

REPOS = int(os.environ.get("BENCH_STATIC_REPOS", "500"))


def _fetch(repos: list[str]) -> tuple[float, int]:
    t0, failed = time.perf_counter(), 0
    for src in repos:
        try:
            sources.materialize(src)
        except Exception:  # noqa: BLE001 - a source that cannot be fetched is counted by synthesis
            failed += 1
    return time.perf_counter() - t0, failed


def run() -> dict[str, Any]:
    repos = sample(StaticOptions(repos=REPOS), 0)
    fetch_s, unfetched = _fetch(repos)
    results, seconds = asyncio.run(make(repos, 0, KINDS, 4, SandboxConfig()))
    tasks = [t for r in results for t in r.tasks]
    per_kind = Counter(t.question or t.kind for t in tasks)
    skipped = Counter(r.skipped.split(":")[0] if r.skipped.startswith(("unavailable", "no_task")) else r.skipped
                      for r in results if r.skipped)
    licences = Counter(r.licence or "unknown" for r in results)
    return {"repos": len(repos), "fetch_s": round(fetch_s, 1), "unfetched": unfetched,
            "synth_s": round(seconds, 1), "tasks": len(tasks), "tasks_per_s": round(len(tasks) / seconds, 2),
            "repos_with_task": sum(bool(r.tasks) for r in results), "per_kind": dict(per_kind),
            "skipped": dict(skipped.most_common()), "licences": dict(licences.most_common(8)),
            "repo_seconds_p50": sorted(r.seconds for r in results)[len(results) // 2]}
