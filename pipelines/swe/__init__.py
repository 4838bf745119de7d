"""SWE: a teacher repairs real Python repositories in sandboxes (SWE-bench-format instances, or
bugs synthesised with libcst into pinned sdists), graded by running the tests in a fresh sandbox;
resolved trajectories fork branches, failed ones are probed step by step. This file stays light:
it is what `factory pipelines` imports (registered in pyproject.toml)."""

from factory.pipeline.registry import PipelineRef

PIPELINE = PipelineRef("pipelines.swe.pipeline:SwePipeline",
                       "code repair in real repositories; graded by tests in a fresh sandbox; branches and step labels")
