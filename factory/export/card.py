"""The dataset card (README.md) of an export: what the rows are, in which form, how to load them,
how many there are by pipeline, outcome and the pipeline's card keys, token totals for `text`,
the audit, and the config that produced them."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa

from factory.export import teachers as teacher_table
from factory.records import SCHEMA_VERSION, decode_meta

_LOAD = {
    "openai": '''import datasets
ds = datasets.load_dataset("parquet", data_files="data/*.parquet", split="train")
# tool-call arguments and `tools` are JSON strings (OpenAI form); TRL's SFTTrainer reads `tools` as is''',
    "hf": '''import datasets
from trl import SFTConfig, SFTTrainer
ds = datasets.load_dataset("parquet", data_files="data/*.parquet", split="train")
# arguments and tools come back as dicts: ready for tokenizer.apply_chat_template(messages, tools=tools)
trainer = SFTTrainer(model=MODEL, train_dataset=ds.select_columns(["messages", "tools"]),
                     args=SFTConfig(assistant_only_loss=True))  # needs a template with generation tags''',
    "text": '''import datasets
ds = datasets.load_dataset("parquet", data_files="data/*.parquet", split="train")
ds[0]["text"]  # one rendered training string per row (mid-training: train on it like pre-training text)''',
}

_FORM = {
    "openai": "portable chat rows: `messages` with OpenAI-shape `tool_calls` (`arguments` a JSON string), "
              "`tools` a JSON string of OpenAI function schemas",
    "hf": "portable chat rows with `arguments` as JSON objects and `tools` as a list of objects "
          "(Arrow JSON extension type, so rows with different tools share one column type)",
    "text": "each row rendered to one string (`text`) with a chat template, `tokens` its length",
}


# What a reader of an untemplated export needs to know before choosing the template to train with.
TEMPLATE_CAVEAT = ("Chat templates differ in what they do with thinking: Qwen3's inserts an empty `<think></think>` "
                   "block into the last assistant turn of a row without thinking and drops the thinking of turns "
                   "before the last user message; `--format text --chat-template NAME` renders with one template "
                   "and its card lists what that template does.")


def template_section(template: Any | None, notes: list[str]) -> str:
    if template is None:
        return TEMPLATE_CAVEAT
    if not notes:
        return f"The template `{template.name}` renders the teacher's thinking as stored."
    return f"The template `{template.name}`:\n\n" + "\n".join(f"- {n}" for n in notes)


def _md(c: Counter) -> str:
    return "\n".join(f"| {k} | {v} |" for k, v in sorted(c.items())) or "| (none) | 0 |"


def card(*, run_id: str, manifest: dict[str, Any], table: pa.Table, card_keys: tuple[str, ...],
         audit: dict[str, Any], config: str, teachers: list[dict[str, Any]], template: Any | None = None,
         template_notes: tuple[str, ...] = ()) -> str:
    fmt = manifest["format"]
    by_pipeline = Counter(table.column("pipeline").to_pylist())
    by_outcome = Counter(table.column("outcome").to_pylist())
    keys: Counter[str] = Counter()
    for m in map(decode_meta, table.column("meta").to_pylist()):
        for k in card_keys:
            if k in m:
                keys[f"{k}={m[k]}"] += 1
    tokens = ""
    if "tokens" in manifest:
        per = "\n".join(f"| {p} | {n:,} |" for p, n in sorted(manifest["tokens"]["by_pipeline"].items()))
        tokens = (f"\n## Tokens ({template.name})\n\n{manifest['tokens']['total']:,} tokens in all; tools "
                  f"rendered {template.tool_mode}.\n\n| pipeline | tokens |\n|---|---|\n{per}\n")
    return f"""# Dataset: {run_id}

Exported from `{manifest['source_run']}` by trajectory-factory: accepted rows
{'approved by an auditor' if manifest['approved_only'] else 'minus those an auditor rejected'}.
{manifest['rows']} rows in {len(manifest['files'])} Parquet shard(s) under `data/`.

- format: `{fmt}` — {_FORM[fmt]}
- row schema version: {SCHEMA_VERSION}
- chat template: {manifest.get('chat_template') or '(none: rendered by the training job)'}
- teacher's thinking: {manifest.get('thinking') or 'kept'}

```python
{_LOAD[fmt]}
```

## Teachers

| backend | model | weights | rows |
|---|---|---|---|
{teacher_table.markdown(teachers)}

## Chat template and thinking

{template_section(template, list(template_notes))}

## Counts

| pipeline | rows |
|---|---|
{_md(by_pipeline)}

| outcome | rows |
|---|---|
{_md(by_outcome)}

| meta key | rows |
|---|---|
{_md(keys) if card_keys else "| (the pipeline declares no card keys) | |"}
{tokens}
## Audit

{audit['accept']} rows labelled accept, {audit['reject']} reject, {audit['skip']} skip
(reviewers: {', '.join(audit['reviewers']) or 'none'}); {manifest['dropped_by_audit']} accepted rows left out.

## The config that produced it

```yaml
{config}```
"""
