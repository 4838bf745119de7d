"""A real training step on an export: TRL's SFTTrainer on the `hf` rows of both pipelines, the
embedded SmolLM2-135M on CPU, Qwen3's tool-aware chat template in TRL's training form (SmolLM2 is
ChatML like Qwen, and its own template would drop the tools), loss on assistant turns only. The loss
is finite and falls on a repeated batch."""

from __future__ import annotations

import math
from pathlib import Path

import datasets
import pytest

from factory.teacher.embedded import ensure_embedded_model


@pytest.mark.timeout(300)
def test_sft_steps_on_the_hf_export(hf_exports, tmp_path):
    import torch
    import trl
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    files = [str(p) for d in hf_exports.values() for p in (d / "data").glob("*.parquet")]
    ds = datasets.load_dataset("parquet", data_files=files, split="train").select_columns(["messages", "tools"])
    assert len(ds) >= 4 and any(ds["tools"])
    # A math row, the harder case: a tools list, calls with object arguments, tool turns. Alone it is
    # one repeated batch, on which the loss must come down.
    ds = ds.select([next(i for i, t in enumerate(ds["tools"]) if t)])
    folder = ensure_embedded_model()
    tok = AutoTokenizer.from_pretrained(str(folder))
    # Qwen3's template with {% generation %} markers, as TRL ships it for assistant_only_loss.
    tok.chat_template = (Path(trl.__file__).parent / "chat_templates" / "qwen3_training.jinja").read_text()
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)
    args = SFTConfig(output_dir=str(tmp_path / "out"), max_steps=3, per_device_train_batch_size=1,
                     gradient_accumulation_steps=1, learning_rate=5e-4, lr_scheduler_type="constant",
                     warmup_steps=0, max_length=1536, logging_steps=1, save_strategy="no", report_to=[],
                     use_cpu=True, bf16=False, fp16=False, dataloader_num_workers=0, seed=0,
                     assistant_only_loss=True)
    trainer = SFTTrainer(model=model, args=args, train_dataset=ds, processing_class=tok)
    first = trainer.train_dataset[0]["input_ids"]
    text = tok.decode(first)
    assert "<tools>" in text and text.count("<tools>\n") == 1  # the template rendered the row's tools once
    labels = trainer.train_dataset[0]["labels"]
    trained = [t for t, lab in zip(first, labels, strict=False) if lab != -100]
    assert 0 < len(trained) < len(first) / 3  # system prompt, tools, task, tool results: not trained on
    assert "<tool_call>" in tok.decode(trained) and "<tools>" not in tok.decode(trained)
    trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    assert len(losses) == 3 and all(math.isfinite(x) for x in losses)
    assert losses[-1] < losses[0] and min(losses[1:]) < losses[0] * 0.9, losses  # 1.42 → 1.13 → 1.17 here
