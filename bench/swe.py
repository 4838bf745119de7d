"""SWE figures per repository profile: synthesis valid-rate and seconds per candidate, grading
seconds per instance (gold patch) and whether 3 re-gradings agree, and snapshot + restore time
of a workspace. BENCH_SWE_PROFILES=toolz,six picks profiles (default: every shipped one)."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from typing import Any

from bench import swe_peer
from pipelines.swe import profiles, sources, synth
from pipelines.swe.grading import grade
from pipelines.swe.tasks import swe_sandbox
from pipelines.swe.workspace import Workspace, env_for, prepare_image
from sandboxes.pool import SandboxPool

LIMIT, CANDIDATES, REGRADES, SNAPSHOTS = 3, 12, 3, 5
PEER_PROFILE = "toolz"  # where the same patches also go through swebench's grading


async def _snapshots(pool: SandboxPool, prof) -> dict[str, float]:
    snap_s, restore_s, size = [], [], 0
    async with pool.session() as a, pool.session() as b:
        src, dst = Workspace(a, env_for(prof.python_path)), Workspace(b, env_for(prof.python_path))
        await src.init()
        for _ in range(SNAPSHOTS):
            t0 = time.perf_counter()
            tar = await src.snapshot()
            snap_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await dst.restore(tar, src.baseline)
            restore_s.append(time.perf_counter() - t0)
            size = len(tar)
        same = await src.content_hash() == await dst.content_hash()
    return {"snapshot_s": statistics.median(snap_s), "restore_s": statistics.median(restore_s),
            "tar_mb": round(size / 1e6, 2), "restored_hash_equal": same}


async def _one(pool: SandboxPool, prof, tree) -> dict[str, Any]:
    found, stats = await synth.synthesize(pool, prof, tree, seed=0, limit=LIMIT, max_candidates=CANDIDATES)
    grading_s, agree = [], True
    for inst in found:
        verdicts = []
        for _ in range(REGRADES):
            r = await grade(inst, inst.patch, pool)
            grading_s.append(r.seconds)
            verdicts.append((r.resolved, r.reason, tuple(sorted(r.tests.items()))))
        agree = agree and len(set(verdicts)) == 1
    return {"candidates": stats.candidates, "valid": stats.valid,
            "valid_rate": round(stats.valid / stats.candidates, 3) if stats.candidates else 0.0,
            "s_per_candidate": round(stats.seconds / stats.candidates, 2) if stats.candidates else None,
            "clean_tests": stats.clean_tests, "rejected": stats.rejected,
            "grading_s": round(statistics.median(grading_s), 2) if grading_s else None,
            "regradings_agree": agree, **(await _snapshots(pool, prof)),
            "peer_grading": await swe_peer.compare(pool, found[0]) if found and prof.name == PEER_PROFILE else None}


def run() -> dict[str, Any]:
    names = [n for n in os.environ.get("BENCH_SWE_PROFILES", ",".join(profiles.SHIPPED)).split(",") if n]
    from sandboxes.select import check_backend

    out: dict[str, Any] = {"backend": check_backend(swe_sandbox()), "profiles": {}}
    for name in names:
        prof = profiles.get(name)
        tree = sources.materialize(prof.source, sha256=prof.sha256)
        t0 = time.perf_counter()
        cfg = prepare_image(swe_sandbox().model_copy(update={"max_concurrent": 2}), tree, prof.name, prof.debian)
        image_s = time.perf_counter() - t0
        pool = SandboxPool(cfg)
        try:
            out["profiles"][name] = {"image_s": round(image_s, 1), **asyncio.run(_one(pool, prof, tree))}
        finally:
            pool.close()
    return out
