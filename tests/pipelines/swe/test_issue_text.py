"""`issue_text: teacher`: the teacher writes the statement from the diff and failures; a text that
quotes the fix is refused and the template kept."""

import asyncio

from factory.config import RunConfig
from factory.trajectory import Task
from pipelines.swe import instances as inst_io
from pipelines.swe.pipeline import SwePipeline
from tests.fakes.scripted import ScriptedTeacher


def _statement(synthesised, tmp_path, reply):
    inst = synthesised[0][0]
    path = tmp_path / "i.jsonl"
    inst_io.dump([inst], path)
    cfg = RunConfig.model_validate({"pipeline": "swe", "output_dir": str(tmp_path),
                                    "pipeline_options": {"instances": str(path), "issue_text": "teacher"}})
    pipe = SwePipeline(cfg)
    task = Task(id="t", pipeline="swe", seed=1, payload=inst.model_dump())
    return inst, asyncio.run(pipe._statement(inst, ScriptedTeacher(reply), task))


def test_teacher_statement_used_when_clean(synthesised, tmp_path):
    text = "Calling the library with ordinary input gives a wrong result since the last release; expected the documented value."
    seen = []
    inst, (statement, meta) = _statement(synthesised, tmp_path, lambda req: seen.append(req) or text)
    assert statement == text and meta == {"issue_text": "teacher"}
    prompt = seen[0].messages[0]["content"]
    # the teacher is shown the failing tests with what they reported, and the fix it must not quote
    assert inst.FAIL_TO_PASS[0] in prompt and inst.meta["failures"][inst.FAIL_TO_PASS[0]][-80:] in prompt
    assert inst.patch[:200] in prompt


def test_teacher_statement_quoting_the_fix_is_refused(synthesised, tmp_path):
    def leaky(req):
        added = next(ln[1:] for ln in req.messages[0]["content"].splitlines()
                     if ln.startswith("+") and not ln.startswith("+++") and len(ln.strip()) > 9)
        return f"The bug is obvious, the code should read:\n{added}\nplease fix it soon, thanks a lot."
    inst, (statement, meta) = _statement(synthesised, tmp_path, leaky)
    assert statement == inst.problem_statement and meta["issue_text"] == "template(teacher_refused:leaks_patch)"
