"""A mix source read into rows of the stored schema: a run (its accepted rows, with the audit's
labels) or an export of one in the `openai` or `hf` form (turned back into the stored form). A
`text` export cannot be mixed: its rows are already rendered with one template."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from factory.errors import UserError
from factory.inspect import audit
from factory.inspect.reader import open_run
from factory.migrate import check_current
from factory.mix.spec import Select, Source
from factory.records import SCHEMA, decode_meta


@dataclass
class Pool:
    source: Source
    table: pa.Table  # stored schema
    labels: dict[str, dict[str, Any]]
    run_dir: Path | None  # the run the rows came from (its provenance.json), when it is still there
    fingerprint: list[dict[str, Any]] = field(default_factory=list)  # files read, with sha256
    pipeline_config: str | None = None


def _from_hf(table: pa.Table) -> pa.Table:
    rows = table.to_pylist()
    for r in rows:
        tools = r.get("tools") or []
        r["tools"] = json.dumps([json.loads(t) if isinstance(t, str) else t for t in tools], ensure_ascii=False)
        for m in r.get("messages") or []:
            for c in m.get("tool_calls") or []:
                args = c["function"]["arguments"]
                c["function"]["arguments"] = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def _read_export(where: str, path: Path, manifest: dict[str, Any]) -> Pool:
    fmt = manifest.get("format")
    if fmt not in ("openai", "hf"):
        raise UserError(f"{where}: {path} is a `{fmt}` export; mix reads runs and `openai`/`hf` exports (a text "
                        "export is already rendered with one template): point it at the run")
    files = manifest.get("files") or []
    tables = []
    for f in files:
        p = path / f["path"]
        if not p.is_file():
            raise UserError(f"{where}: {p} is listed in {path}/manifest.json but missing; re-export the run")
        t = pq.read_table(p)
        tables.append(_from_hf(t) if fmt == "hf" else t.select(SCHEMA.names).cast(SCHEMA))
    table = pa.concat_tables(tables) if tables else SCHEMA.empty_table()
    run = Path(manifest.get("source_run") or "")
    run_dir = run if run.is_dir() else None
    labels = audit.load(run / "audit.jsonl") if run_dir else {}
    return Pool(Source.model_validate({"name": "_", "path": str(path), "weight": 1}), table, labels, run_dir,
                [{"path": f["path"], "sha256": f["sha256"]} for f in files])


def read(source: Source, where: str) -> Pool:
    """`where`: how an error names the source (`mix.yaml: sources[1] (math)`)."""
    path = Path(source.path)
    manifest_file = path / "manifest.json"
    if not manifest_file.is_file():
        raise UserError(f"{where}: {path} is not a run or an export (no manifest.json); give a run directory "
                        "(runs/<name>) or a directory written by `factory export`")
    try:
        raw = json.loads(manifest_file.read_text())
    except ValueError as e:
        raise UserError(f"{where}: {manifest_file} is not JSON ({e})") from None
    if isinstance(raw, dict) and "source_run" in raw:
        pool = _read_export(where, path, raw)
        pool.source = source
        return pool
    r = open_run(path)
    check_current(r.manifest, path)
    if r.broken:
        raise UserError(f"{where}: {r.broken[0][0]}: {r.broken[0][1]}; `factory fsck {path}` lists the damage")
    cols = ", ".join(SCHEMA.names)
    table = r.con().sql(f"SELECT {cols} FROM rows WHERE side = 'accepted' ORDER BY id").to_arrow_table().cast(SCHEMA)
    config = path / "config.yaml"
    return Pool(source, table, audit.load(r.audit_path), path,
                [{"path": s.path, "sha256": s.sha256} for s in r.manifest.shards("accepted")],
                config.read_text() if config.is_file() else None)


def _matches(value: Any, allowed: list[Any]) -> bool:
    return not allowed or str(value) in {str(a) for a in allowed}


def selected(pool: Pool) -> list[bool]:
    """The rows a source's `select` keeps (a row labelled reject never, unless asked for by label)."""
    s: Select = pool.source.select
    keep = []
    cols = pool.table.select(["id", "pipeline", "outcome", "branch", "reward", "meta"]).to_pylist()
    for r in cols:
        meta = decode_meta(r["meta"])
        label = pool.labels.get(r["id"], {}).get("label", "unlabelled")
        branch = (r["branch"] or {}).get("kind") or "root"
        reward = r["reward"]
        ok = (_matches(r["pipeline"], s.pipeline) and _matches(r["outcome"], s.outcome) and _matches(branch, s.branch)
              and all(_matches(meta.get(k), v) for k, v in s.meta.items())
              and (s.reward_min is None or (reward is not None and reward >= s.reward_min))
              and (s.reward_max is None or (reward is not None and reward <= s.reward_max))
              and (label in s.labels if s.labels else label != "reject"))
        keep.append(ok)
    return keep
