"""Dedup + shard writing + manifest commit, in the driver (one writer, one dedup index). Rows
arrive as Trajectory models; `factory.records` turns them into Arrow once, here."""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from factory.config import DedupConfig, RunConfig
from factory.dedup import signature
from factory.dedup.contamination import Contamination, task_text
from factory.dedup.index import DedupIndex
from factory.dedup.signature import Signature, Signer
from factory.errors import UserError, is_storage_full, storage_full
from factory.manifest import Commit, Manifest, ShardFile, load_manifest, save_manifest
from factory.pipeline.view import PipelineView
from factory.records import from_table, to_table
from factory.runner.worker import ChunkResult
from factory.shards.writer import write_shard
from factory.stats import counters_for, merge
from factory.trajectory import Trajectory, Usage

log = logging.getLogger(__name__)


def committed_signatures(run_dir: Path, manifest: Manifest, cfg: DedupConfig,
                         counts: dict[str, int] | None = None) -> Iterator[tuple[str, Signature]]:
    """(id, signature) of every committed accepted row, in commit order: from the signature
    sidecars where usable, else by hashing the rows' text. Only manifest-listed files are read, so
    an index built from this holds exactly what is committed, whatever crashed before."""
    counts = counts if counts is not None else {}
    signer: Signer | None = None
    for commit in manifest.commits:
        if commit.accepted is None:
            continue
        sigs = (signature.read(run_dir / commit.signatures.path, cfg, commit.signatures.sha256)
                if commit.signatures is not None else None)
        if sigs is not None:
            for row in sigs:
                counts["signatures"] = counts.get("signatures", 0) + 1
                yield row
            continue
        if commit.signatures is not None:
            log.warning("%s: signature file %s unusable (changed since its commit, or made with other dedup "
                        "settings); hashing its rows from text", run_dir, commit.signatures.path)
        signer = signer or Signer(cfg)
        table = pq.read_table(run_dir / commit.accepted.path, columns=["id", "pipeline", "task_id", "messages", "meta"])
        for t in from_table(table):
            counts["rehashed"] = counts.get("rehashed", 0) + 1
            yield t.id, signer.sign(t)


