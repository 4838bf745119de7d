"""Agentic-CoT through the engine with a scripted teacher: what its own checks do to a run."""

import json

from factory.runner import driver
from tests.factory.runner.test_driver import all_rows
from tests.fakes.cot import cot_reply
from tests.fakes.scripted import ScriptedTeacher


def test_run_keeps_thinking_and_non_thinking_variants(make_cfg):
    out = driver.run(make_cfg(pipeline="agentic_cot", limit=10), teacher=ScriptedTeacher(cot_reply))
    acc, rej = all_rows(out.run_dir, "accepted"), all_rows(out.run_dir, "rejected")
    thinking = [r for r in acc if json.loads(r["meta"])["variant"] == "thinking"]
    non_thinking = [r for r in acc if json.loads(r["meta"])["variant"] == "non_thinking"]
    assert len(thinking) + len({r["task_id"] for r in rej}) == 10
    assert {r["task_id"] for r in non_thinking} == {r["task_id"] for r in thinking}
    assert out.stats["usage"]["teacher_calls"] == 20


def test_wrong_answers_are_rejected_with_reason(make_cfg):
    t = ScriptedTeacher(lambda r: cot_reply(r, wrong=True))
    out = driver.run(make_cfg(pipeline="agentic_cot", limit=4), teacher=t)
    assert out.stats["accepted"] == 0
    assert out.stats["reasons"] == {"answer:mismatch_reference": 4}


def test_malformed_extraction_is_data(make_cfg):
    t = ScriptedTeacher(lambda r: "{not json" if r.structured else "some reasoning")
    out = driver.run(make_cfg(pipeline="agentic_cot", limit=3), teacher=t)
    rows = all_rows(out.run_dir, "rejected")
    assert len(rows) == 3 and all(r["reject_reason"] == "generation:malformed:extraction_invalid" for r in rows)
    assert all(json.loads(r["meta"])["extraction_raw"] == "{not json" for r in rows)


def test_duplicates_rejected_across_runs_once_normalised(make_cfg, tmp_path):
    qs = tmp_path / "q.jsonl"
    qs.write_text(json.dumps({"question": "What is 17 multiplied by 23?", "answer": "391"}) + "\n")
    opts = {"questions": str(qs)}
    driver.run(make_cfg(pipeline="agentic_cot", name="a", pipeline_options=opts), teacher=ScriptedTeacher(cot_reply))
    # a second question whose trajectory text is identical once normalised
    qs.write_text(qs.read_text() + json.dumps({"question": "What is 17 multiplied by 23? ", "answer": "391"}) + "\n")
    out = driver.run(make_cfg(pipeline="agentic_cot", name="b", pipeline_options=opts,
                              dedup={"against": [str(tmp_path / "runs" / "a")]}), teacher=ScriptedTeacher(cot_reply))
    assert out.stats["duplicates"] == 4 and out.stats["accepted"] == 0
