"""The instruct pipeline through the driver with a scripted teacher: one row per task, accepted only
when the reply meets every constraint, each rejection naming the constraint it missed."""

import re

from factory.runner import driver
from pipelines.instruct.tasks import TOPICS, Options, load_tasks
from tests.fakes.scripted import ScriptedTeacher
from tests.rows import committed_rows


def reply(req) -> str:
    """Meets keywords/frequency/no-comma/lowercase asks and nothing else, on the task's topic."""
    prompt = req.messages[-1]["content"]
    topic = next(t for t in TOPICS if t in prompt)
    words = re.findall(r"'([a-z]+)'", prompt) if "Include the keywords" in prompt or "Use the word" in prompt else []
    body = (f"here is a note on {topic} for readers who are new to it and want the main facts "
            f"before they start {' '.join(w + ' ' + w for w in words)}.")
    return body


def test_rows_are_accepted_exactly_when_every_constraint_is_met(make_cfg):
    out = driver.run(make_cfg(pipeline="instruct", pipeline_options={"tasks": 12}), teacher=ScriptedTeacher(reply))
    rows = committed_rows(out.run_dir)
    assert len(rows) == 12 and {r["task_id"] for r in rows} == {f"if-{i:06d}" for i in range(12)}
    accepted = [r for r in rows if r["reject_reason"] is None]
    rejected = [r for r in rows if r["reject_reason"] is not None]
    assert accepted and rejected
    for r in rejected:
        assert r["outcome"] == "failure" and r["reject_reason"].split(":")[0] in ("instructions", "integrity")
    for r in accepted:
        assert {c["kind"] for c in r["meta"]["constraints"]} <= {"keywords", "frequency", "no_commas", "lowercase",
                                                                 "forbidden", "words_max", "sentences_max"}


def test_tasks_are_seeded_and_a_longer_stream_keeps_the_first_ones():
    a, b = load_tasks(Options(tasks=5), 3), load_tasks(Options(tasks=8), 3)
    assert [t.model_dump() for t in a] == [t.model_dump() for t in b[:5]]
    assert [t.payload for t in load_tasks(Options(tasks=5), 4)] != [t.payload for t in a]


def test_unknown_kinds_are_refused_with_the_known_ones():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="unknown constraint kind.*rhymes.*known: bullets"):
        Options(kinds=["rhymes"])
