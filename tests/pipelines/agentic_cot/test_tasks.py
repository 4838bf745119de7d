import json

import pytest

from factory.config import RunConfig
from factory.errors import UserError
from pipelines.agentic_cot.pipeline import AgenticCoT


def tasks(tmp_path, content=None, suffix=".jsonl", seed=0, **opts):
    if content is not None:
        p = tmp_path / f"q{suffix}"
        p.write_text(content)
        opts["questions"] = str(p)
    return AgenticCoT(RunConfig(pipeline="agentic_cot", seed=seed, pipeline_options=opts)).tasks()


def test_seed_set_ids_are_stable_and_seeds_follow_run_seed(tmp_path):
    a, b, c = tasks(tmp_path), tasks(tmp_path), tasks(tmp_path, seed=1)
    assert len(a) == 40 and [t.id for t in a] == [t.id for t in b] == [t.id for t in c]
    assert [t.seed for t in a] == [t.seed for t in b] and a[0].seed != c[0].seed


def test_user_file_and_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    ts = tasks(tmp_path, json.dumps({"question": "Why?"}) + "\n\n" + json.dumps({"question": "2+2?", "answer": 4}))
    assert [t.payload for t in ts] == [{"question": "Why?", "answer": None}, {"question": "2+2?", "answer": "4"}]
    p = tmp_path / "q.parquet"
    pq.write_table(pa.table({"question": ["a?"], "answer": ["1"]}), p)
    assert tasks(tmp_path, questions=str(p))[0].payload["answer"] == "1"


@pytest.mark.parametrize("content,match", [
    ('{"question": "ok"}\nnot json\n', r"q.jsonl line 2: not valid JSON"),
    ('{"q": "wrong key"}\n', r"row 1: expected a non-empty string field 'question'"),
    ("[1, 2]\n", r"line 1: expected a JSON object"),
])
def test_bad_rows_name_file_and_line(tmp_path, content, match):
    with pytest.raises(UserError, match=match):
        tasks(tmp_path, content)


def test_missing_file_and_unknown_option(tmp_path):
    with pytest.raises(UserError, match="pipeline_options.questions: file .* not found"):
        tasks(tmp_path, questions=str(tmp_path / "none.jsonl"))
    with pytest.raises(UserError, match=r"pipeline_options \(agentic_cot\): questoins: unknown field"):
        tasks(tmp_path, questoins="x")
