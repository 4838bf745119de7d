"""The band-partitioned dedup index on a multi-node Ray cluster (ray.cluster_utils.Cluster: a head
and two worker nodes on this machine, the band-group actors placed on the workers by a custom
resource) against the in-memory index, on the same committed run (the dedup benchmark's hard
negatives, signature sidecars as the workers write them):
- rebuild on resume from the stored signatures, rows/s;
- checks of new rows (half near-copies of committed rows, half new problems), rows/s, and whether
  both indexes give the same answer for every row;
- memory: what the driver holds per row (tracemalloc), what the actors hold (RSS growth per row).
All nodes share this machine's cores, so the partitioned figures include Ray's calls between
processes, not a network."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.dedup import row
from bench.dedup_rebuild import make_run
from factory.config import RunConfig
from factory.dedup.index import DedupIndex
from factory.dedup.signature import Signer
from factory.runner.committer import build_index, committed_signatures


def _queries(cfg: RunConfig, n_committed: int, n: int) -> list[Any]:
    """Signatures of new rows: near-copies of committed rows (one word of the reflection changed)
    alternating with new problems."""
    committed = random.Random(0)  # make_run's stream, replayed: its first rows
    fresh, signer = random.Random(1), Signer(cfg.dedup)
    out = []
    for j in range(n):
        if j % 2:
            t = row(committed, j // 2)
            last = t.messages[-1]
            t = t.model_copy(update={"messages": [*t.messages[:-1], last.model_copy(
                update={"content": last.content.replace("plausible", "reasonable", 1)})]})
        else:
            t = row(fresh, n_committed + j)
        out.append(signer.sign(t.with_content_id()))
    return out


def _check_all(index: Any, sigs: list[Any], chunk: int = 8) -> tuple[list[str | None], float]:
    """As the committer checks: a chunk's rows asked about first, then one by one."""
    t0 = time.perf_counter()
    answers: list[str | None] = []
    numbered = list(enumerate(sigs))
    for start in range(0, len(sigs), chunk):
        part = numbered[start:start + chunk]
        index.prefetch([(f"q{i}", s.minhash) for i, s in part])
        answers += [index.check_signature(f"q{i}", s.exact, s.minhash) for i, s in part]
    return answers, time.perf_counter() - t0


def _driver_bytes(fn: Any) -> tuple[Any, int]:
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    out = fn()
    held = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return out, held


def run(n: int = 100_000, queries: int = 4_000, partitions: int = 4) -> dict[str, Any]:
    import ray
    from ray.cluster_utils import Cluster

    tmp = Path(tempfile.mkdtemp(prefix="tfb-"))  # short: Ray's socket paths must fit in 107 bytes
    saved = {k: os.environ.get(k) for k in ("RAY_TMPDIR", "RAY_AUTH_MODE", "RAY_USAGE_STATS_ENABLED")}
    os.environ.update({"RAY_TMPDIR": str(tmp), "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"})
    cluster = None
    try:
        cfg = RunConfig(pipeline="agentic_cot", output_dir=str(tmp), name="r")
        m, _ = make_run(tmp / "r", cfg, n)
        qsigs = _queries(cfg, n, queries)
        # In memory, in this process.
        t0 = time.perf_counter()
        local, _ = build_index(cfg, tmp / "r", m)
        local_rebuild = time.perf_counter() - t0
        local_answers, local_check = _check_all(local, qsigs)
        del local
        # memory in a second build: tracemalloc slows Python allocations severalfold, so not timed
        _, local_bytes = _driver_bytes(lambda: build_index(cfg, tmp / "r", m))
        # Partitioned, on a head + 2 worker nodes.
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
        per_node = -(-partitions // 2)
        for _ in range(2):
            cluster.add_node(num_cpus=1, resources={"dedup": per_node})
        ray.init(address=cluster.address, logging_level="WARNING")
        pcfg = cfg.model_copy(update={"dedup": cfg.dedup.model_copy(update={
            "index": "partitioned", "partitions": partitions, "partition_resources": {"dedup": 1}})})
        remote = DedupIndex(pcfg.dedup)
        empty = remote.remote.memory()  # the actors before any row: the baseline of their RSS
        t0 = time.perf_counter()
        _fill(remote, tmp / "r", m, pcfg)
        mem = remote.remote.memory()  # waits for every insert: the rebuild is done when this returns
        remote_rebuild = time.perf_counter() - t0
        remote_answers, remote_check = _check_all(remote, qsigs)
        remote.close()
        again = DedupIndex(pcfg.dedup)
        _, remote_bytes = _driver_bytes(lambda: _fill(again, tmp / "r", m, pcfg))
        again.close()
        return {
            "rows": n, "queries": queries, "partitions": partitions, "num_perm": cfg.dedup.num_perm,
            "nodes": sorted({x["node"] for x in mem}), "same_answers": local_answers == remote_answers,
            "duplicates_found": sum(a is not None for a in local_answers),
            "memory": {"rebuild_rows_per_s": round(n / local_rebuild), "check_rows_per_s": round(queries / local_check),
                       "driver_bytes_per_row": round(local_bytes / n)},
            "partitioned": {"rebuild_rows_per_s": round(n / remote_rebuild),
                            "check_rows_per_s": round(queries / remote_check),
                            "driver_bytes_per_row": round(remote_bytes / n),
                            "actor_bytes_per_row": [round((x["rss_bytes"] - e["rss_bytes"]) / n)
                                                    for x, e in zip(mem, empty, strict=False)],
                            "signature_bytes_per_row": cfg.dedup.num_perm * 4},
        }
    finally:
        if ray.is_initialized():
            ray.shutdown()
        if cluster is not None:
            cluster.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(tmp, ignore_errors=True)


def _fill(index: Any, run_dir: Path, manifest: Any, cfg: RunConfig) -> None:
    """What `build_index` does on resume, into an index made beforehand (to read its actors' baseline)."""
    for row_id, sig in committed_signatures(run_dir, manifest, cfg.dedup):
        index.add_signature(row_id, sig.exact, sig.minhash)
