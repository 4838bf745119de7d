"""One task as an environment, declared by its pipeline (`Pipeline.rl_episode`): what the policy sees
first, the tools it may call — run for real on the pipeline's own runtimes (sandboxes, MCP servers,
the search index) — and the row its conversation becomes, which the pipeline's verifiers judge."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from factory.agent.tools import ToolBox, ToolResult
from factory.trajectory import Message, Task, ToolCall, Trajectory

if TYPE_CHECKING:
    from factory.pipeline.base import Pipeline


class Episode:
    """Without tools: the prompt, and a row = prompt + the policy's messages with `reference` as meta.
    Subclasses (or `ToolEpisode`) add tools."""

    def __init__(self, pipeline: "Pipeline", task: Task, prompt: list[Message], reference: dict[str, Any]):
        self.pipeline, self.task, self._prompt, self.reference = pipeline, task, prompt, reference

    def prompt(self) -> list[Message]:
        return [m.model_copy() for m in self._prompt]

    def tools(self) -> list[dict[str, Any]]:
        return []

    def ends(self, name: str) -> bool:
        """Whether a successful call of this tool ends the episode (a `submit`)."""
        return False

    def deterministic(self, name: str) -> bool:
        """Whether the same call on the same state gives the same result, so a recorded result that
        differs from the real one was forged."""
        return True

    async def open(self) -> None:
        """Acquire what the tools need (a sandbox with the task's repository, a server session)."""

    async def call(self, call: ToolCall) -> ToolResult:
        return ToolResult(f"error: unknown tool '{call.name}'; this task offers no tools", False, "unknown_tool")

    async def row(self, messages: list[Message]) -> Trajectory:
        """The trajectory the verifiers judge: the whole conversation, the reference as meta."""
        return Trajectory(pipeline=self.pipeline.name, task_id=self.task.id, seed=self.task.seed, messages=messages,
                          tools=_tools_json(self.tools()), meta=dict(self.reference))

    async def close(self) -> None:
        """Release what `open` acquired; safe to call twice."""


TextEpisode = Episode


class ToolEpisode(Episode):
    """Tools declared by `schemas` (known before any resource is held: an export needs them) and run by
    a `ToolBox` built once the episode is open; `finish(messages)` adds what the tools recorded to the row's meta (the
    patch a workspace holds, the calls a runtime logged); `opener`/`closer` hold the tools' resources."""

    def __init__(self, pipeline: "Pipeline", task: Task, prompt: list[Message], reference: dict[str, Any],
                 schemas: list[dict[str, Any]], toolbox: ToolBox | Callable[[], ToolBox], *,
                 finish: Callable[[list[Message]], Awaitable[dict[str, Any]]] | None = None,
                 opener: Callable[[], Awaitable[Any]] | None = None,
                 closer: Callable[[], Awaitable[None]] | None = None,
                 nondeterministic: Callable[[str], bool] = lambda name: False):
        super().__init__(pipeline, task, prompt, reference)
        self._toolbox, self._finish, self._opener, self._closer = toolbox, finish, opener, closer
        self._nondeterministic, self._schemas = nondeterministic, schemas
        self._box: ToolBox | None = toolbox if isinstance(toolbox, ToolBox) else None
        self._closed = False

    async def open(self) -> None:
        if self._opener is not None:
            await self._opener()
        if self._box is None:
            assert callable(self._toolbox)
            self._box = self._toolbox()

    def box(self) -> ToolBox:
        if self._box is None:
            raise RuntimeError("episode not opened: call `await episode.open()` (Environment.reset does)")
        return self._box

    def tools(self) -> list[dict[str, Any]]:
        return self._schemas

    def ends(self, name: str) -> bool:
        return self.box().ends(name)

    def deterministic(self, name: str) -> bool:
        return not self._nondeterministic(name)

    async def call(self, call: ToolCall) -> ToolResult:
        return await self.box().call(call)

    async def row(self, messages: list[Message]) -> Trajectory:
        t = await super().row(messages)
        if self._finish is not None:
            t.meta.update(await self._finish(messages))
        return t

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._closer is not None:
            await self._closer()


def _tools_json(tools: list[dict[str, Any]]) -> str:
    return json.dumps(tools, ensure_ascii=False) if tools else ""


class NotAnRLTask(Exception):
    """Raised by `rl_episode` for a task with nothing to reward against (no reference answer, …):
    exports skip it and count the reason."""
