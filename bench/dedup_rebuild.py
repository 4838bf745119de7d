"""Dedup index rebuild on resume: 100k committed accepted rows (the dedup benchmark's hard
negatives), the index rebuilt from the signature sidecars the workers committed vs by re-hashing
every row's text (what every start did before). Also: what signing costs a worker, what the index
holds in memory per row (tracemalloc), and the sidecar's bytes per row. One process, one core."""

from __future__ import annotations

import random
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.dedup import row
from factory.config import RunConfig
from factory.dedup import signature
from factory.dedup.signature import Signer
from factory.manifest import Commit, Manifest, ShardFile, save_manifest
from factory.records import to_table
from factory.runner.committer import build_index
from factory.shards.writer import write_shard
from factory.trajectory import Usage

SHARD_ROWS = 2000


def make_run(run_dir: Path, cfg: RunConfig, n: int) -> tuple[Manifest, float]:
    """A run directory with n committed accepted rows and their sidecars; returns the seconds spent signing."""
    rng = random.Random(0)
    signer = Signer(cfg.dedup)
    m = Manifest(run_id="bench", pipeline="bench", config_sha256="-")
    signing = 0.0
    for seq, start in enumerate(range(0, n, SHARD_ROWS)):
        rows = [row(rng, i).with_content_id() for i in range(start, min(n, start + SHARD_ROWS))]
        w = write_shard(to_table(rows), run_dir, f"accepted/part-{seq:05d}.parquet", row_group_rows=1000,
                        compression="zstd")
        t0 = time.perf_counter()
        sigs = [signer.sign(r) for r in rows]
        signing += time.perf_counter() - t0
        s = write_shard(signature.to_table([r.id for r in rows], sigs, cfg.dedup), run_dir,
                        f"signatures/part-{seq:05d}.parquet", row_group_rows=10_000, compression="none")
        m.commits.append(Commit(seq=seq, accepted=ShardFile(**w.__dict__), rejected=None,
                                signatures=ShardFile(**s.__dict__), chunk_ids=[], task_ids=[], usage=Usage(),
                                committed_at=time.time()))
    save_manifest(run_dir, m)
    return m, signing


def timed(fn: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def run(n: int = 100_000) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="tf-bench-rebuild-"))
    try:
        cfg = RunConfig(pipeline="agentic_cot", output_dir=str(tmp), name="r")
        m, signing = make_run(tmp, cfg, n)
        text_only = m.model_copy(update={"commits": [c.model_copy(update={"signatures": None}) for c in m.commits]})
        (from_sigs, _), t_sigs = timed(lambda: build_index(cfg, tmp, m))
        (rehashed, _), t_text = timed(lambda: build_index(cfg, tmp, text_only))
        same = from_sigs.exact == rehashed.exact and from_sigs.rownum.keys() == rehashed.rownum.keys()
        del rehashed
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        index, _ = build_index(cfg, tmp, m)
        held = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        sidecar = sum(c.signatures.bytes for c in m.commits)
        return {"rows": n, "num_perm": cfg.dedup.num_perm, "rebuild_from_signatures_s": round(t_sigs, 2),
                "rebuild_from_text_s": round(t_text, 2), "rows_per_s_signatures": round(n / t_sigs),
                "rows_per_s_text": round(n / t_text), "speedup": round(t_text / t_sigs, 1),
                "same_index": same, "worker_signing_rows_per_s": round(n / signing),
                "index_bytes_per_row": round(held / n), "sidecar_bytes_per_row": round(sidecar / n),
                "indexed": len(index)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
