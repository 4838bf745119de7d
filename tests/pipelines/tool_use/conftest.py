import pytest

from factory.config import RunConfig, deep_merge
from factory.pipeline.registry import get_pipeline
from tests.rows import committed_rows

# Every variant, short walks, the template request (the scripted teachers recognise their task by it).
OPTIONS = {"tasks": 20, "request_writer": "template", "guided": False, "demonstration": False, "max_turns": 8,
           "lengths": {1: 0.3, 2: 0.4, 3: 0.2, 4: 0.1}, "distractors": 2,
           "variants": {"normal": 1, "missing_param": 1, "lookalike": 1, "failing_tool": 1, "negative": 1},
           "sources": {"mcp": ["time", "memory"]}}


rows = committed_rows


@pytest.fixture(scope="session")
def tu_cfg(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("tu-runs")

    def make(**over):
        base = {"pipeline": "tool_use", "output_dir": str(out_dir), "runner": {"executor": "inline", "chunk_size": 5},
                "shards": {"rows_per_shard": 10}, "pipeline_options": OPTIONS}
        return RunConfig.model_validate(deep_merge(base, over))
    return make


@pytest.fixture(scope="session")
def tu_tasks(tu_cfg):
    cfg = tu_cfg(name="tasks")
    return get_pipeline(cfg.pipeline)(cfg).tasks()
