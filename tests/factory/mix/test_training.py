"""A mix is a training set as it is: loaded as a folder with `datasets`, a few TRL SFT steps on its
train split with the embedded model give finite losses, and evaluation runs on its validation split."""

from __future__ import annotations

import math

import datasets
import pytest

from tests.factory import sft
from tests.factory.mix.conftest import run_mix, two_sources


@pytest.mark.timeout(300)
def test_sft_steps_on_a_mix_of_two_pipelines(mix_runs, tmp_path):
    code, out, to = run_mix(two_sources(mix_runs, validation=0.2), tmp_path)
    assert code == 0, out
    ds = datasets.load_dataset(str(to))
    train = ds["train"].select_columns(["messages", "tools"])
    assert {r["mix_source"] for r in ds["train"]} | {r["mix_source"] for r in ds["validation"]} == {"math", "cot"}
    trainer, _ = sft.trainer(train.select(range(min(3, len(train)))), tmp_path / "out", steps=3,
                             eval_ds=ds["validation"].select_columns(["messages", "tools"]).select([0]))
    trainer.train()
    losses = sft.losses(trainer)
    assert len(losses) == 3 and all(math.isfinite(x) for x in losses), losses
    assert math.isfinite(trainer.evaluate()["eval_loss"])
