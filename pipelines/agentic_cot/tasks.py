"""Questions → tasks with stable ids."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import Field

from factory.errors import UserError
from factory.inputs import read_records
from factory.seeding import derive_seed
from factory.trajectory import Task
from tf_common import Strict

SEED_FILE = Path(__file__).with_name("seed_questions.jsonl")


class Options(Strict):
    questions: str | None = Field(None, description=".jsonl/.parquet with `question`, optional `answer`; "
                                                    "default: the shipped seed set")
    reasoning_max_tokens: int = Field(384, ge=16)
    extract_max_tokens: int = Field(640, ge=64)
    phase_max_chars: int = Field(400, ge=20, description="per-phase length cap in the extraction schema")
    min_phase_words: int = Field(3, ge=1, description="a phase with fewer words is rejected")
    extract_temperature: float = Field(0.3, ge=0.0)
    non_thinking_variant: bool = True


class SeedQuestion(Strict):
    """An Agentic-CoT task's payload: the question and, when the input had one, its reference answer."""

    question: str
    answer: str | None = None


def load_tasks(opts: Options, run_seed: int) -> list[Task]:
    path = Path(opts.questions) if opts.questions else SEED_FILE
    tasks: list[Task] = []
    seen: set[str] = set()
    for n, row in enumerate(read_records(path, "pipeline_options.questions"), 1):
        q = row.get("question")
        if not isinstance(q, str) or not q.strip():
            raise UserError(f"{path} row {n}: expected a non-empty string field 'question'")
        answer = row.get("answer")
        if answer is not None and not isinstance(answer, (str, int, float)):
            raise UserError(f"{path} row {n}: 'answer' should be a string or number")
        answer = None if answer is None else str(answer)
        tid = "cot-" + hashlib.sha256(f"{q}\x1f{answer}".encode()).hexdigest()[:16]
        if tid in seen:  # the same question twice would be the same task twice
            continue
        seen.add(tid)
        tasks.append(Task(id=tid, pipeline="agentic_cot", seed=derive_seed(run_seed, tid),
                          payload=SeedQuestion(question=q.strip(), answer=answer).model_dump()))
    if not tasks:
        raise UserError(f"{path}: no questions found")
    return tasks
