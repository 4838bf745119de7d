"""The tool graph a run walks, built once: a saved one (`sources.graph`), else the one the run
directory already holds (a resume or `--add` starts no MCP server to list tools), else built from
the sources — its edges executed first when `check_edges` is set — and written into the run
directory. Every graph file carries its sources' digests, so a stale one is refused or rebuilt."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from factory.errors import ConfigError
from pipelines.tool_use.toolset import Sources, fingerprint, load_specs
from tool_graph import graph as tgraph
from tool_graph.graph import ToolGraph
from tool_graph.mcp_tools import McpHost

log = logging.getLogger(__name__)

RUN_FILE = "tool_graph.json"
_REBUILD = "rebuild it with `factory tools graph --config RUN.yaml --out graph.json`"


def stale_sources(g: ToolGraph, sources: Sources) -> list[str]:
    now = fingerprint(sources)
    return sorted(k for k in set(now) | set(g.sources) if now.get(k) != g.sources.get(k))


def saved_graph(sources: Sources) -> ToolGraph:
    """`sources.graph`, checked against the sources it claims to describe."""
    where = "pipeline_options.sources.graph"
    path = Path(str(sources.graph)).expanduser()
    try:
        g = ToolGraph.load(path)
    except (OSError, ValueError) as e:
        raise ConfigError(where, f"cannot read {path} as a tool graph ({type(e).__name__}); write one with "
                          "`factory tools graph --config RUN.yaml --out graph.json`") from None
    stale = stale_sources(g, sources)
    if stale:
        raise ConfigError(where, f"{path} was built from other sources (differ: {', '.join(stale)[:300]}); {_REBUILD}")
    return g


def _from_run_dir(path: Path, sources: Sources) -> ToolGraph | None:
    if not path.is_file():
        return None
    try:
        g = ToolGraph.load(path)
    except (OSError, ValueError) as e:
        log.warning("%s is not a readable tool graph (%s): building the graph again", path, type(e).__name__)
        return None
    stale = stale_sources(g, sources)
    if stale:
        log.warning("%s was built from other sources (differ: %s): building the graph again", path,
                    ", ".join(stale)[:300])
        return None
    return g


def check(g: ToolGraph, o: Any) -> dict[str, int]:
    """Execute the graph's field edges once on the sources' runtimes (`checked` kept on each edge)."""
    from pipelines.tool_use.propose import partial_args
    from pipelines.tool_use.runtime import Runtime
    from pipelines.tool_use.toolset import value_pool

    rt = Runtime(o.sources.servers(), o.sandbox, o.tool_timeout_s)

    async def run(name: str, args: dict[str, Any]):
        return await asyncio.to_thread(rt.replay, g.spec(name), args)
    try:
        return asyncio.run(tgraph.check_edges(g, run, partial_args(value_pool(o.sources), 0)))
    finally:
        rt.close()


def build(o: Any) -> ToolGraph:
    """The graph of the sources' tools (listing MCP servers' tools starts each once), with digests."""
    host = McpHost()
    try:
        specs = load_specs(o.sources, host)
    finally:
        host.close()
    g = tgraph.build(specs)
    if o.check_edges:
        log.info("tool graph edges checked: %s", check(g, o))
    g.sources = fingerprint(o.sources)
    return g


def graph_for_run(o: Any, run_dir: Path) -> tuple[ToolGraph, str]:
    """(graph, where it came from: `sources.graph` | `run dir` | `built`)."""
    if o.sources.graph:
        return saved_graph(o.sources), "sources.graph"
    g = _from_run_dir(run_dir / RUN_FILE, o.sources)
    if g is not None:
        return g, "run dir"
    return build(o), "built"


def save(g: ToolGraph, path: Path) -> None:
    """Written beside and renamed: a crash leaves the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.tmp")
    g.save(tmp)
    os.replace(tmp, path)
