"""Installs MCP servers into the cache, each in a place of its own: a virtualenv per PyPI server (their
`mcp` pins differ from ours), an npm prefix per npm server. Done once; parallel workers wait on a lock."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tf_common import cache_root
from tool_graph.mcp_config import McpServer

log = logging.getLogger(__name__)


class InstallError(RuntimeError):
    pass


def servers_root() -> Path:
    return cache_root() / "tool_graph" / "servers"


def _dir(install: str) -> Path:
    kind, _, what = install.partition(":")
    safe = "".join(c if c.isalnum() or c in "-_.=@" else "_" for c in what)
    return servers_root() / kind / f"{safe}-{hashlib.sha256(install.encode()).hexdigest()[:8]}"


def _run(argv: list[str], what: str, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-3:]
        raise InstallError(f"installing {what} failed ({' '.join(argv[:3])} …): {' | '.join(tail)}")


# `command: "{python}"`: the interpreter running the factory (it has the `mcp` SDK), for a server
# written in Python that is not a package of its own.
PYTHON = "{python}"

def executable(server: McpServer, install: bool = True) -> str:
    """The server's command, installing it first when needed (and allowed)."""
    if server.install is None:
        if server.command == PYTHON:
            return sys.executable
        found = shutil.which(server.command)
        if found is None:
            raise InstallError(f"MCP server '{server.name}': command '{server.command}' not found on PATH")
        return found
    target = _dir(server.install)
    kind, _, what = server.install.partition(":")
    exe = target / ("bin" if kind == "pypi" else "node_modules/.bin") / server.command
    if (target / ".installed").exists():
        return str(exe)
    if not install:
        raise InstallError(f"MCP server '{server.name}' is not installed; run `factory tools setup {server.name}`")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".installed").exists():
            return str(exe)
        shutil.rmtree(target, ignore_errors=True)
        log.info("installing MCP server %s (%s) into %s, once", server.name, server.install, target)
        if kind == "pypi":
            _run([sys._base_executable, "-m", "venv", str(target)], what)  # type: ignore[attr-defined]
            _run([str(target / "bin/python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", what],
                 what)
        elif kind == "npm":
            if shutil.which("npm") is None:
                raise InstallError(f"MCP server '{server.name}' needs node and npm: apt-get install nodejs npm")
            target.mkdir(parents=True)
            _run(["npm", "install", "--prefix", str(target), "--no-audit", "--no-fund", "--loglevel=error", what],
                 what, env={**os.environ, "npm_config_update_notifier": "false"})
        else:
            raise InstallError(f"MCP server '{server.name}': install must start with pypi: or npm:, got "
                               f"'{server.install}'")
        if not exe.exists():
            raise InstallError(f"MCP server '{server.name}': {what} installed no '{server.command}'")
        (target / ".installed").write_text(server.install + "\n")
    return str(exe)
