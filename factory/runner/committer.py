"""Dedup + shard writing + manifest commit, in the driver (one writer, one dedup index). Rows
arrive as Trajectory models; `factory.records` turns them into Arrow once, here."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq

from factory.config import RunConfig
from factory.dedup.contamination import Contamination, task_text
from factory.dedup.index import DEDUP_KEY, DedupIndex, dedup_text
from factory.errors import UserError
from factory.manifest import Commit, Manifest, ShardFile, load_manifest, save_manifest
from factory.pipeline.view import PipelineView
from factory.records import from_table, to_table
from factory.runner.worker import ChunkResult
from factory.schema import Trajectory, Usage
from factory.shards.writer import write_shard
from factory.stats import counters_for

log = logging.getLogger(__name__)


def accepted_texts(run_dir: Path, manifest: Manifest, roles: list[str]) -> Iterator[tuple[str, str, str | None]]:
    """(id, dedup text, exact dedup key) of every committed accepted row."""
    for shard in manifest.shards("accepted"):
        table = pq.read_table(run_dir / shard.path, columns=["id", "pipeline", "task_id", "messages", "meta"])
        for t in from_table(table):
            yield t.id, dedup_text(t, roles), t.meta.get(DEDUP_KEY)


def build_index(cfg: RunConfig, run_dir: Path, manifest: Manifest) -> tuple[DedupIndex, set[str]]:
    """Rebuilt from committed accepted shards (this run, then `dedup.against` runs). Also returns
    the ids that came from `against` runs, so that a drop because of them can be reported."""
    index = DedupIndex(cfg.dedup)
    foreign: set[str] = set()
    for d, m, own in [(run_dir, manifest, True), *((Path(o), _other(o), False) for o in cfg.dedup.against)]:
        for row_id, text, key in accepted_texts(d, m, cfg.dedup.roles):
            index.add(row_id, text)
            if key:
                index.check_key(row_id, key)
            if not own:
                foreign.add(row_id)
    return index, foreign


def _other(path: str) -> Manifest:
    m = load_manifest(Path(path))
    if m is None:
        raise UserError(f"dedup.against: {path} is not a run directory (no manifest.json)")
    return m


class Committer:
    def __init__(self, cfg: RunConfig, run_dir: Path, manifest: Manifest, view: PipelineView):
        self.cfg, self.run_dir, self.manifest, self.view = cfg, run_dir, manifest, view
        self.index, self.foreign = build_index(cfg, run_dir, manifest)
        self.contamination = (Contamination(cfg.dedup.decontaminate, cfg.dedup.contamination_ngram)
                              if cfg.dedup.decontaminate else None)
        self.buffer: list[ChunkResult] = []
        self.rows: list[Trajectory] = []
        self.oldest: float | None = None
        self.last_commit = time.monotonic()

    def add(self, result: ChunkResult) -> None:
        for t in result.rows:
            if t.accepted and self.contamination is not None:
                bench = self.contamination.check(task_text(t))
                if bench is not None:
                    t = t.model_copy(update={"reject_reason": f"contaminated:{bench}"})
            if t.accepted:
                key = t.meta.get(DEDUP_KEY)
                dup = self.index.check_key(t.id, key) if key else None
                dup = dup or self.index.check(t.id, dedup_text(t, self.cfg.dedup.roles))
                if dup is not None:
                    t = t.model_copy(update={"reject_reason": f"duplicate_of:{dup}"})
                    if dup in self.foreign:
                        log.warning("row %s (task %s) dropped: duplicates %s of an earlier run (dedup.against)",
                                    t.id, t.task_id, dup)
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
        counters = counters_for(self.rows, self.view.stat_keys, self.view.attempt_key)
        counters["elapsed_s"] = round(now - self.last_commit, 3)
        commit = Commit(seq=seq, accepted=files["accepted"], rejected=files["rejected"],
                        chunk_ids=[r.chunk_id for r in self.buffer],
                        task_ids=[t for r in self.buffer for t in r.task_ids], usage=usage, counters=counters,
                        committed_at=time.time())
        self.manifest.commits.append(commit)
        save_manifest(self.run_dir, self.manifest)  # the commit point
        log.info("commit %d: %d chunk(s), %d task(s), %d accepted, %d rejected", seq, len(commit.chunk_ids),
                 len(commit.task_ids), counters["accepted"], counters["rejected"])
        self.buffer, self.rows, self.oldest, self.last_commit = [], [], None, now
        return commit
