"""False positives of the SWE tampering check: for every shipped profile, seeded bug candidates
from the modifiers (no sandbox needed), each graded as its honest fix would be — the findings the
original code has that the buggy code lost. An honest fix that trips the check would be refused
training data, so the figure to keep is 0. BENCH_SWE_PROFILES picks profiles."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

from factory.seeding import derive_seed
from pipelines.swe import modifiers, profiles, sources, synth, tampering

PER_PROFILE = 200


def honest_fix_findings(prof: profiles.RepoProfile, tree: Path, seed: int, limit: int) -> dict[str, Any]:
    """Over up to `limit` candidates: how many bugs were made and which of their honest fixes the
    check would refuse (with the finding)."""
    made, refused = 0, []
    for rel, mod, target in synth.candidates(prof, tree, seed):
        if made >= limit:
            break
        old = (tree / rel).read_text(encoding="utf-8")
        new = modifiers.apply(old, mod, target, random.Random(derive_seed(seed, prof.name, rel, mod, target)))
        if new is None:
            continue
        made += 1
        found = tampering.added_findings(rel, new, old)  # the fix takes the buggy file back to the original
        if found:
            refused.append({"candidate": f"{rel}:{target}:{mod}", "findings": found})
    return {"honest_fixes": made, "refused": len(refused), "examples": refused[:5]}


def run() -> dict[str, Any]:
    names = [n for n in os.environ.get("BENCH_SWE_PROFILES", ",".join(profiles.SHIPPED)).split(",") if n]
    out: dict[str, Any] = {}
    for name in names:
        prof = profiles.get(name)
        t0 = time.perf_counter()
        res = honest_fix_findings(prof, sources.materialize(prof.source, sha256=prof.sha256), seed=0, limit=PER_PROFILE)
        out[name] = {**res, "seconds": round(time.perf_counter() - t0, 1)}
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
