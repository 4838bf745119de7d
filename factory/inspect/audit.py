"""RUN/audit.jsonl: append-only labels (id, label, note, reviewer, time). The latest label of an
id wins; shards are never rewritten."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

LABELS = ("accept", "reject", "skip")


def append(path: Path, row_id: str, label: str, note: str, reviewer: str) -> dict[str, Any]:
    assert label in LABELS
    entry = {"id": row_id, "label": label, "note": note, "reviewer": reviewer, "time": time.time()}
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
    with path.open("a+b") as f:
        # A crash mid-append leaves a torn last line that `load` skips; starting on a fresh line keeps
        # this label from being glued onto it and lost with it.
        if f.seek(0, os.SEEK_END) > 0:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                line = b"\n" + line
        f.write(line)
        f.flush()
        os.fsync(f.fileno())
    return entry


def load(path: Path) -> dict[str, dict[str, Any]]:
    """Latest label per id. A torn last line (a crash mid-write) is ignored, not fatal."""
    labels: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return labels
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            e = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(e, dict) and e.get("label") in LABELS and "id" in e:
            labels[e["id"]] = e
    return labels


def summary(labels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {k: 0 for k in LABELS}
    reviewers: set[str] = set()
    for e in labels.values():
        out[e["label"]] += 1
        reviewers.add(e.get("reviewer", ""))
    out["reviewers"] = sorted(r for r in reviewers if r)
    return out
