"""A few real SFT steps (TRL's SFTTrainer, the embedded SmolLM2-135M on CPU) on rows in the `hf`
form, with Qwen3's tool-aware chat template in TRL's training form (SmolLM2 is ChatML like Qwen, and
its own template would drop the tools), loss on assistant turns only. Shared by the export and mix
tests."""

from __future__ import annotations

from pathlib import Path

from factory.teacher.embedded import ensure_embedded_model


def trainer(ds, out: Path, steps: int, eval_ds=None):
    import torch
    import trl
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    folder = ensure_embedded_model()
    tok = AutoTokenizer.from_pretrained(str(folder))
    # Qwen3's template with {% generation %} markers, as TRL ships it for assistant_only_loss.
    tok.chat_template = (Path(trl.__file__).parent / "chat_templates" / "qwen3_training.jinja").read_text()
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)
    args = SFTConfig(output_dir=str(out), max_steps=steps, per_device_train_batch_size=1,
                     gradient_accumulation_steps=1, learning_rate=5e-4, lr_scheduler_type="constant",
                     warmup_steps=0, max_length=1536, logging_steps=1, save_strategy="no", report_to=[],
                     use_cpu=True, bf16=False, fp16=False, dataloader_num_workers=0, seed=0,
                     assistant_only_loss=True, eval_strategy="no")
    return SFTTrainer(model=model, args=args, train_dataset=ds, eval_dataset=eval_ds, processing_class=tok), tok


def losses(t) -> list[float]:
    return [h["loss"] for h in t.state.log_history if "loss" in h]
