"""A real training step on an export: TRL's SFTTrainer on the `hf` rows of both pipelines, the
embedded SmolLM2-135M on CPU, Qwen3's tool-aware chat template (SmolLM2 is ChatML like Qwen, and its
own template would drop the tools). The loss is finite and falls on a repeated batch."""

from __future__ import annotations

import math

import datasets
import pytest

from factory.export import templates
from factory.teacher.embedded import ensure_embedded_model


@pytest.mark.timeout(300)
def test_sft_steps_on_the_hf_export(hf_exports, tmp_path):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    files = [str(p) for d in hf_exports.values() for p in (d / "data").glob("*.parquet")]
    ds = datasets.load_dataset("parquet", data_files=files, split="train").select_columns(["messages", "tools"])
    assert len(ds) >= 4 and any(ds["tools"])
    ds = ds.select(range(2))  # one repeated batch: the loss must come down on it
    folder = ensure_embedded_model()
    tok = AutoTokenizer.from_pretrained(str(folder))
    tok.chat_template = templates.load("qwen3").template
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)
    args = SFTConfig(output_dir=str(tmp_path / "out"), max_steps=5, per_device_train_batch_size=2,
                     gradient_accumulation_steps=1, learning_rate=5e-4, lr_scheduler_type="constant",
                     warmup_steps=0, max_length=160, logging_steps=1, save_strategy="no", report_to=[],
                     use_cpu=True, bf16=False, fp16=False, dataloader_num_workers=0, seed=0)
    trainer = SFTTrainer(model=model, args=args, train_dataset=ds, processing_class=tok)
    first = trainer.train_dataset[0]["input_ids"]
    text = tok.decode(first)
    assert "<tools>" in text and text.count("<tools>\n") == 1  # the template rendered the row's tools once
    trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) == 5 and all(math.isfinite(x) for x in losses)
    assert losses[-1] < losses[0] * 0.9, losses
