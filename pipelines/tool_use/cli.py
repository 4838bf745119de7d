"""`factory tools`: install MCP servers, list the tools of the configured sources, build the
dependency graph as a file users can inspect (and a picture). Registered under the entry-point group
`trajectory_factory.commands`; imports stay inside the commands."""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Tool sources and their dependency graph.")

_CONFIG = typer.Option(None, "--config", help="a run config: its pipeline_options.sources are used")
_PY = typer.Option(None, "--python", help="a Python tool module (repeatable); replaces the config's")
_MCP = typer.Option(None, "--mcp", help="a shipped MCP server name (repeatable); replaces the config's")
_API = typer.Option(None, "--openapi", help="an OpenAPI file or directory (repeatable); replaces the config's")


def _sources(config: Path | None, python: list[str] | None, mcp: list[str] | None, openapi: list[str] | None):
    from pydantic import ValidationError

    from factory.config import describe_validation_error, load_config
    from factory.errors import UserError
    from pipelines.tool_use.tasks import Options, resolve_defaults

    opts = {}
    if config is not None:
        opts = load_config(config, {}).pipeline_options
    try:
        o = resolve_defaults(Options.model_validate(opts), "")
    except ValidationError as e:
        raise UserError(describe_validation_error(e, f"{config}: pipeline_options")) from None
    update = {k: v for k, v in (("python", python), ("mcp", mcp), ("openapi", openapi)) if v is not None}
    try:
        return o, type(o.sources).model_validate({**o.sources.model_dump(), **update})
    except ValidationError as e:
        raise UserError(describe_validation_error(e, "--python/--mcp/--openapi")) from None


def _specs(sources, config: Path | None):
    from factory.errors import UserError
    from pipelines.tool_use.toolset import load_specs
    from tool_graph.mcp_tools import McpHost

    host = McpHost()
    try:
        return load_specs(sources, host)
    except UserError as e:
        if config is not None and str(e).startswith("pipeline_options"):
            raise UserError(f"{config}: {e}") from None
        raise
    finally:
        host.close()


@app.command("setup")
def setup_cmd(names: list[str] = typer.Argument(None, help="shipped servers to install (default: all that can run "
                                                             "here)")) -> None:
    """Install shipped MCP servers into the cache (a venv per PyPI server, an npm prefix per npm one)."""
    from pipelines.tool_use.toolset import usable
    from tool_graph import install
    from tool_graph.mcp_config import SHIPPED

    for name in names or list(SHIPPED):
        if name not in SHIPPED:
            raise typer.BadParameter(f"unknown server '{name}'; shipped: {', '.join(SHIPPED)}")
        why = usable(SHIPPED[name])
        if why:
            print(f"{name}: skipped, {why}")
            continue
        print(f"{name}: {install.executable(SHIPPED[name])}")


@app.command("list")
def list_cmd(config: Path = _CONFIG, python: list[str] = _PY, mcp: list[str] = _MCP,
             openapi: list[str] = _API) -> None:
    """The tools the sources offer: name, source, origin, and what the graph knows of them."""
    _, sources = _sources(config, python, mcp, openapi)
    for s in _specs(sources, config):
        flags = ",".join(f for f, on in (("deterministic", s.deterministic), ("stateful", s.stateful),
                                         ("simulated", not s.executable)) if on)
        print(f"{s.name:32} {s.source:8} {s.origin[:40]:40} {flags}")


@app.command("graph")
def graph_cmd(out: Path = typer.Option(..., "--out", help="graph.json to write"),
              picture: Path = typer.Option(None, "--picture", help="also draw it (.png or .svg)"),
              check: bool = typer.Option(False, "--check", help="execute each candidate edge once; keep the "
                                                                "verdict in the file"),
              propose: int = typer.Option(0, "--propose", min=0, help="ask the config's teacher about N unlinked "
                                                                      "pairs; keep an edge only if the pair runs"),
              config: Path = _CONFIG, python: list[str] = _PY, mcp: list[str] = _MCP,
              openapi: list[str] = _API) -> None:
    """Build the dependency graph of the sources' tools and write it (nodes, edges, counts)."""
    import asyncio

    from factory.config import RunConfig, load_config
    from pipelines.tool_use import graph_file
    from pipelines.tool_use.propose import partial_args
    from pipelines.tool_use.runtime import Runtime
    from pipelines.tool_use.toolset import fingerprint, value_pool
    from tool_graph import graph as tgraph

    o, sources = _sources(config, python, mcp, openapi)
    o = o.model_copy(update={"sources": sources})
    g = tgraph.build(_specs(sources, config))
    counts = checks = None
    if check:
        checks = graph_file.check(g, o)
    if propose:
        rt = Runtime(sources.servers(), o.sandbox, o.tool_timeout_s)

        async def run(name, args):
            return await asyncio.to_thread(rt.replay, g.spec(name), args)
        try:
            counts = _propose(g, run, partial_args(value_pool(sources), 0), propose,
                              load_config(config, {}) if config else RunConfig(pipeline="tool_use"))
        finally:
            rt.close()
    g.sources = fingerprint(sources)  # a run reading this graph (`sources.graph`) refuses it once they change
    g.save(out)
    if picture is not None:
        from tool_graph.picture import draw

        draw(g, picture)
    print(json.dumps({**g.summary(), **({"check": checks} if checks is not None else {}),
                      **({"proposals": counts} if counts else {})}))


@app.command("draw")
def draw_cmd(graph: Path = typer.Argument(..., help="a graph.json (`factory tools graph --out`, a run's tool_graph.json)"),
             picture: Path = typer.Option(..., "--picture", help=".png or .svg to write"),
             around: str = typer.Option(None, "--around", help="draw this tool's neighbourhood instead of the "
                                                              "whole graph"),
             radius: int = typer.Option(2, "--radius", min=1, help="with --around: edges away from the tool")) -> None:
    """Draw a saved graph: every tool while it is small, its communities when it is large, or one
    tool's neighbourhood (`--around`)."""
    from tool_graph.graph import ToolGraph
    from tool_graph.picture import UnknownTool, draw

    try:
        g = ToolGraph.load(graph)
    except (OSError, ValueError) as e:
        raise typer.BadParameter(f"cannot read {graph} as a tool graph ({type(e).__name__}); write one with "
                                 "`factory tools graph --out graph.json`", param_hint="GRAPH") from None
    try:
        print(json.dumps(draw(g, picture, around, radius)))
    except UnknownTool as e:
        raise typer.BadParameter(str(e), param_hint="--around") from None


def _propose(g, run, args_for, n, cfg) -> dict[str, int]:
    import asyncio
    import random

    from factory.teacher.build import build_teacher
    from pipelines.tool_use.propose import asker
    from tool_graph import graph as tgraph

    handle = build_teacher(cfg.teacher, use_ray=False)
    try:
        pairs = tgraph.proposal_candidates(g, random.Random(cfg.seed), n)
        return asyncio.run(tgraph.propose_edges(g, asker(handle.teacher, cfg.seed), run, args_for, pairs))
    finally:
        handle.close()
