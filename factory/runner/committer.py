"""Dedup + shard writing + manifest commit, in the driver (one writer, one dedup index)."""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow.parquet as pq

from factory.config import RunConfig
from factory.dedup.index import DedupIndex
from factory.errors import UserError
from factory.manifest import Commit, Manifest, ShardFile, load_manifest, save_manifest
from factory.runner.worker import ChunkResult
from factory.schema import Trajectory, Usage
from factory.shards.arrow_schema import from_row, to_table
from factory.shards.writer import write_shard
from factory.stats import counters_for


def accepted_texts(run_dir: Path, manifest: Manifest):
    for shard in manifest.shards("accepted"):
        table = pq.read_table(run_dir / shard.path, columns=["id", "messages"])
        for row in table.to_pylist():
            t = Trajectory(pipeline="", task_id="", messages=row["messages"])
            yield row["id"], t.text()


def build_index(cfg: RunConfig, run_dir: Path, manifest: Manifest) -> DedupIndex:
    """Rebuilt from committed accepted shards (this run, then `dedup.against` runs)."""
    index = DedupIndex(cfg.dedup)
    sources = [(run_dir, manifest)]
    for other in cfg.dedup.against:
        m = load_manifest(Path(other))
        if m is None:
            raise UserError(f"dedup.against: {other} is not a run directory (no manifest.json)")
        sources.append((Path(other), m))
    for d, m in sources:
        for row_id, text in accepted_texts(d, m):
            index.add(row_id, text)
    return index


class Committer:
    def __init__(self, cfg: RunConfig, run_dir: Path, manifest: Manifest, stat_keys: tuple[str, ...]):
        self.cfg, self.run_dir, self.manifest, self.stat_keys = cfg, run_dir, manifest, stat_keys
        self.index = build_index(cfg, run_dir, manifest)
        self.buffer: list[ChunkResult] = []
        self.rows: list[Trajectory] = []
        self.oldest: float | None = None
        self.last_commit = time.monotonic()

    def add(self, result: ChunkResult) -> None:
        for row in result.rows:
            t = from_row(row) if not isinstance(row, Trajectory) else row
            if t.accepted:
                dup = self.index.check(t.id, t.text())
                if dup is not None:
                    t = t.model_copy(update={"reject_reason": f"duplicate_of:{dup}"})
            self.rows.append(t)
        self.buffer.append(result)
        self.oldest = self.oldest or time.monotonic()

    def due(self) -> bool:
        if not self.buffer:
            return False
        aged = self.oldest is not None and time.monotonic() - self.oldest >= self.cfg.shards.flush_seconds
        return aged or len(self.rows) >= self.cfg.shards.rows_per_shard

    def flush(self) -> Commit | None:
        if not self.buffer:
            return None
        seq = self.manifest.next_seq()
        files: dict[str, ShardFile | None] = {}
        for side in ("accepted", "rejected"):
            rows = [t for t in self.rows if t.accepted == (side == "accepted")]
            if not rows:
                files[side] = None
                continue
            w = write_shard(to_table(rows), self.run_dir, f"{side}/part-{seq:05d}.parquet",
                            row_group_rows=self.cfg.shards.row_group_rows, compression=self.cfg.shards.compression)
            files[side] = ShardFile(path=w.path, rows=w.rows, bytes=w.bytes, sha256=w.sha256)
        usage = Usage()
        for r in self.buffer:
            usage = usage.add(r.usage)
        now = time.monotonic()
        counters = counters_for(self.rows, self.stat_keys)
        counters["elapsed_s"] = round(now - self.last_commit, 3)
        commit = Commit(seq=seq, accepted=files["accepted"], rejected=files["rejected"],
                        chunk_ids=[r.chunk_id for r in self.buffer],
                        task_ids=[t for r in self.buffer for t in r.task_ids], usage=usage, counters=counters,
                        committed_at=time.time())
        self.manifest.commits.append(commit)
        save_manifest(self.run_dir, self.manifest)  # the commit point
        self.buffer, self.rows, self.oldest, self.last_commit = [], [], None, now
        return commit
