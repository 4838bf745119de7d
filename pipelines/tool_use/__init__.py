"""Tool use and planning: seeded walks over a graph of real tools (Python callables, MCP servers,
OpenAPI operations), requests written for them, trajectories with real execution, adversarial and
negative variants, APIGen-style verification. This file stays light: `factory pipelines` imports it."""

from factory.pipeline.registry import PipelineRef

PIPELINE = PipelineRef("pipelines.tool_use.pipeline:ToolUsePipeline",
                       "tool-graph walks over real tools (Python, MCP, OpenAPI); variants; APIGen-style checks")
