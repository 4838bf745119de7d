"""manifest.json: the list of committed shards. Rewritten atomically; the rename is the commit.
A chunk listed here is never run again; a shard file not listed here does not exist."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from factory.errors import UserError
from factory.pipeline.view import PipelineView
from factory.shards.writer import fsync_dir
from factory.trajectory import Usage
from tf_common import Strict


class ShardFile(Strict):
    path: str
    rows: int
    bytes: int
    sha256: str


class Commit(Strict):
    seq: int
    accepted: ShardFile | None
    rejected: ShardFile | None
    # Dedup signatures of the accepted shard's rows (factory.dedup.signature); absent in older runs.
    signatures: ShardFile | None = None
    chunk_ids: list[str]
    task_ids: list[str]
    usage: Usage
    counters: dict[str, Any] = Field(default_factory=dict)
    committed_at: float
    session: str | None = None  # start time of the invocation that made it (absent in older runs)


class Manifest(Strict):
    run_id: str
    pipeline: str
    config_sha256: str
    # The row schema of its shards (factory.records.SCHEMA_VERSION); manifests written before the
    # field existed hold version-1 shards.
    schema_version: str = "1"
    # What the pipeline declared for stats/inspect/export (absent in runs made before it was recorded).
    view: PipelineView | None = None
    commits: list[Commit] = Field(default_factory=list)

    def committed_chunks(self) -> set[str]:
        return {c for commit in self.commits for c in commit.chunk_ids}

    def shard_paths(self) -> set[str]:
        return {f.path for c in self.commits for f in (c.accepted, c.rejected, c.signatures) if f is not None}

    def shards(self, side: str) -> list[ShardFile]:
        return [f for c in self.commits if (f := getattr(c, side)) is not None]

    def next_seq(self) -> int:
        return max((c.seq for c in self.commits), default=-1) + 1


def manifest_path(run_dir: Path) -> Path:
    return run_dir / "manifest.json"


def load_manifest(run_dir: Path) -> Manifest | None:
    p = manifest_path(run_dir)
    if not p.exists():
        return None
    try:
        return Manifest.model_validate_json(p.read_text())
    except (ValidationError, ValueError) as e:
        raise UserError(f"{p}: not a valid manifest ({str(e).splitlines()[0]}); it was not written by "
                        "this tool, or was edited by hand — restore it or start a new run name") from None


def save_manifest(run_dir: Path, manifest: Manifest) -> None:
    p = manifest_path(run_dir)
    tmp = p.with_suffix(".json.tmp")
    try:
        with tmp.open("w") as f:
            f.write(manifest.model_dump_json(indent=1))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)  # the old manifest stays the truth
        raise
    fsync_dir(run_dir)


def remove_orphans(run_dir: Path, manifest: Manifest) -> list[str]:
    """Shards written but never committed (a crash between rename and manifest) are deleted, so
    that globbing accepted/*.parquet gives exactly the committed rows."""
    keep = manifest.shard_paths()
    removed = []
    for side in ("accepted", "rejected", "signatures"):
        for f in sorted((run_dir / side).glob("*.parquet")):
            rel = f"{side}/{f.name}"
            if rel not in keep:
                f.unlink()
                removed.append(rel)
    staging = run_dir / "staging"
    if staging.exists():
        for f in staging.iterdir():
            f.unlink()
            removed.append(f"staging/{f.name}")
    return removed


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=1, sort_keys=True)
