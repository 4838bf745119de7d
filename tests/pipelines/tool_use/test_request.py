"""The request: the template satisfies its own check by construction; a teacher's request that drops a
value, names a tool or states the value the user was meant to forget falls back to the template."""

import asyncio
import json

from factory.config import SamplingConfig
from pipelines.tool_use.request import check, template, write
from tests.fakes.scripted import ScriptedTeacher


def _tasks(tu_tasks, variant):
    return [t.payload for t in tu_tasks if t.payload["variant"] == variant]


def test_template_passes_its_own_check(tu_tasks):
    for t in tu_tasks:
        p = t.payload
        text = template(p, p["described"])
        assert check(text, p, [s["name"] for s in p["offered"]]) == "", text
        for step in p["walk"]["steps"]:
            assert "_" not in step["tool"] or step["tool"] not in text


def test_missing_value_is_absent_from_the_template(tu_tasks):
    for p in _tasks(tu_tasks, "missing_param"):
        assert p["missing"]["input"].replace("_", " ") in template(p, p["described"])
        assert check(template(p, p["described"]), p, []) == ""


def _write(p, reply):
    teacher = ScriptedTeacher(lambda req: json.dumps({"request": reply}))
    return asyncio.run(write(p, p["described"], teacher, SamplingConfig(), 0, True, "a"))


def test_teacher_requests_are_checked(tu_tasks):
    p = next(p for p in _tasks(tu_tasks, "normal") if p["walk"]["steps"][0]["given"])
    good = template(p, p["described"]).replace("Please help me", "Hi! Could you help me")
    assert _write(p, good)[:2] == (good, "teacher")
    assert _write(p, "Hello, could you please do the usual thing for me today?")[1].startswith("template:value_missing")
    tool = p["walk"]["steps"][0]["tool"]
    named = good + f" Use {tool} for it." if "_" in tool else None
    if named:
        assert _write(p, named)[1] == f"template:names_tool:{tool}"
    broken = asyncio.run(write(p, p["described"], ScriptedTeacher(lambda req: "not json"), SamplingConfig(), 0, True,
                               "a"))
    assert broken[1] == "template:not_json" and broken[0] == template(p, p["described"])


def test_a_request_that_states_the_missing_value_is_refused(tu_tasks):
    p = _tasks(tu_tasks, "missing_param")[0]
    leaked = template(p, p["described"]) + f" Oh, and it is {json.dumps(p['missing']['value'])}."
    assert _write(p, leaked)[1] == "template:missing_value_stated"
