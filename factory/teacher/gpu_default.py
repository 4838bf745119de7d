"""The teacher a run gets when none is named and a GPU answers: a strong open model instead of the
embedded 135M one. Qwen3-8B (Apache-2.0): native tool calls (Hermes parser) and a thinking mode
(qwen3 reasoning parser) — the two things the pipelines capture — in 16.4 GB of bf16 weights, so one
24 GB GPU holds it with a 16k-token context. docs/teachers.md says why this one and how to pick another."""

from __future__ import annotations

import shutil
import subprocess

from factory.config import RunConfig

MODEL = "Qwen/Qwen3-8B"
SETTINGS = {"backend": "vllm", "model": MODEL, "max_model_len": 16384}


def gpu_answers() -> bool:
    """An NVIDIA GPU is visible (asked of the driver's tool, not torch: no CUDA import on a CPU box)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        return subprocess.run([smi, "-L"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def with_gpu_default(cfg: RunConfig, gpu: bool) -> RunConfig:
    """`cfg` with the GPU default teacher when it names none (backend and model left unset)."""
    t = cfg.teacher
    if not gpu or t.backend != "embedded" or "backend" in t.model_fields_set or t.model:
        return cfg
    return cfg.model_copy(update={"teacher": t.model_copy(update=SETTINGS)})
