"""`factory mix`: read the sources, prepare the candidates, draw each source's share of tokens,
split by task, and write the set in the form asked — all of it into a hidden sibling directory
renamed into place at the end, so a mix that stops (an impossible spec, a crash) leaves nothing."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa

from factory.errors import UserError
from factory.export import formats, teachers, templates
from factory.mix import card, sample
from factory.mix.prepare import Candidates, order_key, prepare, table_of
from factory.mix.sources import Pool, read
from factory.mix.spec import MixSpec, dump_spec
from factory.provenance import versions
from factory.records import decode_meta
from factory.shards.writer import write_shard


@dataclass
class SourceResult:
    name: str
    path: str
    asked: float  # share of tokens asked
    target: float  # tokens asked
    rows: int = 0
    tokens: int = 0
    available: int = 0  # tokens of the candidates
    counts: dict[str, int] = field(default_factory=dict)
    shortfall: str | None = None
    teachers: list[dict[str, Any]] = field(default_factory=list)
    verifiers: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    licences: list[str] = field(default_factory=list)
    fingerprint: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Mixed:
    to: Path
    mix_id: str  # a digest of the spec and the rows drawn
    sources: list[SourceResult]
    splits: dict[str, dict[str, int]]  # split → {rows, tokens}
    files: list[dict[str, Any]]
    template: templates.ChatTemplate
    notes: list[str]
    total: int


def _nothing(to: Path, why: str) -> UserError:
    return UserError(f"nothing to mix — {why}; {to} was not written")


def _check_room(spec: MixSpec, cands: dict[str, Candidates], to: Path) -> None:
    for s in spec.sources:
        c = cands[s.name]
        if not c.rows:
            n = c.counts
            raise _nothing(to, f"source {s.name} has no rows left (read {n['read']}, selected {n['selected']}, "
                               f"duplicates {n['duplicates']}, contaminated {n['contaminated']}) so its share "
                               f"cannot be met; loosen its select or remove it")


def _provenance_of(pool: Pool, rows: list[dict[str, Any]]) -> dict[str, Any]:
    entries = teachers.history(pool.run_dir)
    table = table_of(rows)
    verifiers = sorted({v["verifier"] for r in rows for v in r["verdicts"] or []})
    code = sorted({e["code"] for e in entries if e.get("code")}) or ["not recorded (a run made before it was)"]
    metas = [decode_meta(r["meta"]) for r in rows]
    licences = sorted({str(m["licence"]) for m in metas if m.get("licence")})
    if not licences:
        licences = ["none recorded on the rows: the teachers' text over generated or synthesised tasks"]
    return {"teachers": teachers.teachers(table, pool.run_dir), "verifiers": verifiers, "code": code,
            "licences": licences}


def _form(rows: list[dict[str, Any]], texts: list[str], tokens: list[int], sources: list[str], fmt: str) -> pa.Table:
    table = table_of(rows)
    if fmt == "hf":
        table = formats.to_hf(table)
    elif fmt == "text":
        table = pa.table({"id": table.column("id"), "pipeline": table.column("pipeline"),
                          "task_id": table.column("task_id"), "text": pa.array(texts, pa.string()),
                          "tokens": pa.array(tokens, pa.int64()), "outcome": table.column("outcome"),
                          "meta": table.column("meta")})
    return table.append_column("mix_source", pa.array(sources, pa.string()))


class Picked(NamedTuple):
    source: str
    row: dict[str, Any]
    text: str
    tokens: int


def _shortfall(c: Candidates, taken: list[int], got: int, target: float, cap: int | None) -> str | None:
    if not taken:
        return (f"asked {target:,.0f} tokens, got none: its smallest row has {min(c.tokens):,}; raise total_tokens "
                "or its weight")
    if got + max(c.tokens) / 2 >= target:  # within half a row: the draw's own tolerance
        return None
    why = (f"capped at max_tokens {cap:,}" if cap and got + max(c.tokens) > cap
           else f"has {c.total:,} tokens after selection")
    return f"asked {target:,.0f} tokens, got {got:,} ({why})"


def _draw(spec: MixSpec, pools: list[Pool], cands: dict[str, Candidates]) -> tuple[list[SourceResult], list[Picked]]:
    p = sample.plan(spec, cands)
    results, picked = [], []
    for s, pool in zip(spec.sources, pools, strict=True):
        c = cands[s.name]
        idx = sample.draw(c, p.targets[s.name], s.max_tokens, spec.seed, s.name)
        got = sum(c.tokens[i] for i in idx)
        results.append(SourceResult(s.name, s.path, p.shares[s.name], p.targets[s.name], len(idx), got, c.total,
                                    dict(c.counts), _shortfall(c, idx, got, p.targets[s.name], s.max_tokens),
                                    fingerprint=pool.fingerprint, **_provenance_of(pool, [c.rows[i] for i in idx])))
        picked += [Picked(s.name, c.rows[i], c.texts[i], c.tokens[i]) for i in idx]
    return results, picked


def _write(spec: MixSpec, parts: dict[str, list[Picked]], tmp: Path, mix_id: str) -> tuple[list, dict]:
    files, splits = [], {}
    for split, items in parts.items():
        if not items:
            continue
        table = _form([x.row for x in items], [x.text for x in items], [x.tokens for x in items],
                      [x.source for x in items], spec.format)
        k = -(-table.num_rows // spec.rows_per_shard)
        for n in range(k):
            w = write_shard(table.slice(n * spec.rows_per_shard, spec.rows_per_shard), tmp,
                            f"data/{split}-{mix_id}-{n:05d}-of-{k:05d}.parquet", row_group_rows=1000, compression="zstd")
            files.append({"split": split, "path": w.path, "rows": w.rows, "bytes": w.bytes, "sha256": w.sha256})
        splits[split] = {"rows": table.num_rows, "tokens": sum(x.tokens for x in items),
                         "tasks": len({sample.group_of(x.row) for x in items})}
    (tmp / "staging").rmdir()
    return files, splits


def mix(spec: MixSpec, to: Path, *, spec_name: str = "mix spec") -> Mixed:
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise UserError(f"--to {to}: exists and is not an empty directory; choose a new one")
    template = templates.load(spec.tokenizer)
    pools = [read(s, f"{spec_name}: sources[{i}] ({s.name})") for i, s in enumerate(spec.sources)]
    cands = prepare(spec, pools, template)
    _check_room(spec, cands, to)
    results, picked = _draw(spec, pools, cands)
    short = [f"{r.name}: {r.shortfall}" for r in results if r.shortfall]
    if short and spec.shortfall == "fail":
        raise UserError(f"{spec_name}: cannot fill the shares (shortfall: fail): " + "; ".join(short) +
                        f"; lower total_tokens or add rows; {to} was not written")
    if not picked:
        raise _nothing(to, "no source gave a row")
    held = sample.validation_groups({sample.group_of(x.row) for x in picked}, spec.validation, spec.seed)
    parts: dict[str, list[Picked]] = {"train": [], "validation": []}
    for x in sorted(picked, key=lambda x: (x.source, x.row["id"])):
        parts["validation" if sample.group_of(x.row) in held else "train"].append(x)
    # In the shard names: `datasets` caches a folder by its name and its card's file patterns, so two
    # different mixes written to `mixes/sft` one after the other would otherwise load as the first.
    mix_id = order_key(dump_spec(spec), *sorted(x.row["id"] for x in picked))[:12]
    tmp = to.parent / f".{to.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        files, splits = _write(spec, parts, tmp, mix_id)
        out = Mixed(to, mix_id, results, splits, files, template, templates.thinking_notes(template),
                    sum(r.tokens for r in results))
        (tmp / "mix.yaml").write_text(dump_spec(spec))
        (tmp / "manifest.json").write_text(json.dumps(card.manifest(spec, out, versions()), indent=1))
        (tmp / "README.md").write_text(card.card(spec, out, Counter(decode_meta(x.row["meta"]).get("thinking")
                                                                     for x in picked)))
        if to.exists():
            to.rmdir()
        tmp.rename(to)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
