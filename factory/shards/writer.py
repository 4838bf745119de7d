"""Write one Parquet shard atomically: staging file → fsync → rename → fsync the directory. A reader
never sees a half-written shard under its final name."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


@dataclass
class WrittenShard:
    path: str  # relative to the run directory
    rows: int
    bytes: int
    sha256: str


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_shard(table: pa.Table, run_dir: Path, rel_path: str, *, row_group_rows: int,
                compression: str) -> WrittenShard:
    final = run_dir / rel_path
    staging = run_dir / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging / (final.name + ".tmp")
    try:
        with tmp.open("wb") as f:
            pq.write_table(table, f, row_group_size=row_group_rows,
                           compression=None if compression == "none" else compression)
            f.flush()
            os.fsync(f.fileno())
        digest = sha256_file(tmp)
        size = tmp.stat().st_size
        os.replace(tmp, final)
    except BaseException:
        # A full disk must not leave a half shard in staging taking the space a rerun needs.
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(final.parent)
    return WrittenShard(rel_path, table.num_rows, size, digest)
