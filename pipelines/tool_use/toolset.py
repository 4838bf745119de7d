"""The configured tool sources, loaded into specs: Python modules, MCP servers (shipped names or
full entries), OpenAPI files. Loading lists MCP servers' tools (starting each once); a worker needs
only the specs a task carries and the source entries to execute them."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from factory.errors import ConfigError
from tf_common import Strict
from tool_graph import openapi_tools, python_tools
from tool_graph.install import InstallError
from tool_graph.mcp_config import McpServer, resolve
from tool_graph.mcp_tools import McpError, McpHost
from tool_graph.spec import ToolSpec
from tool_graph.values import POOL

log = logging.getLogger(__name__)


class Sources(Strict):
    python: list[str] = Field(default_factory=lambda: ["tool_graph.toolsets.everyday"],
                              description="modules (their public functions) or module:f,g; self-contained files")
    mcp: list[McpServer] = Field(default_factory=lambda: [resolve("time"), resolve("memory")],
                                 description="shipped server names (time, git, fetch, filesystem, memory, "
                                             "everything) or full entries {name, command, args, env, …}")
    openapi: list[str] = Field(default_factory=list, description="OpenAPI/Swagger files or directories; their "
                                                                 "responses are simulated by the teacher")
    values: dict[str, list[Any]] = Field(default_factory=dict, description="extra argument values by input name "
                                                                           "that requests may carry")
    graph: str | None = Field(None, description="graph.json from `factory tools graph --out` for these sources: "
                                                "read instead of listing every server's tools; refused when stale")

    @field_validator("mcp", mode="before")
    @classmethod
    def _shipped(cls, v: Any) -> Any:
        """A name stands for the shipped entry (written out in full in the resolved config)."""
        return [resolve(x) if isinstance(x, str) else x for x in v] if isinstance(v, list) else v

    def servers(self) -> dict[str, McpServer]:
        return {s.name: s for s in self.mcp}


def usable(server: McpServer) -> str | None:
    """Why a server cannot run on this machine, or None."""
    if server.install and server.install.startswith("npm:") and shutil.which("node") is None:
        return "needs node (apt-get install nodejs npm)"
    return None


def module_file(module: str) -> Path:
    spec = importlib.util.find_spec(module.partition(":")[0])
    if spec is None or spec.origin is None:
        raise ConfigError("pipeline_options.sources.python", f"cannot find module '{module}'")
    return Path(spec.origin)


def value_pool(sources: Sources) -> dict[str, list[Any]]:
    pool = dict(POOL)
    for ref in sources.python:
        mod = importlib.import_module(ref.partition(":")[0])
        pool.update(getattr(mod, "EXAMPLES", {}))
    pool.update(sources.values)
    return pool


_FIX = {"mcp": "list `exclude: [{name}]` on the MCP server {origin}",
        "openapi": "rename the operationId `{name}` in {origin}",
        "python": "rename the function `{name}` in {origin}"}


def _rename_hint(a: ToolSpec, b: ToolSpec) -> str:
    """What the user can change: the fix that applies to each source the name comes from."""
    fixes = dict.fromkeys(_FIX[x.source].format(name=x.name, origin=x.origin) for x in (a, b))
    return " or ".join(fixes) + ", or drop one source"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def fingerprint(sources: Sources) -> dict[str, str]:
    """A digest per source a graph is built from: each Python module's file, each OpenAPI file (or a
    directory's files), each MCP server's entry (command, pinned install, options)."""
    out: dict[str, str] = {}
    for ref in sources.python:
        out[f"python:{ref}"] = _digest(module_file(ref).read_bytes())
    for path in sources.openapi:
        p = Path(path).expanduser()
        files = sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
        out[f"openapi:{path}"] = _digest(b"".join(f.name.encode() + f.read_bytes() for f in files if f.exists()))
    for server in sources.mcp:
        out[f"mcp:{server.name}"] = _digest(json.dumps(server.model_dump(mode="json"), sort_keys=True).encode())
    return out


def warn_without_outputs(specs: list[ToolSpec]) -> None:
    blind = [s.name for s in specs if not s.outputs()]
    if blind:
        log.warning("%d tool(s) declare no output schema, so nothing is known to feed from them: %s%s; give them "
                    "one (a return type, an OpenAPI response schema, an MCP outputSchema) to link them",
                    len(blind), ", ".join(blind[:10]), " …" if len(blind) > 10 else "")


def load_specs(sources: Sources, host: McpHost) -> list[ToolSpec]:
    specs: list[ToolSpec] = []
    try:
        for ref in sources.python:
            specs += python_tools.load_module(ref)[0]
        for path in sources.openapi:
            specs += openapi_tools.load(path)
    except python_tools.ToolSourceError as e:
        raise ConfigError("pipeline_options.sources", str(e)) from None
    for server in sources.servers().values():
        why = usable(server)
        if why:
            log.warning("MCP server '%s' skipped: %s", server.name, why)
            continue
        try:
            specs += host.run(host.list_tools(server), timeout=600)
        except (McpError, InstallError, RuntimeError) as e:
            raise ConfigError(f"pipeline_options.sources.mcp '{server.name}'", str(e)) from None
    seen: dict[str, ToolSpec] = {}
    for s in specs:
        if s.name in seen:
            raise ConfigError("pipeline_options.sources", f"tool name '{s.name}' comes from both "
                              f"{seen[s.name].origin} and {s.origin}; {_rename_hint(seen[s.name], s)}")
        seen[s.name] = s
    if not specs:
        raise ConfigError("pipeline_options.sources", "no tools loaded; name at least one python module, MCP server "
                        "or OpenAPI file")
    warn_without_outputs(specs)
    return specs
