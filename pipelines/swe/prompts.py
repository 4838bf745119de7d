"""What the teacher is told, and the per-turn JSON schema that keeps a weak teacher on format."""

from __future__ import annotations

import json
from typing import Any

from factory.agent import hermes
from factory.teacher.base import Structured
from factory.trajectory import ToolCall

SYSTEM = """You are a software engineer fixing a bug in a Python repository checked out at /work/repo.
Work in small steps: explore the code, reproduce the failure, edit the source, run the tests, and
submit when the tests pass. Before each action, say briefly what you learned and what you do next.
Do not change the tests: they define the expected behaviour. There is no network."""

STATIC_SYSTEM = """You are a software engineer working in a Python repository checked out at /work/repo.
Its dependencies are not installed and it has no tests to run: read the code (grep, sed, the editor's
view) to understand it. Work in small steps; before each action, say briefly what you learned and
what you do next. There is no network."""


def user_prompt(statement: str, fail_to_pass: list[str]) -> str:
    shown = "\n".join(f"- {t}" for t in fail_to_pass[:5])
    return (f"<issue>\n{statement.strip()}\n</issue>\n\nThe repository is at /work/repo. Make the smallest change "
            f"to the source that resolves the issue. These tests should pass afterwards:\n{shown}\n"
            "Call `submit` when you are done.")


class SweGuide:
    """Each turn: a short thought and exactly one tool call; the first turn may not submit (a weak
    teacher otherwise gives up before looking), the last allowed turn must."""

    def __init__(self, tools: list[dict[str, Any]], max_chars: int, submit_on_last: bool = True,
                 finish: str = "submit"):
        self.tools, self.max_chars, self.submit_on_last, self.finish = tools, max_chars, submit_on_last, finish

    def structured(self, turn: int, last: bool) -> Structured:
        names = [self.finish] if last and self.submit_on_last else [t["function"]["name"] for t in self.tools
                                                                   if turn > 0 or t["function"]["name"] != self.finish]
        calls = [{"type": "object",
                  "properties": {"name": {"const": t["function"]["name"]}, "arguments": t["function"]["parameters"]},
                  "required": ["name", "arguments"], "additionalProperties": False}
                 for t in self.tools if t["function"]["name"] in names]
        return Structured(json_schema={
            "type": "object",
            "properties": {"thought": {"type": "string", "minLength": 10, "maxLength": self.max_chars},
                           "tool_call": calls[0] if len(calls) == 1 else {"anyOf": calls}},
            "required": ["thought", "tool_call"], "additionalProperties": False})

    def render(self, raw: str) -> str:
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ValueError("not_json") from e
        call = obj.get("tool_call") if isinstance(obj, dict) else None
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            raise ValueError("no_tool_call")
        thought = str(obj.get("thought", "")).strip()
        rendered = hermes.render_call(ToolCall(id="", name=call["name"], arguments=json.dumps(call.get("arguments", {}))))
        return f"{thought}\n\n{rendered}"
