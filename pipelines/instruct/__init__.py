"""Verifiable instructions: a request on a topic with seeded constraints (length, format, keywords,
JSON schema, language …), each checked by a rule, so the same checks grade SFT rows and RL rollouts.
This file stays light: it is what `factory pipelines` imports (registered in pyproject.toml)."""

from factory.pipeline.registry import PipelineRef

PIPELINE = PipelineRef("pipelines.instruct.pipeline:InstructPipeline",
                       "verifiable instructions (length, format, keywords, JSON, language) checked by rules")
