"""Python callables as tools: schemas from signatures and docstrings (inspect + docstring_parser +
pydantic), execution in a sandbox. The module is imported here only to read signatures; a call with
teacher-written arguments runs in the sandbox, from a copy of the module's source file, so the module
must be self-contained (standard library only)."""

from __future__ import annotations

import importlib
import inspect
import json
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docstring_parser
from pydantic import ConfigDict, Field, TypeAdapter, create_model

from sandboxes.base import RunResult, SandboxError
from sandboxes.pool import SandboxPool
from tool_graph.outcome import Outcome
from tool_graph.spec import ToolSpec

RUNNER = Path(__file__).with_name("sandbox_runner.py")


class ToolSourceError(ValueError):
    """A tool source that cannot be read; the message names it and says what to fix."""


def _clean(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's generated titles: they repeat the names and cost the teacher tokens."""
    if isinstance(schema, dict):
        return {k: _clean(v) for k, v in schema.items() if k != "title" or not isinstance(v, str)}
    if isinstance(schema, list):
        return [_clean(v) for v in schema]
    return schema


def spec_from_callable(fn: Callable[..., Any], origin: str) -> ToolSpec:
    name = fn.__name__
    try:
        hints = typing.get_type_hints(fn)
    except Exception as e:  # noqa: BLE001 - any unresolvable annotation is the user's to fix
        raise ToolSourceError(f"{origin}:{name}: annotations cannot be resolved ({e})") from None
    doc = docstring_parser.parse(fn.__doc__ or "")
    described = {p.arg_name: (p.description or "").strip() for p in doc.params}
    fields: dict[str, Any] = {}
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise ToolSourceError(f"{origin}:{name}: *args/**kwargs cannot be offered as a tool; wrap the function")
        if p.name not in hints:
            raise ToolSourceError(f"{origin}:{name}: parameter '{p.name}' has no type annotation; annotate it "
                                  "or wrap the function in one that has (standard-library functions lack them)")
        default = ... if p.default is p.empty else p.default
        fields[p.name] = (hints[p.name], Field(default, description=described.get(p.name) or None))
    if not (doc.short_description or "").strip():
        raise ToolSourceError(f"{origin}:{name}: no docstring; the teacher needs a description of the tool")
    model = create_model(f"{name}_arguments", __config__=ConfigDict(extra="forbid"), **fields)
    params = _clean(model.model_json_schema())
    params.setdefault("required", [])
    ret = hints.get("return")
    output = _output_schema(ret, f"{origin}:{name}")
    description = " ".join(x.strip() for x in (doc.short_description, doc.long_description) if x)
    return ToolSpec(name=name, description=description, parameters=params, output_schema=output, source="python",
                    origin=origin, deterministic=getattr(fn, "deterministic", True),
                    stateful=getattr(fn, "stateful", False))


def _output_schema(ret: Any, where: str) -> dict[str, Any] | None:
    if ret in (None, type(None)):
        return None
    try:
        if typing.is_typeddict(ret):  # pydantic wants typing_extensions' TypedDict before 3.12: read it here
            hints = typing.get_type_hints(ret)
            return {"type": "object", "properties": {k: _clean(TypeAdapter(v).json_schema()) for k, v in hints.items()},
                    "required": sorted(ret.__required_keys__)}
        return _clean(TypeAdapter(ret).json_schema())
    except Exception as e:  # noqa: BLE001 - pydantic raises several types for unsupported annotations
        raise ToolSourceError(f"{where}: return annotation {ret!r} has no JSON schema ({e})") from None


def load_module(ref: str) -> tuple[list[ToolSpec], Path]:
    """`package.module` (its public functions) or `package.module:f,g` → specs and the module's file."""
    mod_name, _, names = ref.partition(":")
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as e:
        raise ToolSourceError(f"python tools '{ref}': cannot import {mod_name} ({e}); give an importable "
                              "module path such as tool_graph.toolsets.everyday") from None
    if names:
        fns = []
        for n in names.split(","):
            fn = getattr(mod, n.strip(), None)
            if not callable(fn):
                raise ToolSourceError(f"python tools '{ref}': {mod_name} has no function '{n.strip()}'")
            fns.append(fn)
    else:
        fns = [f for n, f in vars(mod).items() if inspect.isfunction(f) and not n.startswith("_")
               and f.__module__ == mod.__name__]
    if not fns:
        raise ToolSourceError(f"python tools '{ref}': no public functions found")
    path = Path(inspect.getfile(mod))
    return [spec_from_callable(f, mod_name) for f in fns], path


class PythonExecutor:
    """Runs a module's functions in sandboxes from `pool`, one sandbox per call (no state)."""

    def __init__(self, pool: SandboxPool, module_file: Path, timeout_s: float = 10.0, max_chars: int = 4000):
        self.pool, self.source = pool, module_file.read_bytes()
        self.timeout_s, self.max_chars = timeout_s, max_chars

    def _request(self, function: str, arguments: dict[str, Any]) -> tuple[dict[str, bytes], bytes]:
        files = {"toolmod.py": self.source, "run_tool.py": RUNNER.read_bytes()}
        return files, json.dumps({"function": function, "arguments": arguments}).encode()

    async def call(self, function: str, arguments: dict[str, Any]) -> Outcome:
        files, req = self._request(function, arguments)
        try:
            async with self.pool.session() as sb:
                await sb.put_files(files)
                res = await sb.run(["python3", "-I", "run_tool.py"], stdin=req, timeout_s=self.timeout_s)
        except SandboxError as e:
            return Outcome.failed(f"the sandbox failed ({e})", "sandbox_error")
        return self._outcome(res)

    def call_sync(self, function: str, arguments: dict[str, Any]) -> Outcome:
        """For threads without an event loop (a verifier re-running a call)."""
        files, req = self._request(function, arguments)
        try:
            with self.pool.sandbox() as sb:
                sb.put_files(files)
                res = sb.run(["python3", "-I", "run_tool.py"], stdin=req, timeout_s=self.timeout_s)
        except SandboxError as e:
            return Outcome.failed(f"the sandbox failed ({e})", "sandbox_error")
        return self._outcome(res)

    def _outcome(self, res: RunResult) -> Outcome:
        if res.timed_out:
            return Outcome.failed(f"the tool ran longer than {self.timeout_s:g}s and was stopped", "tool_timeout")
        if res.oom_killed:
            return Outcome.failed("the tool ran out of memory and was stopped", "tool_oom")
        try:
            data = json.loads(res.stdout)
        except json.JSONDecodeError:
            tail = (res.stderr.strip().splitlines() or [f"exit code {res.exit_code}"])[-1]
            return Outcome.failed(tail[: self.max_chars], "tool_program_error")
        if res.exit_code != 0 or (isinstance(data, dict) and set(data) == {"error"}):
            return Outcome.failed(str(data.get("error") if isinstance(data, dict) else data), "tool_error")
        return Outcome.of(data, self.max_chars)
