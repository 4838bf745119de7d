"""Deep research: a teacher searches and reads a real document collection (man pages, FOLDOC, the
Python documentation, or a user's own) through `search`/`open`/`find`; closed-ended multi-hop
questions with perturbed results and failure lessons, open-ended "think twice" reports, and reverse
tasks that rebuild a citing document's research. This file stays light: `factory pipelines` imports it."""

from factory.pipeline.registry import PipelineRef

PIPELINE = PipelineRef("pipelines.research.pipeline:ResearchPipeline",
                       "search/open/find over a real corpus: closed multi-hop, open think-twice, reverse")
