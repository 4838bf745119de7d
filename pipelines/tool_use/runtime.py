"""Executing the tools a trajectory is offered. Per worker: one MCP host (long-lived sessions of
stateless servers), one sandbox pool for Python tools. Per trajectory: stateful servers started on a
fresh state, the injected failure of a failing-tool task, look-alikes routed to the tool they
really are, OpenAPI responses simulated by the teacher (and recorded as such)."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import threading
from typing import Any

from factory.agent.tools import Tool, ToolBox, ToolFailed
from factory.config import SamplingConfig
from factory.errors import TeacherError, TeacherUnavailable
from factory.teacher.base import ChatRequest, Structured, Teacher
from pipelines.tool_use.prompts import guidable
from pipelines.tool_use.toolset import module_file
from sandboxes.config import SandboxConfig
from sandboxes.pool import SandboxPool
from tool_graph.mcp_config import McpServer
from tool_graph.mcp_tools import McpError, McpHost, StatefulSession
from tool_graph.outcome import Outcome
from tool_graph.python_tools import PythonExecutor
from tool_graph.spec import ToolSpec

INJECTED = "503 Service Unavailable: the service is temporarily overloaded; try again in a moment"


class Runtime:
    """The executors of one worker; `close()` stops servers and sandboxes."""

    def __init__(self, servers: dict[str, McpServer], sandbox: SandboxConfig, timeout_s: float):
        self.servers, self.sandbox_cfg, self.timeout_s = servers, sandbox, timeout_s
        self._lock = threading.Lock()
        self._host: McpHost | None = None
        self._pool: SandboxPool | None = None
        self._python: dict[str, PythonExecutor] = {}

    def host(self) -> McpHost:
        with self._lock:
            if self._host is None:
                self._host = McpHost()
            return self._host

    def python(self, module: str) -> PythonExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = SandboxPool(self.sandbox_cfg)
            if module not in self._python:
                self._python[module] = PythonExecutor(self._pool, module_file(module), self.timeout_s)
            return self._python[module]

    def server(self, name: str) -> McpServer:
        if name not in self.servers:
            raise ToolFailed("unknown_server", f"MCP server '{name}' is not configured in this run")
        return self.servers[name]

    def can_replay(self, spec: ToolSpec) -> bool:
        """Whether this worker can run `spec` again (its module importable, its server configured)."""
        if spec.source == "python":
            return importlib.util.find_spec(spec.origin.partition(":")[0]) is not None
        return spec.source == "mcp" and spec.origin in self.servers

    def deterministic(self, spec: ToolSpec) -> bool | None:
        """Whether the tool's own source says its result depends only on its arguments: the Python
        function's `deterministic` attribute, the MCP server's configured list; None when this run
        does not have the tool (never the row's word for it)."""
        if spec.source == "python":
            module, _, fn = spec.origin.partition(":")
            try:
                func = getattr(importlib.import_module(module), spec.name, None)
            except ImportError:
                return None
            return None if func is None else bool(getattr(func, "deterministic", True))
        if spec.source == "mcp" and spec.origin in self.servers:
            return spec.name in self.servers[spec.origin].deterministic
        return None

    def replay(self, spec: ToolSpec, arguments: dict[str, Any]) -> Outcome:
        """Re-run a deterministic tool from a verifier's thread."""
        if spec.source == "python":
            return self.python(spec.origin).call_sync(spec.name, arguments)
        host = self.host()
        return host.run(host.call(self.server(spec.origin), spec.name, arguments), timeout=120)

    def close(self) -> None:
        with self._lock:
            host, pool, self._host, self._pool = self._host, self._pool, None, None
            self._python.clear()
        if host is not None:
            host.close()
        if pool is not None:
            pool.close()


class TrajectoryTools:
    """The offered tools of one trajectory; records how each call was answered (`calls`)."""

    def __init__(self, rt: Runtime, offered: list[ToolSpec], lookalikes: dict[str, str], fail_tool: str | None,
                 teacher: Teacher, sampling: SamplingConfig, seed: int, all_specs: dict[str, ToolSpec]):
        self.rt, self.offered = rt, offered
        self.lookalikes, self.fail_tool = lookalikes, fail_tool
        self.teacher, self.sampling, self.seed = teacher, sampling, seed
        self.specs = all_specs
        self.calls: list[dict[str, Any]] = []
        self._states: dict[str, StatefulSession] = {}
        self._state_lock = asyncio.Lock()

    def toolbox(self) -> ToolBox:
        return ToolBox([Tool(s.name, s.description, s.parameters, self._fn(s), timeout_s=None) for s in self.offered])

    def _fn(self, offered: ToolSpec):
        async def call(args: dict[str, Any]) -> str:
            real = self.specs.get(self.lookalikes.get(offered.name, offered.name), offered)
            how = "simulated" if not real.executable else "executed"
            if self.fail_tool == offered.name and not any(c["tool"] == offered.name for c in self.calls):
                out, how = Outcome.failed(INJECTED, "injected_failure"), "injected"
            else:
                out = await self._run(real, args)
            self.calls.append({"tool": offered.name, "runs": real.name, "how": how, "ok": out.ok, "error": out.error})
            if not out.ok:
                raise ToolFailed(out.error, out.text.removeprefix("error: "))
            return out.text
        return call

    async def _run(self, spec: ToolSpec, args: dict[str, Any]) -> Outcome:
        if spec.source == "python":
            return await self.rt.python(spec.origin).call(spec.name, args)
        if spec.source == "mcp":
            server = self.rt.server(spec.origin)
            if not server.stateful:
                return await self.rt.host().call(server, spec.name, args)
            async with self._state_lock:
                if server.name not in self._states:
                    try:
                        self._states[server.name] = await self.rt.host().open_state(server)
                    except McpError as e:
                        return Outcome.failed(str(e), "server_unavailable")
            return await self._states[server.name].call(spec.name, args)
        return await self._simulate(spec, args)

    async def _simulate(self, spec: ToolSpec, args: dict[str, Any]) -> Outcome:
        """An offline OpenAPI operation: the teacher writes a plausible response from the spec's schema."""
        schema = spec.output_schema or {"type": "object"}
        prompt = (f"You are the HTTP API operation {spec.origin} ({spec.description[:300]}). It was called with "
                  f"{json.dumps(args, ensure_ascii=False)}. Reply with the JSON body of a realistic successful "
                  "response that matches the response schema.")
        req = ChatRequest(messages=[{"role": "user", "content": prompt}], sampling=self.sampling,
                          seed=self.seed + len(self.calls), structured=Structured(json_schema=guidable(schema, 400)))
        try:
            res = await self.teacher.chat(req)
        except TeacherUnavailable:
            raise
        except TeacherError as e:
            return Outcome.failed(f"the simulated API did not answer ({e})", "simulation_failed")
        text = res.completions[0].text
        try:
            out = Outcome.of(json.loads(text))
        except json.JSONDecodeError:
            return Outcome.failed("the simulated API returned malformed JSON", "simulation_failed")
        out.simulated = True
        return out

    async def close(self) -> None:
        for s in self._states.values():
            await s.close()
        self._states.clear()

