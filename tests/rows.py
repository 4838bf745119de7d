"""Rows a finished run committed, read back from its manifest-listed shards (tests only)."""

import json

import pyarrow.parquet as pq

from factory.manifest import load_manifest


def committed_rows(run_dir):
    """Every committed row, `meta` decoded, with `side` = accepted | rejected."""
    m = load_manifest(run_dir)
    out = []
    for side in ("accepted", "rejected"):
        for s in m.shards(side):
            for r in pq.read_table(run_dir / s.path).to_pylist():
                r["meta"] = json.loads(r["meta"]) if isinstance(r["meta"], str) else r["meta"]
                r["side"] = side
                out.append(r)
    return out
