"""A real training step on an export (tests/factory/sft.py): the loss on a math row's assistant turns
is finite and falls on a repeated batch."""

from __future__ import annotations

import math

import datasets
import pytest

from tests.factory import sft


@pytest.mark.timeout(300)
def test_sft_steps_on_the_hf_export(hf_exports, tmp_path):
    files = [str(p) for d in hf_exports.values() for p in (d / "data").glob("*.parquet")]
    ds = datasets.load_dataset("parquet", data_files=files, split="train").select_columns(["messages", "tools"])
    assert len(ds) >= 4 and any(ds["tools"])
    # A math row, the harder case: a tools list, calls with object arguments, tool turns. Alone it is
    # one repeated batch, on which the loss must come down.
    ds = ds.select([next(i for i, t in enumerate(ds["tools"]) if t)])
    trainer, tok = sft.trainer(ds, tmp_path / "out", steps=3)
    first = trainer.train_dataset[0]["input_ids"]
    text = tok.decode(first)
    assert "<tools>" in text and text.count("<tools>\n") == 1  # the template rendered the row's tools once
    labels = trainer.train_dataset[0]["labels"]
    trained = [t for t, lab in zip(first, labels, strict=False) if lab != -100]
    assert 0 < len(trained) < len(first) / 3  # system prompt, tools, task, tool results: not trained on
    assert "<tool_call>" in tok.decode(trained) and "<tools>" not in tok.decode(trained)
    trainer.train()
    losses = sft.losses(trainer)
    assert len(losses) == 3 and all(math.isfinite(x) for x in losses)
    assert losses[-1] < losses[0] and min(losses[1:]) < losses[0] * 0.9, losses  # 1.42 → 1.13 → 1.17 here
