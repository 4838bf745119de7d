"""A SWE instance as an RL environment. The policy gets the issue and the usual tools on the
instance's repository (bash, the editor, `submit`); the sandbox is opened at the first call, so a
completion that answers with a diff alone (```diff … ```) is graded without one. The reward is the
`tests` verifier's: 1 when resolved, else the share of FAIL_TO_PASS passing scaled down by the share of
PASS_TO_PASS broken — and 0, with the reason, for tampering, a patch that does not apply, or a
malformed call."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import TYPE_CHECKING, Any

from factory.agent.tools import ToolResult
from factory.rl.episode import Episode
from factory.trajectory import Message, Task, ToolCall, Trajectory
from pipelines.swe.instances import Instance
from pipelines.swe.prompts import SYSTEM, user_prompt
from pipelines.swe.tools import SweTools
from pipelines.swe.workspace import Workspace, env_for

if TYPE_CHECKING:
    from pipelines.swe.pipeline import SwePipeline

_DIFF = re.compile(r"```(?:diff|patch)?\s*\n((?:diff --git|--- ).*?)```", re.S)


def diff_in(text: str) -> str:
    """The unified diff an answer gives: a fenced block, or the text itself when it is one."""
    m = _DIFF.search(text)
    if m:
        return m.group(1).rstrip() + "\n"
    s = text.strip()
    return s + "\n" if s.startswith(("diff --git", "--- ")) else ""


class SweEpisode(Episode):
    def __init__(self, pipeline: "SwePipeline", task: Task):
        self.inst = Instance.model_validate(task.payload)
        o = pipeline.options
        prompt = [Message(role="system", content=SYSTEM),
                  Message(role="user", content=user_prompt(self.inst.problem_statement, self.inst.FAIL_TO_PASS))]
        reference = {"instance_id": self.inst.instance_id, "profile": self.inst.profile or self.inst.repo,
                     "repo": self.inst.repo, "modifier": self.inst.modifier, "kind": "rl",
                     "instance": self.inst.model_dump(exclude_none=True)}
        super().__init__(pipeline, task, prompt, reference)
        self.swe = pipeline
        self._limits = {"timeout_s": o.bash_timeout_s, "max_output_chars": o.max_output_chars}
        self._schemas = SweTools(None, **self._limits).toolbox().schemas()  # type: ignore[arg-type]
        self._stack: contextlib.AsyncExitStack | None = None
        self._tools: SweTools | None = None

    def tools(self) -> list[dict[str, Any]]:
        return self._schemas

    def ends(self, name: str) -> bool:
        return name == "submit"

    def deterministic(self, name: str) -> bool:
        return name != "bash"  # timings, temporary names: a command's output may differ between runs

    async def _workspace(self) -> SweTools:
        if self._tools is None:
            pool = await asyncio.to_thread(self.swe.pool_for, self.inst)
            self._stack = contextlib.AsyncExitStack()
            sb = await self._stack.enter_async_context(pool.session())
            ws = Workspace(sb, env_for(self.inst.python_path))
            await ws.init(self.inst.setup_patch)
            self._tools = SweTools(ws, **self._limits)
            self._box = self._tools.toolbox()
        return self._tools

    async def call(self, call: ToolCall) -> ToolResult:
        await self._workspace()
        return await self._box.call(call)

    async def row(self, messages: list[Message]) -> Trajectory:
        t = await super().row(messages)
        if self._tools is not None:
            submitted = self._tools.submitted
            patch = submitted if submitted is not None else await self._tools.ws.diff()
        else:
            submitted, patch = None, ""
        last = next((m.content for m in reversed(messages) if m.role == "assistant"), "")
        if not patch.strip():
            patch = diff_in(last)
        t.meta.update(patch=patch, submitted=submitted is not None)
        return t

    async def close(self) -> None:
        stack, self._stack, self._tools = self._stack, None, None
        if stack is not None:
            await stack.aclose()


def reward(row: Trajectory) -> tuple[float, str]:
    """See the module docstring. `calls` is a gate except for its SFT-only demand of at least one call."""
    for v in row.verdicts:
        if v.passed or v.verifier in ("length", "tests") or (v.verifier == "calls" and v.reason == "no_tool_calls"):
            continue
        return 0.0, f"{v.verifier}:{v.reason}"
    g: dict[str, Any] = row.meta.get("grading") or {}
    if not g:
        return 0.0, "tests:not_graded"
    if g.get("environment_error"):
        return 0.0, f"tests:environment:{str(g['environment_error'])[:120]}"
    if g.get("tampering") or str(g.get("reason", "")).startswith("tampering"):
        return 0.0, f"tests:{g.get('reason')}"
    if g.get("resolved"):
        return 1.0, ""
    broken = g["p2p_broken"] / g["p2p_total"] if g.get("p2p_total") else 0.0
    share = g["f2p_passed"] / g["f2p_total"] if g.get("f2p_total") else 0.0
    return round(share * (1.0 - broken), 4), f"tests:{g.get('reason')}"
