"""RL rows: per task, the messages a policy sees (`prompt`), the tools it is offered (OpenAI function
schemas), the task itself (what a reward rebuilds the episode from) and the reference its verifiers
read. One set of columns serves both trainers: TRL passes every column to its reward functions; verl
reads `data_source`, `prompt`, `reward_model.ground_truth` and `extra_info`. Written as Parquet with a
card whose YAML header `datasets.load_dataset(DIR)` reads."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from factory.errors import UserError
from factory.export.formats import chat_messages
from factory.rl.episode import NotAnRLTask
from factory.trajectory import Task

if TYPE_CHECKING:
    from factory.pipeline.base import Pipeline

_MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])
SCHEMA = pa.schema([
    ("prompt", pa.list_(_MESSAGE)), ("tools", pa.string()), ("task", pa.string()), ("task_id", pa.string()),
    ("data_source", pa.string()), ("reference", pa.string()),
    ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
    ("extra_info", pa.struct([("index", pa.int64()), ("task_id", pa.string()), ("split", pa.string())])),
    ("teacher_rows", pa.int64()), ("teacher_pass_rate", pa.float64()),
])


def task_json(task: Task) -> str:
    return json.dumps(task.model_dump(), ensure_ascii=False, sort_keys=True)


def rows_for(pipeline: "Pipeline", tasks: list[Task], teacher: dict[str, tuple[int, int]] | None = None
             ) -> tuple[list[dict[str, Any]], Counter]:
    """RL rows for `tasks` and the count of tasks skipped by reason. `teacher`: task id → (rows, accepted)
    in the run the tasks came from, so a trainer can pick tasks by how often the teacher solved them."""
    rows, skipped = [], Counter()
    for task in tasks:
        try:
            ep = pipeline.rl_episode(task)
        except NotAnRLTask as e:
            skipped[str(e)] += 1
            continue
        prompt = [{"role": m["role"], "content": m.get("content") or ""}
                  for m in chat_messages([m.model_dump(mode="json") for m in ep.prompt()])]
        n, ok = (teacher or {}).get(task.id, (0, 0))
        tj = task_json(task)
        rows.append({"prompt": prompt, "tools": json.dumps(ep.tools(), ensure_ascii=False), "task": tj,
                     "task_id": task.id, "data_source": pipeline.name,
                     "reference": json.dumps(ep.reference, ensure_ascii=False, sort_keys=True, default=str),
                     "reward_model": {"style": "rule", "ground_truth": tj},
                     "extra_info": {"index": len(rows), "task_id": task.id, "split": "train"},
                     "teacher_rows": n if teacher is not None else None,
                     "teacher_pass_rate": (ok / n if n else None) if teacher is not None else None})
    return rows, skipped


def write(to: Path, rows: list[dict[str, Any]], about: dict[str, Any]) -> Path:
    """data/train-<id>-00000-of-00001.parquet + README.md + manifest.json, written beside `to` and renamed
    into place at the end (an interrupted export leaves no half set). The id in the file name keeps
    `datasets`' cache from serving an earlier set written to the same folder name."""
    if not rows:
        raise UserError(f"{about.get('made_from', 'tasks')}: no RL rows (skipped: "
                        f"{dict(about.get('skipped') or {}) or 'none'}); nothing written")
    if to.exists() and (not to.is_dir() or any(to.iterdir())):
        raise UserError(f"--to {to}: exists and is not empty; choose a new directory")
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    set_id = hashlib.sha256("\n".join(r["task"] for r in rows).encode()).hexdigest()[:8]
    tmp = to.parent / f".{to.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "data").mkdir(parents=True)
    name = f"data/train-{set_id}-00000-of-00001.parquet"
    pq.write_table(table, tmp / name)
    manifest = {"kind": "rl", "rows": len(rows), "files": [name], **about,
                "skipped": dict(about.get("skipped") or {})}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n")
    (tmp / "README.md").write_text(_card(set_id, rows, manifest))
    if to.exists():
        to.rmdir()
    tmp.rename(to)
    return to / name


def _card(set_id: str, rows: list[dict[str, Any]], m: dict[str, Any]) -> str:
    header = yaml.safe_dump({"configs": [{"config_name": "default", "data_files": [
        {"split": "train", "path": f"data/train-{set_id}-*.parquet"}]}],
        "tags": ["rl", "verifiable-rewards", "trajectory-factory"]}, sort_keys=False)
    sources = Counter(r["data_source"] for r in rows)
    with_tools = sum(r["tools"] != "[]" for r in rows)
    skipped = "; ".join(f"{k}: {v}" for k, v in m["skipped"].items()) or "none"
    return (f"---\n{header}---\n\n# RL tasks from {m.get('made_from', 'trajectory-factory')}\n\n"
            f"{len(rows)} prompts ({', '.join(f'{k}: {v}' for k, v in sources.items())}); {with_tools} offer tools. "
            f"Skipped tasks: {skipped}.\n\n"
            "Each row: `prompt` (the messages the policy sees), `tools` (OpenAI function schemas, JSON), `task` "
            "(the task as JSON: rewards rebuild the episode from it), `reference` (what the verifiers read), "
            "verl's `data_source` / `reward_model` / `extra_info`.\n\n"
            "Rewards: `factory.rl.trl.reward_function(PIPELINE)` for TRL's GRPOTrainer, "
            "`factory.rl.verl.compute_score` for verl; both run the pipeline's own verifiers. "
            "See docs/rl.md of trajectory-factory.\n")
