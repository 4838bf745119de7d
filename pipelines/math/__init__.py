"""Math over 111 atomic abilities: seeded problems with ground truth, a sandboxed toolbox,
plan → act → feedback → reflect trajectories, answers checked with math-verify. This file stays
light: it is what `factory pipelines` imports (registered in pyproject.toml)."""

from factory.pipeline.registry import PipelineRef

PIPELINE = PipelineRef("pipelines.math.pipeline:MathPipeline",
                       "111 atomic math abilities; sandboxed sympy/python tools; verified answers, pass@k")
