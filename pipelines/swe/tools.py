"""The agent's tools, with the schemas SWE-agent / OpenHands models are trained on: `bash` (a fresh
shell per call in the repository, with a timeout, output clipped to its head and tail),
`str_replace_editor` and `submit` (the diff of the working tree against the baseline; ends the
trajectory). Everything runs in the trajectory's own sandbox."""

from __future__ import annotations

import re
from typing import Any

from factory.agent.tools import Tool, ToolBox, ToolFailed
from pipelines.swe import editor
from pipelines.swe.workspace import Workspace
from sandboxes.base import SandboxError

BASH_SCHEMA = {"type": "object",
               "properties": {"command": {"type": "string", "minLength": 1,
                                          "description": "The bash command to run in /work/repo."}},
               "required": ["command"], "additionalProperties": False}
BASH_DESCRIPTION = ("Run a bash command in /work/repo (a fresh shell each call: `cd` and variables do not carry over). "
                    "Long output is clipped to its beginning and end. No network.")
SUBMIT_SCHEMA = {"type": "object", "properties": {}, "additionalProperties": False}
SUBMIT_DESCRIPTION = "Submit your changes (the diff of the repository against its starting state) and finish."
ANSWER_SCHEMA = {"type": "object", "properties": {"answer": {"type": "string", "minLength": 1, "description":
                                                             "the answer, in the form the task asks for"}},
                 "required": ["answer"], "additionalProperties": False}
ANSWER_DESCRIPTION = "Give your final answer to the question (in the form the task asks for) and finish."
EDIT_COMMANDS = frozenset({"create", "str_replace", "insert", "undo_edit"})
TEST_RUN = re.compile(r"\b(pytest|py\.test|unittest|tox|nox)\b|\bpython3?\b")  # running tests or code


def clip(text: str, limit: int) -> str:
    """Head and tail of `text` with a marker between, when it is longer than `limit`."""
    if len(text) <= limit:
        return text
    head, tail = limit * 2 // 3, limit // 3
    return f"{text[:head]}\n<… {len(text) - head - tail} characters elided …>\n{text[-tail:]}"


class SweTools:
    def __init__(self, ws: Workspace, *, timeout_s: float, max_output_chars: int):
        self.ws, self.timeout_s, self.max_output_chars = ws, timeout_s, max_output_chars
        self.editor = editor.Editor(ws)
        self.submitted: str | None = None
        self.answered: str | None = None

    def toolbox(self, answer: bool = False) -> ToolBox:
        """`answer`: a question about the code, finished by `answer` instead of `submit`."""
        finish = (Tool("answer", ANSWER_DESCRIPTION, ANSWER_SCHEMA, self._answer, timeout_s=None, ends=True) if answer
                  else Tool("submit", SUBMIT_DESCRIPTION, SUBMIT_SCHEMA, self._submit, timeout_s=None, ends=True))
        return ToolBox([
            Tool("bash", BASH_DESCRIPTION, BASH_SCHEMA, self._bash, timeout_s=None),
            Tool("str_replace_editor", editor.DESCRIPTION, editor.SCHEMA, self._edit, timeout_s=None),
            finish,
        ])

    async def _answer(self, args: dict[str, Any]) -> str:
        self.answered = str(args["answer"])
        return "answer recorded"

    async def _bash(self, args: dict[str, Any]) -> str:
        try:
            # `timeout` inside: the sandbox's own limit (a margin later) would end the whole sandbox
            # on Docker, and with it the trajectory's workspace
            res = await self.ws.run(["timeout", "-k", "2", f"{self.timeout_s:g}", "bash", "-c", args["command"]],
                                    self.timeout_s + 15)
        except SandboxError as e:
            raise ToolFailed("sandbox_error", f"the sandbox failed ({e})") from None
        out = res.stdout + (("\n" if res.stdout and not res.stdout.endswith("\n") else "") + res.stderr
                            if res.stderr else "")
        if res.timed_out or res.exit_code == 124 or (res.exit_code == 137 and not res.oom_killed):
            return clip(out, self.max_output_chars) + f"\n[command timed out after {self.timeout_s:g}s and was killed]"
        if res.oom_killed:
            return clip(out, self.max_output_chars) + "\n[command ran out of memory and was killed]"
        out = clip(out.rstrip("\n"), self.max_output_chars)
        tail = f"\n[exit code {res.exit_code}]" if res.exit_code else ""
        return (out or "(no output)") + tail

    async def _edit(self, args: dict[str, Any]) -> str:
        try:
            return await self.editor(args)
        except SandboxError as e:
            raise ToolFailed("sandbox_error", f"the sandbox failed ({e})") from None

    async def _submit(self, args: dict[str, Any]) -> str:
        try:
            self.submitted = await self.ws.diff()
        except SandboxError as e:
            raise ToolFailed("submit_failed", f"could not compute the diff ({e}); is /work/repo/.git intact?") from None
        return self.submitted if self.submitted.strip() else "(empty diff: nothing changed)"


def key_action(name: str, arguments: dict[str, Any]) -> bool:
    """Edits and test runs: where a successful trajectory forks and a failed one is probed."""
    if name == "str_replace_editor":
        return arguments.get("command") in EDIT_COMMANDS
    if name == "bash":
        return TEST_RUN.search(str(arguments.get("command", ""))) is not None
    return False
