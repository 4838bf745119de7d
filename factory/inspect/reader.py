"""A run as the inspector sees it: only manifest-committed shards (so a run still in progress can
be read), each checked against its size, sha256 and row count; a damaged shard is reported by name
and skipped, the rest still served (export refuses a run with any)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from factory.errors import UserError
from factory.manifest import Manifest, load_manifest
from factory.pipeline.registry import view_of
from factory.pipeline.view import PipelineView
from factory.records import SCHEMA
from factory.shards.integrity import check_file


@dataclass
class Run:
    path: Path
    manifest: Manifest
    files: dict[str, list[Path]] = field(default_factory=dict)  # side → readable shards
    broken: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def audit_path(self) -> Path:
        return self.path / "audit.jsonl"

    @property
    def view(self) -> PipelineView:
        """What the run's pipeline declared to show (recorded in the manifest)."""
        return view_of(self.manifest.pipeline, self.manifest.view)

    def con(self) -> duckdb.DuckDBPyConnection:
        """A connection with a `rows` view: every committed row plus its `side`."""
        con = duckdb.connect()
        parts = [f"SELECT *, '{side}' AS side FROM read_parquet({[str(f) for f in files]!r})"
                 for side, files in self.files.items() if files]
        if not parts:  # nothing committed yet: an empty view with the shard schema
            con.register("empty_rows", SCHEMA.empty_table())
            parts = ["SELECT *, '' AS side FROM empty_rows"]
        con.execute("CREATE VIEW rows AS " + " UNION ALL BY NAME ".join(parts))
        return con


def open_run(path: Path) -> Run:
    manifest = load_manifest(path) if path.is_dir() else None
    if manifest is None:
        raise UserError(f"{path}: not a run directory (no manifest.json); pass e.g. runs/<name>")
    run = Run(path, manifest, {"accepted": [], "rejected": []})
    for side in ("accepted", "rejected"):
        for shard in manifest.shards(side):
            why = check_file(path, shard)
            if why is not None:
                run.broken.append((path / shard.path, why))
                continue
            run.files[side].append(path / shard.path)
    return run
