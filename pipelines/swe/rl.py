"""A SWE instance (or a static task, graded by reading code) as an RL environment. The policy gets
the issue and the usual tools on the repository (bash, the editor, `submit`, or `answer` for a
question); the sandbox opens at the first call, so a completion that answers with a diff alone
(```diff … ```) is graded without one. A test-graded reward is the `tests` verifier's: 1 when
resolved, else the share of FAIL_TO_PASS passing scaled down by the share of PASS_TO_PASS broken —
and 0, with the reason, for tampering, a patch that does not apply, or a malformed call."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import TYPE_CHECKING, Any

from factory.agent.tools import ToolResult
from factory.rl.episode import Episode
from factory.trajectory import Message, Task, ToolCall, Trajectory
from pipelines.swe.instances import Instance
from pipelines.swe.prompts import STATIC_SYSTEM, SYSTEM, user_prompt
from pipelines.swe.static.task import StaticTask
from pipelines.swe.tools import SweTools
from pipelines.swe.workspace import Workspace, env_for

if TYPE_CHECKING:
    from pipelines.swe.pipeline import SwePipeline

_DIFF = re.compile(r"```(?:diff|patch)?\s*\n((?:diff --git|--- ).*?)```", re.S)


def diff_in(text: str) -> str:
    """The unified diff an answer gives: a fenced block, or the text itself when it is one."""
    # trailing blank context lines are " " lines: strip newlines only, never the spaces that make them
    m = _DIFF.search(text)
    if m:
        return m.group(1).rstrip("\n") + "\n"
    s = text.lstrip()
    return s.rstrip("\n") + "\n" if s.startswith(("diff --git", "--- ")) else ""


class SweEpisode(Episode):
    """A test-graded instance, or a static task (repair: `submit`; a question: `answer`)."""

    def __init__(self, pipeline: "SwePipeline", task: Task):
        o = pipeline.options
        self.inst: Instance | StaticTask
        self.ask = False
        if task.payload.get("verification") == "static":
            self.inst = st = StaticTask.model_validate(task.payload)
            self.ask = st.kind != "repair"
            prompt = [Message(role="system", content=STATIC_SYSTEM), Message(role="user", content=st.problem_statement)]
            reference: dict[str, Any] = {"verification": "static", "static": st.model_dump(), "instance_id": st.instance_id,
                                         "profile": st.repo, "repo": st.repo, "licence": st.licence, "kind": "rl",
                                         "static_kind": st.question or st.kind}
        else:
            self.inst = inst = Instance.model_validate(task.payload)
            prompt = [Message(role="system", content=SYSTEM),
                      Message(role="user", content=user_prompt(inst.problem_statement, inst.FAIL_TO_PASS))]
            reference = {"verification": "tests", "instance_id": inst.instance_id, "profile": inst.profile or inst.repo,
                         "repo": inst.repo, "modifier": inst.modifier, "kind": "rl",
                         "instance": inst.model_dump(exclude_none=True)}
        super().__init__(pipeline, task, prompt, reference)
        self.swe = pipeline
        self._limits = {"timeout_s": o.bash_timeout_s, "max_output_chars": o.max_output_chars}
        self._schemas = SweTools(None, **self._limits).toolbox(answer=self.ask).schemas()  # type: ignore[arg-type]
        self._stack: contextlib.AsyncExitStack | None = None
        self._tools: SweTools | None = None

    def tools(self) -> list[dict[str, Any]]:
        return self._schemas

    def ends(self, name: str) -> bool:
        return name == ("answer" if self.ask else "submit")

    def deterministic(self, name: str) -> bool:
        return name != "bash"  # timings, temporary names: a command's output may differ between runs

    async def _workspace(self) -> SweTools:
        if self._tools is None:
            pool = await asyncio.to_thread(self.swe.pool_for, self.inst)  # type: ignore[arg-type]
            self._stack = contextlib.AsyncExitStack()
            sb = await self._stack.enter_async_context(pool.session())
            ws = Workspace(sb, env_for(self.inst.python_path))
            await ws.init(self.inst.setup_patch)
            self._tools = SweTools(ws, **self._limits)
            self._box = self._tools.toolbox(answer=self.ask)
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
    """See the module docstring. `calls` is a gate except for its SFT-only demand of at least one call.
    A static task earns 1 when its grader resolves it, else 0 with the grader's reason."""
    for v in row.verdicts:
        if v.passed or v.verifier in ("length", "tests") or (v.verifier == "calls" and v.reason == "no_tool_calls"):
            continue
        return 0.0, f"{v.verifier}:{v.reason}"
    if row.meta.get("verification") == "static":
        return 1.0, ""  # the `static` verdict passed (a failed one returned above)
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
