"""RUN/audit.jsonl: append-only labels (id, label, note, reviewer, time). The latest entry of an
id wins; a `clear` entry takes its label away (the history stays in the file); shards are never
rewritten."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

LABELS = ("accept", "reject", "skip")
CLEAR = "clear"


def append(path: Path, row_id: str, label: str, note: str, reviewer: str) -> dict[str, Any]:
    assert label in (*LABELS, CLEAR)
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
        elif isinstance(e, dict) and e.get("label") == CLEAR and "id" in e:
            labels.pop(e["id"], None)
    return labels


def summary(labels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {k: 0 for k in LABELS}
    reviewers: set[str] = set()
    for e in labels.values():
        out[e["label"]] += 1
        reviewers.add(e.get("reviewer", ""))
    out["reviewers"] = sorted(r for r in reviewers if r)
    return out


def disagreements(con: Any, labels: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Rows where a person and the verifiers disagree: `accepted_by_people` (labelled accept, rejected
    by the verifiers: no export can include them) and `rejected_by_people` (labelled reject, accepted:
    exports leave them out). `con`: a run's connection with its `rows` view."""
    out: dict[str, list[str]] = {"accepted_by_people": [], "rejected_by_people": []}
    if not labels:
        return out
    for row_id, side in con.execute("SELECT id, side FROM rows").fetchall():
        label = labels.get(row_id, {}).get("label")
        if label == "accept" and side == "rejected":
            out["accepted_by_people"].append(row_id)
        elif label == "reject" and side == "accepted":
            out["rejected_by_people"].append(row_id)
    return out
