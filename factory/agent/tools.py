"""Tools an agent can call: an OpenAI function schema plus an async implementation. Arguments are
validated against the schema before the tool runs; a bad call is an observation, not a crash."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jsonschema

from factory.trajectory import ToolCall


class ToolFailed(Exception):
    """Raised by a tool for an expected failure (timeout in a sandbox, program error): the agent sees
    `error: <message>` and the trajectory records `reason`."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass
class ToolResult:
    content: str
    ok: bool
    error: str = ""


@dataclass
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    fn: Callable[[dict[str, Any]], Awaitable[str]]
    timeout_s: float | None = 30.0  # None: the tool enforces its own limit (a sandbox does)
    ends: bool = False  # a successful call ends the trajectory (e.g. `submit`)

    def schema(self) -> dict[str, Any]:
        return {"type": "function",
                "function": {"name": self.name, "description": self.description, "parameters": self.parameters}}


class ToolBox:
    def __init__(self, tools: list[Tool]):
        self.tools = {t.name: t for t in tools}

    def ends(self, name: str) -> bool:
        tool = self.tools.get(name)
        return tool is not None and tool.ends

    def schemas(self) -> list[dict[str, Any]]:
        return [t.schema() for t in self.tools.values()]

    async def call(self, call: ToolCall) -> ToolResult:
        tool = self.tools.get(call.name)
        if tool is None:
            return ToolResult(f"error: unknown tool '{call.name}'; available: {', '.join(self.tools)}",
                              False, "unknown_tool")
        args = json.loads(call.arguments)
        try:
            jsonschema.validate(args, tool.parameters)
        except jsonschema.ValidationError as e:
            return ToolResult(f"error: invalid arguments for {call.name}: {e.message}", False, "invalid_arguments")
        try:
            out = await asyncio.wait_for(tool.fn(args), timeout=tool.timeout_s)
        except TimeoutError:
            return ToolResult(f"error: {call.name} timed out after {tool.timeout_s or 0:.0f}s", False, "tool_timeout")
        except ToolFailed as e:
            return ToolResult(f"error: {e}", False, e.reason)
        except Exception as e:  # noqa: BLE001 - a failing tool is an observation for the agent
            return ToolResult(f"error: {call.name} failed: {type(e).__name__}: {e}", False, "tool_exception")
        return ToolResult(out, True)
