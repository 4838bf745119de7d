"""Pictures of a tool graph that stay readable at any size: every tool and edge while the graph is
small; above that, its communities (Louvain, seeded) as one disc each — sized by its tools, named by
the words its tools' names share most, linked by how many edges run between them; or the
neighbourhood of one tool (`around`), a few hops either way, capped so the labels can be read."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

from tool_graph.graph import ToolGraph
from tool_graph.values import norm

FULL_UP_TO = 80  # tools: beyond this every-edge drawings are a hairball
SHOWN = 40  # communities drawn (the largest); the rest are counted in the title
COLOURS = {"python": "#4c72b0", "mcp": "#dd8452", "openapi": "#55a868"}
_GENERIC = {"get", "list", "create", "update", "delete", "set", "post", "put", "by", "id", "the", "a", "of", "for",
            "to", "and", "all", "new", "find", "search", "fetch", "read", "add", "remove"}


class UnknownTool(ValueError):
    pass


def neighbourhood(graph: ToolGraph, around: str, radius: int = 2, cap: int = FULL_UP_TO, seed: int = 0) -> list[str]:
    """`around` and the tools within `radius` edges of it (either direction), nearest first; a ring
    that would pass `cap` is sampled (seeded) down to fit."""
    if around not in set(graph.names()):
        close = [n for n in graph.names() if around.lower() in n.lower()][:5]
        raise UnknownTool(f"no tool named {around!r} in the graph" + (f" (did you mean {', '.join(close)}?)" if close
                                                                       else "; `factory tools list` names them"))
    rng = random.Random(seed)
    seen, ring = [around], [around]
    for _ in range(radius):
        nxt = sorted({m for n in ring for m in graph.neighbours(n)} - set(seen))
        room = cap - len(seen)
        if room <= 0 or not nxt:
            break
        if len(nxt) > room:
            nxt = sorted(rng.sample(nxt, room))
        seen += nxt
        ring = nxt
    return seen


def communities(graph: ToolGraph, seed: int = 0) -> list[list[str]]:
    """Groups of tools more linked among themselves than to the rest, largest first (a tool without
    edges is a group of its own)."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(graph.names())
    g.add_edges_from((e.source, e.target) for e in graph.edges if e.source != e.target)
    found = nx.community.louvain_communities(g, seed=seed)
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))


def label(names: list[str], fields: Counter[str] | None = None, words: int = 3) -> str:
    """What a group's tools are about: the words their names share most; for names without words
    (`op_17`), the inputs its edges feed most."""
    count = Counter(w for n in names for w in set(re.split(r"[_\W\d]+", norm(n).split("__")[-1]))
                    if len(w) > 2 and w not in _GENERIC)
    if count:
        return " ".join(w for w, _ in count.most_common(words))
    return ", ".join(f for f, _ in (fields or Counter()).most_common(2)) or names[0]


def draw(graph: ToolGraph, path: Path, around: str | None = None, radius: int = 2) -> dict[str, Any]:
    """Write the picture (PNG/SVG by suffix); returns what it shows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(14, 10))
    try:
        if around is not None:
            names = neighbourhood(graph, around, radius)
            info = {"kind": "neighbourhood", "around": around, "radius": radius, "tools": len(names)}
            _tools(graph, names, ax, centre=around)
            ax.set_title(f"{around}: {len(names)} tools within {radius} edges (of {len(graph.nodes):,})")
        elif len(graph.nodes) <= FULL_UP_TO:
            info = {"kind": "full", "tools": len(graph.nodes)}
            _tools(graph, graph.names(), ax)
        else:
            groups = communities(graph)
            info = {"kind": "communities", "communities": len(groups), "shown": min(SHOWN, len(groups)),
                    "tools": len(graph.nodes)}
            _communities(graph, groups[:SHOWN], ax)
            ax.set_title(f"{len(graph.nodes):,} tools, {len(graph.edges):,} edges: the {info['shown']} largest of "
                         f"{len(groups):,} communities (disc = tools, line = edges between them)")
        ax.set_axis_off()
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return info


def _tools(graph: ToolGraph, names: list[str], ax: Any, centre: str | None = None) -> None:
    import networkx as nx

    keep = set(names)
    g = nx.DiGraph()
    g.add_nodes_from(names)
    g.add_edges_from((e.source, e.target) for e in graph.edges if e.source in keep and e.target in keep)
    pos = nx.spring_layout(g, seed=0, k=1.5 / max(1, len(g) ** 0.5))
    colour = [COLOURS.get(graph.spec(n).source, "#999") for n in g.nodes]
    size = [900 if n == centre else 300 for n in g.nodes]
    nx.draw_networkx(g, pos, ax=ax, node_size=size, font_size=7, arrows=True, arrowsize=8, width=0.6,
                     node_color=colour, edgecolors=["black" if n == centre else colour[i] for i, n in enumerate(g.nodes)])


def _communities(graph: ToolGraph, groups: list[list[str]], ax: Any) -> None:
    import networkx as nx

    of = {n: i for i, c in enumerate(groups) for n in c}
    between: Counter[tuple[int, int]] = Counter()
    fed: list[Counter[str]] = [Counter() for _ in groups]
    for e in graph.edges:
        a, b = of.get(e.source), of.get(e.target)
        if a is not None and b is not None and a != b:
            between[(min(a, b), max(a, b))] += 1
        elif a is not None and a == b:
            fed[a].update(inp for _, inp in e.fields)
    q = nx.Graph()
    q.add_nodes_from(range(len(groups)))
    q.add_weighted_edges_from((a, b, w) for (a, b), w in between.items())
    pos = nx.spring_layout(q, seed=0, weight="weight")
    top = max(between.values(), default=1)
    sources = [Counter(graph.spec(n).source for n in c).most_common(1)[0][0] for c in groups]
    nx.draw_networkx_edges(q, pos, ax=ax, width=[0.5 + 5 * q[a][b]["weight"] / top for a, b in q.edges],
                           edge_color="#888", alpha=0.6)
    nx.draw_networkx_nodes(q, pos, ax=ax, node_size=[80 + 40 * len(c) ** 0.75 for c in groups],
                           node_color=[COLOURS.get(s, "#999") for s in sources], alpha=0.85)
    nx.draw_networkx_labels(q, pos, ax=ax, font_size=7,
                            labels={i: f"{label(c, fed[i])}\n({len(c)})" for i, c in enumerate(groups)})
