"""`factory export RUN --to DIR`: a clean training set — accepted rows minus audit rejections
(optionally only audit-approved), re-sharded, with a dataset card and a manifest."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import typer

from factory.errors import UserError
from factory.inspect import audit
from factory.inspect.reader import open_run
from factory.records import SCHEMA, decode_meta
from factory.shards.writer import write_shard


def export(
    run: Path = typer.Argument(..., help="run directory"),
    to: Path = typer.Option(..., help="output directory (must be new or empty)"),
    approved_only: bool = typer.Option(False, help="only rows an auditor accepted"),
    exclude_rejected_by_audit: bool = typer.Option(True, help="drop rows an auditor rejected"),
    rows_per_shard: int = typer.Option(50_000, min=1, help="target rows per output shard"),
) -> None:
    """Write the approved training set as Parquet shards + README.md + manifest.json."""
    r = open_run(run)
    if r.broken:
        raise UserError(f"{r.broken[0][0]}: unreadable shard ({r.broken[0][1]}); refusing to export a partial set")
    if to.exists() and any(to.iterdir()):
        raise UserError(f"--to {to}: exists and is not empty; choose a new directory")
    labels = audit.load(r.audit_path)
    cols = [f.name for f in SCHEMA]
    table = r.con().sql(f"SELECT {', '.join(cols)} FROM rows WHERE side = 'accepted' ORDER BY id").to_arrow_table()
    ids = table.column("id").to_pylist()
    keep = [
        (not approved_only or labels.get(i, {}).get("label") == "accept")
        and not (exclude_rejected_by_audit and labels.get(i, {}).get("label") == "reject")
        for i in ids
    ]
    table = table.filter(pa.array(keep, type=pa.bool_())).cast(SCHEMA)
    to.mkdir(parents=True, exist_ok=True)
    files = []
    for n, start in enumerate(range(0, max(table.num_rows, 1), rows_per_shard)):
        part = table.slice(start, rows_per_shard)
        if part.num_rows == 0 and n > 0:
            break
        w = write_shard(part, to, f"data/part-{n:05d}.parquet", row_group_rows=1000, compression="zstd")
        files.append({"path": w.path, "rows": w.rows, "bytes": w.bytes, "sha256": w.sha256})
    (to / "staging").rmdir()
    dropped = len(ids) - table.num_rows
    manifest = {"source_run": str(r.path.resolve()), "run_id": r.manifest.run_id, "rows": table.num_rows,
                "dropped_by_audit": dropped, "approved_only": approved_only, "files": files}
    (to / "manifest.json").write_text(json.dumps(manifest, indent=1))
    (to / "README.md").write_text(_card(r, table, manifest, labels))
    typer.echo(f"exported {table.num_rows} rows ({dropped} dropped by audit) to {to}/data/")


def _card(r, table: pa.Table, manifest: dict, labels: dict) -> str:
    metas = [decode_meta(m) for m in table.column("meta").to_pylist()]
    by_pipeline = Counter(table.column("pipeline").to_pylist())
    by_outcome = Counter(table.column("outcome").to_pylist())
    card_keys = r.view.card_keys  # what the pipeline declared worth counting
    keys: Counter[str] = Counter()
    for m in metas:
        for k in card_keys:
            if k in m:
                keys[f"{k}={m[k]}"] += 1
    config = (r.path / "config.yaml").read_text() if (r.path / "config.yaml").exists() else "(missing)"
    a = audit.summary(labels)

    def table_md(c: Counter) -> str:
        return "\n".join(f"| {k} | {v} |" for k, v in sorted(c.items())) or "| (none) | 0 |"

    return f"""# Dataset: {r.manifest.run_id}

Exported from `{manifest['source_run']}` by trajectory-factory: accepted rows
{'approved by an auditor' if manifest['approved_only'] else 'minus those an auditor rejected'}.
{manifest['rows']} rows in {len(manifest['files'])} Parquet shard(s) under `data/` (chat format in `messages`).

```python
import datasets
ds = datasets.load_dataset("parquet", data_files="data/*.parquet", split="train")
```

## Counts

| pipeline | rows |
|---|---|
{table_md(by_pipeline)}

| outcome | rows |
|---|---|
{table_md(by_outcome)}

| meta key | rows |
|---|---|
{table_md(keys) if card_keys else "| (the pipeline declares no card keys) | |"}

## Audit

{a['accept']} rows labelled accept, {a['reject']} reject, {a['skip']} skip
(reviewers: {', '.join(a['reviewers']) or 'none'}); {manifest['dropped_by_audit']} accepted rows left out.

## The config that produced it

```yaml
{config}```
"""
