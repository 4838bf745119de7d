"""A mix spec: which rows of which runs (or exports) go into one training set, in what shares of
tokens, counted with the student's tokenizer. Pydantic models (extra="forbid"); the YAML file is
their serialisation, and the resolved spec is written beside the mix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from factory.config import describe_validation_error, read_yaml
from factory.errors import UserError
from tf_common import Strict

Scalar = str | int | float | bool


class Select(Strict):
    """Which rows of a source count; every field given must hold (an empty list: any value)."""

    pipeline: list[str] = Field(default_factory=list)
    outcome: list[str] = Field(default_factory=list, description="e.g. success, failure (a failure branch's step)")
    branch: list[str] = Field(default_factory=list, description="'root' for a row not forked from another, else the "
                              "branch kind (success, failure …)")
    meta: dict[str, list[Scalar]] = Field(default_factory=dict, description="a meta key of the pipeline's → the values "
                                          "allowed, e.g. {difficulty: [3, 4]} (math), {variant: [recovery]} (tool_use)")
    reward_min: float | None = None
    reward_max: float | None = None
    labels: list[Literal["accept", "reject", "skip", "unlabelled"]] = Field(
        default_factory=list, description="the audit's labels (`factory review`); default: every row but those "
        "labelled reject")


class Source(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="how the card and the `mix_source` column name it")
    path: str = Field(description="a run directory, or an `openai`/`hf` export of one")
    weight: float = Field(gt=0, description="share of the mix's tokens (weights are normalised)")
    select: Select = Field(default_factory=Select)
    max_tokens: int | None = Field(None, gt=0, description="cap on this source's tokens")


class MixSpec(Strict):
    sources: list[Source] = Field(min_length=1)
    tokenizer: str = Field(description="the student's chat template and tokenizer that count tokens: qwen3, gemma3, "
                           "embedded, a tokenizer folder, or its tokenizer_config.json")
    format: Literal["openai", "hf", "text"] = "hf"
    total_tokens: int | None = Field(None, gt=0, description="the budget; default: the largest mix every source can "
                                     "fill at its share")
    validation: float = Field(0.05, ge=0.0, lt=0.5, description="share of trajectories held out (by task: branches "
                              "and attempts of one task stay in one split)")
    seed: int = 0
    non_thinking_share: float | None = Field(
        None, ge=0.0, le=1.0, description="of the rows with the teacher's thinking, the share given without it "
        "(meta.thinking false); default: rows as stored")
    dedup: bool = Field(True, description="drop rows whose content repeats an earlier source's (exact, then near)")
    dedup_threshold: float = Field(0.85, gt=0.0, le=1.0, description="estimated Jaccard for a near-duplicate")
    decontaminate: list[str] = Field(default_factory=list, description="benchmark files (.jsonl/.parquet with a "
                                     "question field): rows whose task shares an n-gram with one are left out")
    contamination_ngram: int = Field(13, ge=3)
    shortfall: Literal["warn", "fail"] = Field(
        "warn", description="a source that cannot fill its share of total_tokens: say so and mix what there is, or stop")
    rows_per_shard: int = Field(50_000, ge=1)

    @model_validator(mode="after")
    def _names(self) -> MixSpec:
        seen: set[str] = set()
        for s in self.sources:
            if s.name in seen:
                raise ValueError(f"source name {s.name!r} appears twice; names must be unique")
            seen.add(s.name)
        return self


def load_spec(path: Path) -> MixSpec:
    data = read_yaml(path)
    try:
        spec = MixSpec.model_validate(data)
    except ValidationError as e:
        raise UserError(describe_validation_error(e, str(path))) from None
    # Relative paths are taken from the working directory, as a run config's are (runs/<name>).
    for s in spec.sources:
        s.path = str(Path(s.path).expanduser().resolve())
    spec.decontaminate = [str(Path(f).expanduser().resolve()) for f in spec.decontaminate]
    return spec


def dump_spec(spec: MixSpec) -> str:
    return yaml.safe_dump(spec.model_dump(mode="json", exclude_defaults=False), sort_keys=False)
