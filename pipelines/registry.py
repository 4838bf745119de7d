"""Pipelines by name. Values are import paths so that listing pipelines imports nothing heavy."""

from __future__ import annotations

import importlib

from factory.errors import UserError

PIPELINES: dict[str, str] = {
    "agentic_cot": "pipelines.agentic_cot.pipeline:AgenticCoT",
    "math": "pipelines.math.pipeline:MathPipeline",
}


def get_pipeline(name: str) -> type:
    """A registered name, or `package.module:Class` for a pipeline kept outside this tree (the
    benchmarks use that for their workload-only pipelines)."""
    if ":" in name and name not in PIPELINES:
        module, _, attr = name.partition(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            raise UserError(f"pipeline '{name}': cannot import it ({e}); use module.path:ClassName") from None
    if name not in PIPELINES:
        raise UserError(f"unknown pipeline '{name}'; known: {', '.join(sorted(PIPELINES))} "
                        "(see `factory pipelines`)")
    module, _, attr = PIPELINES[name].partition(":")
    return getattr(importlib.import_module(module), attr)
