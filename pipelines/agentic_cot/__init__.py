"""Agentic-CoT: free reasoning, extracted into five phases, assembled, verified. This file stays
light: it is what `factory pipelines` imports (registered in pyproject.toml)."""

from factory.pipeline.registry import PipelineRef

PIPELINE = PipelineRef("pipelines.agentic_cot.pipeline:AgenticCoT",
                       "five-phase structured reasoning (analysis/plan/action/reflection/summary)")