def build_index(cfg: RunConfig, run_dir: Path, manifest: Manifest) -> tuple[DedupIndex, set[str]]:
    """Rebuilt from committed accepted rows (this run, then `dedup.against` runs). Also returns
    the ids that came from `against` runs, so that a drop because of them can be reported."""
    index = DedupIndex(cfg.dedup)
    foreign: set[str] = set()
    counts: dict[str, int] = {}
    for d, m, own in [(run_dir, manifest, True), *((Path(o), _other(o), False) for o in cfg.dedup.against)]:
        for row_id, sig in committed_signatures(d, m, cfg.dedup, counts):
            index.add_signature(row_id, sig.exact, sig.minhash)
            if sig.key:
                index.check_key(row_id, sig.key)
            if not own:
                foreign.add(row_id)
    if counts:
        log.info("dedup index: %d rows from stored signatures, %d hashed from text", counts.get("signatures", 0),
                 counts.get("rehashed", 0))
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
        # Which invocation made a commit: the history of a run topped up nightly, one entry per night.
        self.session = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")
        self.signer = Signer(cfg.dedup)  # for rows that come without a signature (an older worker)
        self.buffer: list[ChunkResult] = []
        self.rows: list[Trajectory] = []
        self.sigs: dict[str, Signature] = {}
        self.oldest: float | None = None
        self.last_commit = time.monotonic()

    def add(self, result: ChunkResult) -> None:
        rows = []
        for t in result.rows:
            if t.accepted and self.contamination is not None:
                bench = self.contamination.check(task_text(t))
                if bench is not None:
                    t = t.model_copy(update={"reject_reason": f"contaminated:{bench}"})
            rows.append(t)
        sigs = {t.id: result.signatures.get(t.id) or self.signer.sign(t) for t in rows if t.accepted}
        self.index.prefetch([(i, s.minhash) for i, s in sigs.items()])
        for t in rows:
            if t.accepted:
                sig = sigs[t.id]
                dup = self.index.check_key(t.id, sig.key) if sig.key else None
                dup = dup or self.index.check_signature(t.id, sig.exact, sig.minhash)
                self.sigs[t.id] = sig
                if dup is not None:
                    t = t.model_copy(update={"reject_reason": f"duplicate_of:{dup}"})
                    if dup in self.foreign:
                        log.warning("row %s (task %s) dropped: duplicates %s of an earlier run (dedup.against)",
                                    t.id, t.task_id, dup)
            self.rows.append(t)
        self.buffer.append(result)
        self.oldest = self.oldest or time.monotonic()

    def close(self) -> None:
        self.index.close()

    def due(self) -> bool:
        if not self.buffer:
            return False
        aged = self.oldest is not None and time.monotonic() - self.oldest >= self.cfg.shards.flush_seconds
        return aged or len(self.rows) >= self.cfg.shards.rows_per_shard

    def flush(self) -> Commit | None:
        if not self.buffer:
            return None
        written: list[str] = []
        try:
            return self._commit(written)
        except OSError as e:
            # Shards renamed into place but never listed are uncommitted: remove them now so the
            # space is back and nothing is left for a reader to glob.
            for rel in written:
                (self.run_dir / rel).unlink(missing_ok=True)
            if not is_storage_full(e):
                raise
            tasks = sum(len(r.task_ids) for r in self.buffer)
            raise storage_full(e, self.run_dir, f"a commit of {tasks} task(s) was discarded, the "
                               f"{len(self.manifest.commits)} earlier commit(s) are intact") from None

    def _commit(self, written: list[str]) -> Commit:
        seq = self.manifest.next_seq()
        files: dict[str, ShardFile | None] = {}
        for side in ("accepted", "rejected"):
            rows = [t for t in self.rows if t.accepted == (side == "accepted")]
            if not rows:
                files[side] = None
                continue
            w = write_shard(to_table(rows), self.run_dir, f"{side}/part-{seq:05d}.parquet",
                            row_group_rows=self.cfg.shards.row_group_rows, compression=self.cfg.shards.compression)
            written.append(w.path)
            files[side] = ShardFile(path=w.path, rows=w.rows, bytes=w.bytes, sha256=w.sha256)
        files["signatures"] = None
        if files["accepted"] is not None:
            ids = [t.id for t in self.rows if t.accepted]
            w = write_shard(signature.to_table(ids, [self.sigs[i] for i in ids], self.cfg.dedup), self.run_dir,
                            f"signatures/part-{seq:05d}.parquet", row_group_rows=self.cfg.shards.row_group_rows,
                            compression="none")  # hash values do not compress
            written.append(w.path)
            files["signatures"] = ShardFile(path=w.path, rows=w.rows, bytes=w.bytes, sha256=w.sha256)
        usage = Usage()
        for r in self.buffer:
            usage = usage.add(r.usage)
        now = time.monotonic()
        counters = counters_for(self.rows, self.view.stat_keys, self.view.attempt_key)
        counters["elapsed_s"] = round(now - self.last_commit, 3)
        teacher: dict[str, Any] = {}
        for r in self.buffer:
            teacher = merge(teacher, r.teacher)
        if teacher:
            counters["teacher"] = teacher
        commit = Commit(seq=seq, accepted=files["accepted"], rejected=files["rejected"], signatures=files["signatures"],
                        chunk_ids=[r.chunk_id for r in self.buffer],
                        task_ids=[t for r in self.buffer for t in r.task_ids], usage=usage, counters=counters,
                        committed_at=time.time(), session=self.session)
        self.manifest.commits.append(commit)
        try:
            save_manifest(self.run_dir, self.manifest)  # the commit point
        except BaseException:
            self.manifest.commits.pop()
            raise
        log.info("commit %d: %d chunk(s), %d task(s), %d accepted, %d rejected", seq, len(commit.chunk_ids),
                 len(commit.task_ids), counters["accepted"], counters["rejected"])
        self.buffer, self.rows, self.sigs, self.oldest, self.last_commit = [], [], {}, None, now
        return commit
