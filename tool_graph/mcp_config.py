"""MCP servers: how to install, start and confine each one. Shipped entries for servers that install
from PyPI or npm, and any server a user names (command, args, env). `{state}` in args/env is the
per-trajectory state directory of a stateful server."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from tf_common import Strict

_HOST = re.compile(r"(\*|(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?")


class McpServer(Strict):
    name: str = Field(description="a short name; tools are listed under it")
    install: str | None = Field(None, description="pypi:NAME==VERSION or npm:PACKAGE@VERSION, installed into the "
                                                  "cache at set-up; None: `command` is already on this machine")
    command: str = Field(description="the executable (inside the install when `install` is set); {python}: the "
                                     "interpreter running the factory, for a server script of your own")
    args: list[str] = Field(default_factory=list, description="relative paths to files are taken from the "
                                                             "directory the factory runs in")
    env: dict[str, str] = Field(default_factory=dict)
    state: Literal["none", "dir", "git"] = Field(
        "none", description="none: one long-lived session per worker; dir: a fresh empty directory per trajectory; "
                            "git: a fresh repository (one commit) per trajectory. Stateful servers start per trajectory")
    network: bool = Field(False, description="the server may reach the network, only through the factory's egress "
                                             "proxy to `allow_hosts` (off: its own empty network namespace)")
    allow_hosts: list[str] = Field(["*"], description="with network: hosts the server may reach — `*` (any public "
                                                      "host), `example.org`, `*.example.org`, optional `:port`; "
                                                      "loopback/private/link-local addresses only when named as "
                                                      "literal addresses (`127.0.0.1:8080`)")
    confine: bool = Field(True, description="run under bubblewrap: read-only system, no host home or project, only "
                                            "its state directory writable")
    readable: list[str] = Field(default_factory=list, description="extra paths the confined server may read (its "
                                                                  "own code when it is not an install; relative: "
                                                                  "from the directory the factory runs in)")
    deterministic: list[str] = Field(default_factory=list, description="tools whose result depends only on their "
                                                                       "arguments (verify re-runs them)")
    exclude: list[str] = Field(default_factory=list, description="tools not to offer")
    call_timeout_s: float = Field(30.0, gt=0)

    @field_validator("allow_hosts")
    @classmethod
    def _hosts(cls, v: list[str]) -> list[str]:
        for e in v:
            if not _HOST.fullmatch(e):
                raise ValueError(f"'{e}' is not a host pattern: use *, example.org, *.example.org or an address, "
                                 "each with an optional :port")
        return v

    @property
    def stateful(self) -> bool:
        return self.state != "none"


SHIPPED: dict[str, McpServer] = {s.name: s for s in [
    McpServer(name="time", install="pypi:mcp-server-time==2026.10.19", command="mcp-server-time",
              args=["--local-timezone", "Etc/UTC"], deterministic=["convert_time"]),
    McpServer(name="git", install="pypi:mcp-server-git==2026.10.19", command="mcp-server-git",
              args=["--repository", "{state}"], state="git"),
    McpServer(name="fetch", install="pypi:mcp-server-fetch==2026.10.24", command="mcp-server-fetch", network=True),
    McpServer(name="filesystem", install="npm:@modelcontextprotocol/server-filesystem@2026.8.31",
              command="mcp-server-filesystem", args=["{state}"], state="dir"),
    McpServer(name="memory", install="npm:@modelcontextprotocol/server-memory@2026.8.31", command="mcp-server-memory",
              env={"MEMORY_FILE_PATH": "{state}/memory.jsonl"}, state="dir"),
    McpServer(name="everything", install="npm:@modelcontextprotocol/server-everything@2026.8.31",
              command="mcp-server-everything", args=["stdio"]),
]}


def resolve(entry: str | McpServer) -> McpServer:
    if isinstance(entry, McpServer):
        return entry
    if entry not in SHIPPED:
        raise ValueError(f"unknown MCP server '{entry}'; shipped: {', '.join(SHIPPED)} (or give command/args)")
    return SHIPPED[entry]
