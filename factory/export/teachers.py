"""Which teachers wrote a set of rows, said so a reader can find the weights again: the backend,
the model by name (a local folder by its name, not the cache path of the machine that ran it) and,
for local weights, a digest of their files from the run's provenance.json. A served model has no
digest here: the card says the endpoint's name is all that is known."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa


def history(run_dir: Path | None) -> list[dict[str, Any]]:
    if run_dir is None:
        return []
    try:
        data = json.loads((run_dir / "provenance.json").read_text())
    except (OSError, ValueError):
        return []
    return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []


def weights_digest(files: dict[str, str] | None) -> str | None:
    """One sha256 over a model folder's files (name and sha256 of each, sorted)."""
    if not files:
        return None
    lines = "".join(f"{name}\t{sha}\n" for name, sha in sorted(files.items()))
    return "sha256:" + hashlib.sha256(lines.encode()).hexdigest()


def model_name(model: str | None) -> str:
    if not model:
        return "(not recorded)"
    return Path(model).name if "/" in model and Path(model).is_absolute() else model


def teachers(table: pa.Table, run_dir: Path | None) -> list[dict[str, Any]]:
    """One entry per (backend, model) among the rows: {backend, model, weights, rows}."""
    used = Counter((t.get("backend") or "?", t.get("model")) for t in table.column("teacher").to_pylist() if t)
    entries = history(run_dir)
    out = []
    for (backend, model), rows in sorted(used.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        entry = next((e for e in reversed(entries) if (e.get("teacher") or {}).get("model") == model
                      and (e.get("teacher") or {}).get("backend") == backend), {})
        digest = weights_digest(entry.get("model_files"))
        if digest:
            weights = digest
        elif backend == "openai":
            weights = "served by an endpoint: only its model name is known"
        else:
            weights = "not recorded"
        out.append({"backend": backend, "model": model_name(model or entry.get("model_path")), "weights": weights,
                    "rows": rows})
    return out


def markdown(entries: list[dict[str, Any]]) -> str:
    if not entries:
        return "| (no rows) | | | |"
    return "\n".join(f"| {e['backend']} | {e['model']} | {e['weights']} | {e['rows']} |" for e in entries)
