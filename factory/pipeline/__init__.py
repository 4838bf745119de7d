"""The pipeline plugin contract (base), what a pipeline declares for the engine to show and count
(view), and how the engine finds pipelines (registry). See docs/architecture.md, "Pipelines"."""

from factory.pipeline.base import NoOptions, Pipeline
from factory.pipeline.view import PipelineView

__all__ = ["NoOptions", "Pipeline", "PipelineView"]
