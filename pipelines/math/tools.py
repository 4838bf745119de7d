"""The math toolbox: a Python tool and sympy helpers (solve, simplify, evaluate, check). Every call
runs in a sandbox — the helper script and the agent's code execute there, never in the worker.
The tools keep no state between calls, so each call takes a sandbox from the pool and gives it
back: holding one across teacher turns left most trajectories waiting for a slot (measured: tool
calls stuck behind the pool's limit for over a minute with 48 attempts in flight)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from factory.agent.tools import Tool, ToolBox, ToolFailed
from sandboxes.base import RunResult, SandboxError
from sandboxes.pool import SandboxPool

HELPER = Path(__file__).with_name("sandbox_helper.py")
_STR = {"type": "string", "minLength": 1}

SCHEMAS: dict[str, tuple[str, dict[str, Any]]] = {
    "python": ("Run a Python 3 program (sympy and numpy are installed) and return what it prints. "
               "Print every value you want to see.",
               {"type": "object", "properties": {"code": _STR}, "required": ["code"], "additionalProperties": False}),
    "solve": ("Solve an equation for a variable with sympy, e.g. equation 'x^2 - 5x + 6 = 0', variable 'x'.",
              {"type": "object", "properties": {"equation": _STR, "variable": {"type": "string", "pattern": "^[A-Za-z]$"}},
               "required": ["equation"], "additionalProperties": False}),
    "simplify": ("Simplify an expression with sympy, e.g. '(x^2 - 1)/(x - 1)'.",
                 {"type": "object", "properties": {"expression": _STR}, "required": ["expression"],
                  "additionalProperties": False}),
    "evaluate": ("Evaluate an expression exactly, with a decimal approximation, e.g. '3/4 + 5/6' or 'sqrt(72)'.",
                 {"type": "object", "properties": {"expression": _STR}, "required": ["expression"],
                  "additionalProperties": False}),
    "check": ("Check whether two expressions are mathematically equal, e.g. expression '(x+1)^2', "
              "candidate 'x^2 + 2x + 1'.",
              {"type": "object", "properties": {"expression": _STR, "candidate": _STR},
               "required": ["expression", "candidate"], "additionalProperties": False}),
}
TOOL_NAMES = frozenset(SCHEMAS)


class SandboxedTools:
    """The tools of one trajectory, each call in a sandbox of its own."""

    def __init__(self, pool: SandboxPool, timeout_s: float, max_output_chars: int = 2000):
        self.pool, self.timeout_s, self.max_output_chars = pool, timeout_s, max_output_chars

    def toolbox(self, names: list[str]) -> ToolBox:
        # No asyncio limit: the sandbox's own timeout is the one that counts, and the wait for a
        # free sandbox is not the program's time.
        return ToolBox([Tool(n, SCHEMAS[n][0], SCHEMAS[n][1], self._fn(n), timeout_s=None) for n in names])

    def _fn(self, name: str) -> Any:
        async def call(args: dict[str, Any]) -> str:
            return await (self._python(args["code"]) if name == "python" else self._helper(name, args))
        return call

    async def _run(self, argv: list[str], stdin: bytes) -> RunResult:
        try:
            async with self.pool.session() as sb:
                await sb.put_files({"mathtools.py": HELPER.read_bytes()})
                res = await sb.run(argv, stdin=stdin, timeout_s=self.timeout_s)
        except SandboxError as e:
            raise ToolFailed("sandbox_error", f"the sandbox failed ({e}); try again") from None
        if res.timed_out:
            raise ToolFailed("tool_timeout", f"the program ran longer than {self.timeout_s:g}s and was stopped")
        if res.oom_killed:
            raise ToolFailed("tool_oom", "the program ran out of memory and was stopped")
        return res

    def _clip(self, text: str) -> str:
        text = text.strip()
        return text if len(text) <= self.max_output_chars else text[: self.max_output_chars] + "\n[output truncated]"

    async def _python(self, code: str) -> str:
        res = await self._run(["python3", "-I", "-"], code.encode())  # the program arrives on stdin
        if res.exit_code != 0:
            tail = "\n".join(res.stderr.strip().splitlines()[-6:])
            raise ToolFailed("tool_program_error", f"exit code {res.exit_code}\n{self._clip(tail)}")
        return self._clip(res.stdout) or "(no output; use print to see values)"

    async def _helper(self, name: str, args: dict[str, Any]) -> str:
        req = json.dumps({"tool": name, "arguments": args}).encode()
        res = await self._run(["python3", "-I", "mathtools.py"], req)
        if res.exit_code != 0:
            raise ToolFailed("tool_program_error", self._clip(res.stderr.strip().splitlines()[-1] if res.stderr.strip()
                                                             else f"exit code {res.exit_code}"))
        return self._clip(res.stdout)
