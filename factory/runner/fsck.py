"""`factory fsck`: check a run directory against its manifest, and set broken commits aside.

Quarantine works per commit, not per file: a commit's accepted and rejected shards hold the rows of
the same tasks, so keeping one and dropping the other would make the rerun write those tasks' rows
twice. The whole commit leaves the manifest (so the next run redoes exactly its tasks) and its files
move to `quarantine/<when>/` with the removed commit record, for whoever wants to look. A broken
signature sidecar alone is derived data: it is set aside and the commit stays (the dedup index
hashes that shard's text instead)."""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from factory.errors import UserError
from factory.manifest import Manifest, load_manifest, save_manifest
from factory.runner.lock import RunLock
from factory.shards.integrity import Damage, check_run
from factory.shards.writer import fsync_dir
from factory.stats import run_stats

QUARANTINE = "quarantine"


@dataclass
class FsckReport:
    run_dir: Path
    commits: int
    files: int
    damage: list[Damage]
    uncommitted: list[str]  # files the manifest does not list: the next run deletes them
    quarantined_to: Path | None = None
    quarantined_tasks: list[str] = field(default_factory=list)
    quarantined_commits: list[int] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.damage


def _uncommitted(run_dir: Path, manifest: Manifest) -> list[str]:
    keep = manifest.shard_paths()
    out = [f"{side}/{f.name}" for side in ("accepted", "rejected", "signatures")
           for f in sorted((run_dir / side).glob("*.parquet")) if f"{side}/{f.name}" not in keep]
    staging = run_dir / "staging"
    return out + ([f"staging/{f.name}" for f in sorted(staging.iterdir())] if staging.is_dir() else [])


def check(run_dir: Path) -> FsckReport:
    manifest = _manifest(run_dir)
    files = sum(1 for c in manifest.commits for s in (c.accepted, c.rejected, c.signatures) if s is not None)
    return FsckReport(run_dir, len(manifest.commits), files, check_run(run_dir, manifest),
                      _uncommitted(run_dir, manifest))


def quarantine(run_dir: Path) -> FsckReport:
    """Check under the run lock (no run may commit meanwhile), then move what is broken aside."""
    with RunLock(run_dir, "factory fsck --quarantine"):
        report = check(run_dir)
        if report.clean:
            return report
        manifest = _manifest(run_dir)
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        dest = run_dir / QUARANTINE / stamp
        dest.mkdir(parents=True)
        bad_seqs = {d.seq for d in report.damage if not d.derived}
        bad_sidecars = {d.seq for d in report.damage if d.derived} - bad_seqs
        removed = [c for c in manifest.commits if c.seq in bad_seqs]
        (dest / "commits.json").write_text(json.dumps(
            {"damage": [d.__dict__ for d in report.damage], "removed_commits": [c.model_dump(mode="json") for c in removed],
             "sidecars_dropped": sorted(bad_sidecars)}, indent=1))
        # Files move first, the manifest second: a crash in between leaves the manifest naming
        # missing files, which the next fsck reports and quarantines again — never rows listed twice.
        for c in manifest.commits:
            sides = (("accepted", "rejected", "signatures") if c.seq in bad_seqs
                     else ("signatures",) if c.seq in bad_sidecars else ())
            for side in sides:
                shard = getattr(c, side)
                if shard is not None and (run_dir / shard.path).exists():
                    (dest / side).mkdir(exist_ok=True)
                    os.replace(run_dir / shard.path, dest / shard.path)
            if c.seq in bad_sidecars:
                c.signatures = None
        manifest.commits = [c for c in manifest.commits if c.seq not in bad_seqs]
        save_manifest(run_dir, manifest)
        fsync_dir(dest)
        (run_dir / "stats.json").write_text(json.dumps(run_stats(manifest), indent=1, sort_keys=True))
        report.quarantined_to = dest
        report.quarantined_commits = sorted(bad_seqs | bad_sidecars)
        report.quarantined_tasks = [t for c in removed for t in c.task_ids]
        return report


def _manifest(run_dir: Path) -> Manifest:
    manifest = load_manifest(run_dir) if run_dir.is_dir() else None
    if manifest is None:
        raise UserError(f"{run_dir}: not a run directory (no manifest.json); pass e.g. runs/<name>")
    return manifest
