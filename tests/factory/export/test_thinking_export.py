"""`factory export --thinking keep | drop | both` on a run whose teacher thought and called tools
natively: the thinking kept on the assistant messages, dropped, or both variants flagged — and the
text form renders the non-thinking variant with the template's own switch."""

import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from factory.cli.app import app
from factory.errors import UserError
from factory.runner import driver
from factory.teacher.base import Completion
from factory.trajectory import ToolCall
from tests.fakes.scripted import CompletionTeacher

QUESTION = "Compute 1/2 + 1/3."


def thinking_teacher(req):
    if not any(m["role"] == "tool" for m in req.messages):
        call = ToolCall(id="chatcmpl-tool-7", function={"name": "evaluate", "arguments": json.dumps({"expression": "1/2 + 1/3"})})
        return Completion("<plan>Add the fractions with the evaluate tool.</plan>", "tool_calls", 20,
                          reasoning="A half and a third: common denominator 6.", tool_calls=[call])
    return Completion("<reflection>The tool gave 5/6 ≈ 0.833333333333333, as expected.</reflection>\n"
                      "The answer is \\boxed{\\frac{5}{6}}.",
                      "stop", 20, reasoning="The tool says 5/6; that matches 3/6 + 2/6.")


@pytest.fixture(scope="module")
def thought_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("thinking")
    problems = tmp / "p.jsonl"
    problems.write_text(json.dumps({"question": QUESTION, "answer": "\\frac{5}{6}"}) + "\n")
    from factory.config import RunConfig

    cfg = RunConfig.model_validate({
        "pipeline": "math", "output_dir": str(tmp / "runs"), "name": "t", "runner": {"executor": "inline"},
        "pipeline_options": {"problems": str(problems), "generated_problems": 0, "attempts": 1, "guided": False,
                             "demonstration": False, "sandbox": {"backend": "bwrap"}}})
    out = driver.run(cfg, teacher=CompletionTeacher(thinking_teacher))
    assert out.stats["accepted"] == 1, out.stats
    return out.run_dir


def export(run, to, *args):
    r = CliRunner().invoke(app, ["export", str(run), "--to", str(to), *args])
    assert r.exit_code == 0, r.output
    return pq.read_table(to / "data" / "part-00000.parquet").to_pylist(), (to / "README.md").read_text()


def thoughts(row):
    return [m["reasoning_content"] for m in row["messages"] if m["role"] == "assistant"]


def test_keep_drop_both(thought_run, tmp_path):
    kept, card = export(thought_run, tmp_path / "keep")
    assert len(kept) == 1 and thoughts(kept[0]) == ["A half and a third: common denominator 6.",
                                                   "The tool says 5/6; that matches 3/6 + 2/6."]
    assert "1 row(s) carry the teacher's thinking" in card
    dropped, card = export(thought_run, tmp_path / "drop", "--thinking", "drop")
    assert thoughts(dropped[0]) == [None, None] and "dropped" in card
    both, card = export(thought_run, tmp_path / "both", "--thinking", "both")
    by_mode = {json.loads(r["meta"])["thinking"]: r for r in both}
    assert set(by_mode) == {True, False} and by_mode[False]["id"] == by_mode[True]["id"] + "-nt"
    assert thoughts(by_mode[True]) == thoughts(kept[0]) and thoughts(by_mode[False]) == [None, None]
    assert [m["content"] for m in by_mode[False]["messages"]] == [m["content"] for m in kept[0]["messages"]]


def test_both_in_text_form_uses_the_templates_switch(thought_run, tmp_path):
    rows, _ = export(thought_run, tmp_path / "text", "--format", "text", "--chat-template", "qwen3", "--thinking", "both")
    by_mode = {json.loads(r["meta"])["thinking"]: r["text"] for r in rows}
    assert "common denominator 6" in by_mode[True] and "common denominator 6" not in by_mode[False]
    assert "<think>\n\n</think>" in by_mode[False]  # Qwen3's non-thinking switch, rendered by the template


def test_unknown_mode_is_one_line(thought_run, tmp_path):
    r = CliRunner().invoke(app, ["export", str(thought_run), "--to", str(tmp_path / "x"), "--thinking", "maybe"])
    assert isinstance(r.exception, UserError) and str(r.exception) == "--thinking maybe: expected one of keep, drop, both"
    assert not (tmp_path / "x").exists()
