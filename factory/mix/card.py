"""The mix's dataset card (README.md, with the YAML header a dataset repository reads: its configs
and splits, so `datasets.load_dataset(DIR)` gives train/validation) and its manifest.json: per
source what was asked and what it got, what was left out and why, who wrote the rows, what checked
them, under which licences, and the recipe to make the same set again."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import yaml

from factory.export import teachers as teacher_table
from factory.mix.spec import MixSpec, dump_spec

if TYPE_CHECKING:
    from factory.mix.build import Mixed


def manifest(spec: MixSpec, m: Mixed, packages: dict[str, str]) -> dict[str, Any]:
    return {"kind": "mix", "mix_id": m.mix_id, "format": spec.format, "tokenizer": spec.tokenizer, "seed": spec.seed,
            "tokens": m.total, "splits": m.splits, "files": m.files, "packages": packages,
            "sources": [{"name": r.name, "path": r.path, "share_asked": r.asked, "share_got": r.tokens / m.total,
                         "tokens_asked": round(r.target), "tokens": r.tokens, "rows": r.rows,
                         "available_tokens": r.available, "counts": r.counts, "shortfall": r.shortfall,
                         "teachers": r.teachers, "verifiers": r.verifiers, "code": r.code, "licences": r.licences,
                         "files_read": r.fingerprint} for r in m.sources]}


def _header(m: Mixed) -> str:
    files = [{"split": s, "path": f"data/{s}-{m.mix_id}-*.parquet"} for s in m.splits]
    return yaml.safe_dump({"configs": [{"config_name": "default", "data_files": files}],
                           "tags": ["synthetic", "agentic", "trajectory-factory"]}, sort_keys=False)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def card(spec: MixSpec, m: Mixed, thinking: Counter) -> str:
    splits = ", ".join(f"{s} {v['rows']:,} rows / {v['tokens']:,} tokens / {v['tasks']:,} tasks"
                       for s, v in m.splits.items())
    shares = "\n".join(
        f"| {r.name} | {r.rows:,} | {r.tokens:,} | {_pct(r.asked)} | {_pct(r.tokens / m.total)} | "
        f"{r.shortfall or 'met'} |" for r in m.sources)
    kept = "\n".join(
        f"| {r.name} | {r.counts.get('read', 0)} | {r.counts.get('selected', 0)} | {r.counts.get('duplicates', 0)} | "
        f"{r.counts.get('contaminated', 0)} | {r.counts.get('non_thinking', 0)} |" for r in m.sources)
    who = "\n".join(f"| {r.name} | {t['backend']} | {t['model']} | {t['weights']} | {t['rows']} |"
                    for r in m.sources for t in r.teachers)
    checks = "\n".join(f"| {r.name} | {', '.join(r.verifiers) or '(none recorded)'} | {', '.join(r.code)} |"
                       for r in m.sources)
    licences = "\n".join(f"| {r.name} | {'; '.join(r.licences)} |" for r in m.sources)
    notes = ("\n".join(f"- {n}" for n in m.notes) if m.notes else "- renders the teacher's thinking as stored")
    think = (f"{thinking.get(True, 0)} rows with the teacher's thinking, {thinking.get(False, 0)} without it "
             f"(meta.thinking), {thinking.get(None, 0)} as stored" if spec.non_thinking_share is not None
             else "rows as stored (no `non_thinking_share` in the spec)")
    decon = ", ".join(f"`{f}`" for f in spec.decontaminate) or "none"
    return f"""---
{_header(m)}---

# A trajectory-factory mix

{sum(r.rows for r in m.sources):,} rows, {m.total:,} tokens counted with `{spec.tokenizer}`'s chat template,
in the `{spec.format}` form; {splits}. Branches and attempts of one task are never in two splits.

```python
import datasets
ds = datasets.load_dataset("{m.to}")  # this folder: a DatasetDict with its splits
```

## Shares of tokens

| source | rows | tokens | share asked | share got | |
|---|---|---|---|---|---|
{shares}

## What was left out

Duplicates are found across sources in spec order (content only, estimated Jaccard
{spec.dedup_threshold}{'' if spec.dedup else '; dedup was off'}); decontamination against {decon}.

| source | rows read | selected | duplicates | contaminated | given without thinking |
|---|---|---|---|---|---|
{kept}

Thinking: {think}.

## Teachers

| source | backend | model | weights | rows |
|---|---|---|---|---|
{who or teacher_table.markdown([])}

## Verifiers

| source | verifiers | code that ran them |
|---|---|---|
{checks}

## Licences

| source | licences |
|---|---|
{licences}

## The chat template `{spec.tokenizer}`

{notes}

## Recipe

`factory mix --spec mix.yaml --to {m.to.name}` with the spec below (also in `mix.yaml`); the
sources' shard files and their sha256 are in `manifest.json`, so a rerun can check it reads the same
rows. The draw is seeded (seed {spec.seed}): the same spec over the same sources gives the same set.

```yaml
{dump_spec(spec)}```
"""
