"""The user request of a task: written by the teacher from the walk (what must get done, the values
the user knows) and checked — every stated value present, no tool named, the missing value of a
missing-parameter task absent — or, when the check fails, a template that satisfies it by
construction. `meta.request_source` says which."""

from __future__ import annotations

import json
import re
from typing import Any

from factory.config import SamplingConfig
from factory.errors import TeacherError, TeacherUnavailable
from factory.teacher.base import ChatRequest, Structured, Teacher
from factory.trajectory import Usage
from pipelines.tool_use.mentions import mentions, render


def _what(spec: dict[str, Any]) -> str:
    first = re.split(r"(?<=[.!?])\s", spec["description"].strip(), maxsplit=1)[0].rstrip(".")
    return (first[:1].lower() + first[1:]) if first else spec["name"].replace("_", " ")


def stated(payload: dict[str, Any]) -> list[tuple[int, str, Any]]:
    """(step, input, value) the request must carry."""
    missing = payload.get("missing") or {}
    return [(i, k, v) for i, s in enumerate(payload["walk"]["steps"]) for k, v in s["given"].items()
            if not (missing and missing["step"] == i and missing["input"] == k)]


def template(payload: dict[str, Any], specs: dict[str, dict[str, Any]]) -> str:
    steps = payload["walk"]["steps"]
    missing = payload.get("missing") or {}
    lines = []
    for i, s in enumerate(steps):
        vals = [f"{k.replace('_', ' ')}: {render(v)}" for k, v in s["given"].items()
                if not (missing and missing["step"] == i and missing["input"] == k)]
        line = f"{i + 1}. {_what(specs[s['tool']])}"
        if s["fed"]:
            line += ", using what the earlier step" + ("s" if len({f[0] for f in s["fed"].values()}) > 1 else "") \
                + " found"
        if vals:
            line += " (" + "; ".join(vals) + ")"
        if missing and missing["step"] == i:
            line += f"; I have not decided the {missing['input'].replace('_', ' ')} yet"
        lines.append(line)
    head = "Please help me with the following, in order:" if payload["walk"]["shape"] == "sequential" \
        else "Please help me with the following:"
    return head + "\n" + "\n".join(lines) + "\nTell me the results."


def check(text: str, payload: dict[str, Any], tool_names: list[str]) -> str:
    """'' when `text` is a usable request, else why not."""
    for _, k, v in stated(payload):
        if not mentions(text, v):
            return f"value_missing:{k}"
    missing = payload.get("missing")
    if missing and mentions(text, missing["value"]):
        return "missing_value_stated"
    for name in tool_names:
        if "_" in name and name.lower() in text.lower():
            return f"names_tool:{name}"
    if len(text.strip()) < 15:
        return "too_short"
    return ""


def _prompt(payload: dict[str, Any], specs: dict[str, dict[str, Any]]) -> str:
    steps = payload["walk"]["steps"]
    todo = "\n".join(f"- {_what(specs[s['tool']])}" for s in steps)
    values = "\n".join(f"- {k.replace('_', ' ')}: {render(v)}" for _, k, v in stated(payload)) or "- (none)"
    missing = payload.get("missing")
    extra = (f"\nThe user forgot to say the {missing['input'].replace('_', ' ')}: do not state it." if missing else "")
    return ("Write the message a user sends to an assistant that can use tools. The user wants this done"
            f"{' in order' if payload['walk']['shape'] == 'sequential' else ''}:\n{todo}\n"
            f"The message must state each of these values exactly as written:\n{values}{extra}\n"
            "Write it in the first person, one to four sentences. Do not name any tool or function.")


async def write(payload: dict[str, Any], specs: dict[str, dict[str, Any]], teacher: Teacher | None,
                sampling: SamplingConfig, seed: int, guided: bool, affinity: str) -> tuple[str, str, Usage]:
    """(request, source, usage): source is "teacher", "template" or "template:<why the teacher's failed>"."""
    if teacher is None:
        return template(payload, specs), "template", Usage()
    req = ChatRequest(messages=[{"role": "user", "content": _prompt(payload, specs)}], sampling=sampling, seed=seed,
                      affinity=affinity,
                      structured=Structured(json_schema={"type": "object", "properties": {
                          "request": {"type": "string", "minLength": 20, "maxLength": 700}},
                          "required": ["request"], "additionalProperties": False}) if guided else None)
    try:
        out = await teacher.chat(req)
    except TeacherUnavailable:
        raise
    except TeacherError as e:
        return template(payload, specs), f"template:teacher_error:{e}"[:120], Usage()
    text = out.completions[0].text
    if guided:
        try:
            text = str(json.loads(text)["request"])
        except (json.JSONDecodeError, KeyError, TypeError):
            return template(payload, specs), "template:not_json", out.usage()
    why = check(text, payload, list(specs))
    if why:
        return template(payload, specs), f"template:{why}", out.usage()
    return text.strip(), "teacher", out.usage()
