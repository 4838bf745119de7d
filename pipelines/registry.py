"""Pipelines by name. Values are import paths so that listing pipelines imports nothing heavy."""

from __future__ import annotations

import importlib

from factory.errors import UserError

PIPELINES: dict[str, str] = {
    "agentic_cot": "pipelines.agentic_cot.pipeline:AgenticCoT",
    "math": "pipelines.math.pipeline:MathPipeline",
}


def get_pipeline(name: str) -> type:
    if name not in PIPELINES:
        raise UserError(f"unknown pipeline '{name}'; known: {', '.join(sorted(PIPELINES))} "
                        "(see `factory pipelines`)")
    module, _, attr = PIPELINES[name].partition(":")
    return getattr(importlib.import_module(module), attr)
