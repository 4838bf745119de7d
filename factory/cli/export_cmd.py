"""`factory export RUN --to DIR [--format openai|hf|text]`: a clean training set — accepted rows minus
audit rejections (optionally only audit-approved), re-sharded, with a dataset card and a manifest."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import typer

from factory.errors import UserError
from factory.export import formats, teachers, templates, thinking
from factory.export.card import card
from factory.inspect import audit
from factory.inspect.reader import open_run
from factory.migrate import check_current
from factory.records import SCHEMA, SCHEMA_VERSION
from factory.shards.writer import write_shard


def export(
    run: Path = typer.Argument(..., help="run directory"),
    to: Path = typer.Option(..., help="output directory (must be new or empty)"),
    fmt: str = typer.Option("openai", "--format", help="openai (portable rows) | hf (arguments/tools as "
                               "objects, for apply_chat_template and TRL) | text (rendered with --chat-template) | "
                               "rl (the run's tasks as prompts + references for RL rewards, docs/rl.md)"),
    chat_template: str | None = typer.Option(None, help="text: qwen3 | gemma3 | embedded, a tokenizer folder, "
                                             "its tokenizer_config.json, or a .jinja file"),
    tokenizer: str | None = typer.Option(None, help="text with a .jinja template: tokenizer folder to count tokens"),
    approved_only: bool = typer.Option(False, help="only rows an auditor accepted"),
    exclude_rejected_by_audit: bool = typer.Option(True, help="drop rows an auditor rejected"),
    rows_per_shard: int = typer.Option(50_000, min=1, help="target rows per output shard"),
    thinking_mode: str = typer.Option("keep", "--thinking", help="the teacher's thinking (reasoning_content): keep | "
                                      "drop | both (a thinking and a non-thinking row per trajectory, meta.thinking)"),
) -> None:
    """Write the approved training set as Parquet shards + README.md + manifest.json."""
    if fmt == "rl":
        from factory.cli.tasks_cmd import export_rl

        return export_rl(run, to)
    if fmt not in formats.FORMATS:
        raise UserError(f"--format {fmt}: expected one of {', '.join(formats.FORMATS)}")
    if thinking_mode not in thinking.MODES:
        raise UserError(f"--thinking {thinking_mode}: expected one of {', '.join(thinking.MODES)}")
    if fmt == "text" and not chat_template:
        raise UserError("--format text needs --chat-template (e.g. 'embedded', or a tokenizer folder)")
    r = open_run(run)
    check_current(r.manifest, run)
    if r.broken:
        raise UserError(f"{r.broken[0][0]}: {r.broken[0][1]}; refusing to export a partial set — `factory fsck {run}` "
                        "lists the damage, --quarantine sets it aside for a rerun to regenerate")
    if to.exists() and any(to.iterdir()):
        raise UserError(f"--to {to}: exists and is not empty; choose a new directory")
    template = templates.load(chat_template, tokenizer) if fmt == "text" else None
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
    if table.num_rows == 0:
        # An empty Parquet file is not a training set (`datasets` refuses it): say why, write nothing.
        why = ("the run has no accepted rows (`factory stats` shows why they were rejected)" if not ids else
               f"all {len(ids)} accepted rows are excluded: " + ("none is labelled accept (--approved-only)"
                                                                if approved_only else "an auditor rejected them"))
        raise UserError(f"{run}: nothing to export — {why}; {to} was not written")
    manifest: dict = {"source_run": str(r.path.resolve()), "run_id": r.manifest.run_id, "format": fmt,
                      "schema_version": SCHEMA_VERSION, "rows": table.num_rows,
                      "dropped_by_audit": len(ids) - table.num_rows, "approved_only": approved_only}
    table, counts = thinking.apply(table, thinking_mode)
    manifest["rows"] = table.num_rows
    manifest["thinking"] = thinking.describe(thinking_mode, counts)
    out = table
    if fmt == "hf":
        out = formats.to_hf(table)
    elif fmt == "text":
        assert template is not None
        out, manifest["tokens"] = _rendered(table, template)
        manifest["chat_template"] = f"{template.name} (tools {template.tool_mode})"
    to.mkdir(parents=True, exist_ok=True)
    files = []
    for n, start in enumerate(range(0, max(out.num_rows, 1), rows_per_shard)):
        part = out.slice(start, rows_per_shard)
        if part.num_rows == 0 and n > 0:
            break
        w = write_shard(part, to, f"data/part-{n:05d}.parquet", row_group_rows=1000, compression="zstd")
        files.append({"path": w.path, "rows": w.rows, "bytes": w.bytes, "sha256": w.sha256})
    (to / "staging").rmdir()
    manifest["files"] = files
    (to / "manifest.json").write_text(json.dumps(manifest, indent=1))
    config = (r.path / "config.yaml").read_text() if (r.path / "config.yaml").exists() else "(missing)"
    (to / "README.md").write_text(card(run_id=r.manifest.run_id, manifest=manifest, table=table,
                                       card_keys=r.view.card_keys, audit=audit.summary(labels), config=config,
                                       teachers=teachers.teachers(table, r.path), template=template,
                                       template_notes=tuple(templates.thinking_notes(template)) if template else ()))
    typer.echo(f"exported {table.num_rows} rows ({manifest['dropped_by_audit']} dropped by audit) as {fmt} "
               f"to {to}/data/" + (f"; {manifest['tokens']['total']:,} tokens" if "tokens" in manifest else ""))


def _rendered(table: pa.Table, template: templates.ChatTemplate) -> tuple[pa.Table, dict]:
    """One training string per row, with its token count; a row the template cannot render stops the
    export with the row's id (a training set with holes is worse than none)."""
    texts, counts, by_pipeline = [], [], Counter()
    for row in table.select(["id", "pipeline", "messages", "tools", "meta"]).to_pylist():
        text = template.render_row(row)
        texts.append(text)
        counts.append(template.tokens(text))
        by_pipeline[row["pipeline"]] += counts[-1]
    out = pa.table({"id": table.column("id"), "pipeline": table.column("pipeline"), "task_id": table.column("task_id"),
                    "text": pa.array(texts, pa.string()), "tokens": pa.array(counts, pa.int64()),
                    "outcome": table.column("outcome"), "meta": table.column("meta")})
    return out, {"total": sum(counts), "by_pipeline": dict(by_pipeline)}
