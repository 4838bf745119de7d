"""Is a committed shard still what its commit recorded? The manifest holds each file's size, sha256 and
row count; anything else (a flipped byte, a truncated copy, a deleted file) is damage that a reader
must name rather than serve, and that a rerun must not paper over by silently regenerating tasks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from factory.manifest import Commit, Manifest, ShardFile
from factory.shards.writer import sha256_file

SIDES = ("accepted", "rejected", "signatures")


@dataclass(frozen=True)
class Damage:
    seq: int  # the commit holding the file
    side: str
    path: str  # relative to the run directory
    reason: str

    @property
    def derived(self) -> bool:
        """A signature sidecar can be recomputed from its accepted shard; rows cannot."""
        return self.side == "signatures"

    def line(self) -> str:
        return f"{self.path}: {self.reason}"


def check_file(run_dir: Path, shard: ShardFile, *, hash_bytes: bool = True) -> str | None:
    """Why `shard` is not what its commit recorded, or None. Cheap checks first, so a deleted or
    truncated file is named as such rather than as a hash mismatch."""
    f = run_dir / shard.path
    if not f.is_file():
        return "missing (the manifest lists it)"
    size = f.stat().st_size
    if size != shard.bytes:
        return f"{size} bytes, the manifest says {shard.bytes} (truncated or replaced)"
    if hash_bytes and sha256_file(f) != shard.sha256:
        return "sha256 differs from the manifest (bytes changed since the commit)"
    try:
        rows = pq.ParquetFile(f).metadata.num_rows
    except (OSError, ValueError) as e:
        return f"not readable as Parquet ({str(e).splitlines()[0][:160]})"
    if rows != shard.rows:
        return f"{rows} rows, the manifest says {shard.rows}"
    return None


def check_commit(run_dir: Path, commit: Commit, *, hash_bytes: bool = True) -> list[Damage]:
    out = []
    for side in SIDES:
        shard = getattr(commit, side)
        if shard is not None and (why := check_file(run_dir, shard, hash_bytes=hash_bytes)) is not None:
            out.append(Damage(commit.seq, side, shard.path, why))
    return out


def check_run(run_dir: Path, manifest: Manifest, *, hash_bytes: bool = True) -> list[Damage]:
    return [d for c in manifest.commits for d in check_commit(run_dir, c, hash_bytes=hash_bytes)]


def damage_message(run_dir: Path, damage: list[Damage]) -> str:
    """One line for a run that cannot go on as it is: what is broken and the two ways forward."""
    rows = [d for d in damage if not d.derived]
    more = f" and {len(rows) - 1} more" if len(rows) > 1 else ""
    return (f"{run_dir}: committed shard {rows[0].line()}{more}; nothing was read or regenerated — run "
            f"`factory fsck {run_dir}` to list the damage, restore the files from a copy, or "
            f"`factory fsck {run_dir} --quarantine` to set the broken commits aside so the next run redoes their tasks")
