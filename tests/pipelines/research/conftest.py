from pathlib import Path

import pytest

from factory.config import RunConfig, deep_merge
from factory.pipeline.registry import get_pipeline

CORPUS = str(Path(__file__).resolve().parents[3] / "examples" / "research" / "kestrel_corpus.jsonl")
OPTIONS = {"corpus": CORPUS, "tasks": 9, "guided": False, "demonstration": False, "max_turns": 12,
           "hops": {2: 0.5, 3: 0.5}, "modes": {"closed": 1, "open": 1, "reverse": 1}, "lesson_retry": True,
           "judge": True}


@pytest.fixture(scope="session")
def rs_cfg(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("rs-runs")

    def make(**over):
        base = {"pipeline": "research", "output_dir": str(out_dir), "runner": {"executor": "inline", "chunk_size": 5},
                "pipeline_options": OPTIONS}
        return RunConfig.model_validate(deep_merge(base, over))
    return make


@pytest.fixture(scope="session")
def rs_pipeline(rs_cfg):
    p = get_pipeline("research")(rs_cfg(name="tasks"))
    yield p
    p.close()


@pytest.fixture(scope="session")
def rs_tasks(rs_pipeline):
    return rs_pipeline.tasks()
