"""Bring a run directory to the current row schema (`factory migrate RUN`). Version 2 → 3: messages gain
an empty `reasoning_content` column (nothing else changes). Version 1 → 2: tool calls
take the OpenAI shape, and a system prompt that carried the teacher's Hermes tools block keeps its
instructions only (the block is rebuilt from `tools` + `meta.teacher_format`). Row ids stay as
they were, so `duplicate_of` references and audit labels still point at the same rows.

Crash-safe like a commit: new shards are written under new names, the manifest is swapped
atomically, then the old files go; an interrupted migration leaves the old run intact (its new
files are orphans the next open removes) and can simply be run again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from factory.agent import hermes
from factory.errors import UserError
from factory.manifest import Manifest, ShardFile, load_manifest, remove_orphans, save_manifest
from factory.records import SCHEMA_VERSION, from_table, to_table
from factory.shards.writer import write_shard
from factory.trajectory import Message, Trajectory


@dataclass
class Migrated:
    shards: int
    rows: int
    prompts_stripped: int
    already: bool


def portable(t: Trajectory) -> tuple[Trajectory, bool]:
    """The row with the teacher's tools block taken out of its system prompt, if it has one."""
    if not t.messages or t.messages[0].role != "system" or not t.tools:
        return t, False
    try:
        tools = json.loads(t.tools)
    except json.JSONDecodeError:
        return t, False
    preamble = hermes.strip_tools_block(t.messages[0].content, tools if isinstance(tools, list) else [])
    if preamble is None:
        return t, False
    first = Message(role="system", content=preamble)
    meta = {**t.meta, "teacher_format": t.meta.get("teacher_format", hermes.TEACHER_FORMAT)}
    return t.model_copy(update={"messages": [first, *t.messages[1:]], "meta": meta}), True


def migrate(run_dir: Path) -> Migrated:
    manifest = load_manifest(run_dir)
    if manifest is None:
        raise UserError(f"{run_dir}: no manifest.json; expected a run directory made by `factory run`")
    if manifest.schema_version == SCHEMA_VERSION:
        return Migrated(0, 0, 0, already=True)
    remove_orphans(run_dir, manifest)
    new = manifest.model_copy(deep=True)
    shards = rows = stripped = 0
    old_files = []
    for commit in new.commits:
        for side in ("accepted", "rejected"):
            f: ShardFile | None = getattr(commit, side)
            if f is None:
                continue
            trajs = []
            for t in from_table(pq.read_table(run_dir / f.path)):
                t, did = portable(t)
                trajs.append(t)
                stripped += did
            rel = f"{side}/part-{commit.seq:05d}-v{SCHEMA_VERSION}.parquet"
            w = write_shard(to_table(trajs), run_dir, rel, row_group_rows=1000, compression="zstd")
            setattr(commit, side, ShardFile(path=w.path, rows=w.rows, bytes=w.bytes, sha256=w.sha256))
            old_files.append(f.path)
            shards += 1
            rows += w.rows
    new.schema_version = SCHEMA_VERSION
    save_manifest(run_dir, new)  # the commit point
    for rel in old_files:
        (run_dir / rel).unlink(missing_ok=True)
    return Migrated(shards, rows, stripped, already=False)


def check_current(manifest: Manifest, run_dir: Path) -> None:
    if manifest.schema_version != SCHEMA_VERSION:
        raise UserError(f"{run_dir} holds rows of schema version {manifest.schema_version} (this version writes "
                        f"{SCHEMA_VERSION}): run `factory migrate {run_dir}` first, then rerun")
