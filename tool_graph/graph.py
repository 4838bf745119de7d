"""The dependency graph: an edge A → B when an output field of A can feed a required input of B
(same normalised name, compatible type, not a generic name), or when both act on the same stateful
resource and A writes what B reads. `check_edges` keeps a candidate only after the pair executes."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr

from tf_common import Strict
from tool_graph.outcome import Outcome
from tool_graph.spec import ToolSpec, json_type
from tool_graph.values import norm

# Names so generic that matching on them links everything to everything (measured on the OpenAPI
# directory: most of the 1.7 M naive name matches came from these).
STOP = frozenset({"id", "name", "value", "values", "text", "data", "result", "results", "type", "unit", "input",
                  "output", "query", "content", "message", "status", "count", "description", "title", "format",
                  "key", "items", "item", "body", "page", "limit", "offset", "size", "code", "error", "url",
                  "metadata", "options", "params", "version", "created_at", "updated_at", "state", "kind", "q"})
_AFFIX = re.compile(r"^(source|target|from|to|start|end|first|second|new|old|input|origin|destination)_|"
                    r"_(a|b|1|2|from|to|start|end)$")
_WRITER = re.compile(r"^(create|write|add|append|init|commit|edit|move|set|put|insert|store|save)")
_READER = re.compile(r"^(read|get|list|search|open|show|log|diff|status|find|query|fetch|load)")
ALIASES = {"capital": "city"}


class Edge(Strict):
    source: str
    target: str
    kind: str  # "field" | "resource" | "proposed"
    fields: list[tuple[str, str]] = Field(default_factory=list)
    """(output field of source, input of target); for resource edges, inputs both share"""
    checked: bool | None = None
    """None: not executed; True: the pair ran with the source's output fed in; False: it did not"""


class ToolGraph(Strict):
    nodes: list[ToolSpec]
    edges: list[Edge]
    sources: dict[str, str] = Field(default_factory=dict)
    """a digest per tool source it was built from (`factory tools graph`): a run refuses a stale graph"""

    _by_name: dict[str, ToolSpec] = PrivateAttr(default_factory=dict)
    _out: dict[str, list[Edge]] = PrivateAttr(default_factory=dict)
    _near: dict[str, set[str]] = PrivateAttr(default_factory=dict)
    _names: list[str] = PrivateAttr(default_factory=list)
    _indexed: tuple[int, int] = PrivateAttr(default=(-1, -1))

    def _index(self) -> None:
        """Tools by name and edges by source, rebuilt when nodes or edges were added (walks ask for
        both thousands of times: a scan of 100,000 edges each time is what made them slow)."""
        if self._indexed != (len(self.nodes), len(self.edges)):
            self._by_name = {n.name: n for n in self.nodes}
            self._names = sorted(self._by_name)
            self._out, self._near = {}, {}
            for e in self.edges:
                self._out.setdefault(e.source, []).append(e)
                self._near.setdefault(e.source, set()).add(e.target)
                self._near.setdefault(e.target, set()).add(e.source)
            self._indexed = (len(self.nodes), len(self.edges))

    def names(self) -> list[str]:
        self._index()
        return self._names

    def neighbours(self, name: str) -> set[str]:
        """Tools an edge (checked or not) links to `name`, either way."""
        self._index()
        return self._near.get(name, set())

    def spec(self, name: str) -> ToolSpec:
        self._index()
        return self._by_name[name]

    def out_edges(self, name: str) -> list[Edge]:
        self._index()
        return [e for e in self._out.get(name, ()) if e.checked is not False]

    def summary(self) -> dict[str, Any]:
        by_kind: dict[str, int] = {}
        for e in self.edges:
            by_kind[e.kind] = by_kind.get(e.kind, 0) + 1
        sources: dict[str, int] = {}
        for n in self.nodes:
            sources[n.source] = sources.get(n.source, 0) + 1
        return {"nodes": len(self.nodes), "edges": len(self.edges), "edges_by_kind": by_kind, "nodes_by_source": sources,
                "no_output_schema": sum(not n.outputs() for n in self.nodes),
                "checked": sum(e.checked is True for e in self.edges),
                "failed_check": sum(e.checked is False for e in self.edges)}

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"summary": self.summary(), **self.model_dump(mode="json")}, indent=1))

    @classmethod
    def load(cls, path: Path) -> "ToolGraph":
        data = json.loads(path.read_text())
        data.pop("summary", None)
        return cls.model_validate(data)


def key(name: str) -> str:
    k = _AFFIX.sub("", norm(name))
    return ALIASES.get(k, k)


def _compatible(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ta, tb = json_type(a), json_type(b)
    return ta == tb or "any" in (ta, tb) or (ta == "number" and tb == "string")


def field_matches(a: ToolSpec, b: ToolSpec) -> list[tuple[str, str]]:
    outs = a.outputs()
    pairs = []
    for inp, ischema in b.required().items():
        k = key(inp)
        if k in STOP or len(k) < 3:
            continue
        for out, oschema in outs.items():
            if key(out) == k and _compatible(oschema, ischema):
                pairs.append((out, inp))
                break
    return pairs


def _inputs(b: ToolSpec) -> list[tuple[str, dict[str, Any], str]]:
    """Required inputs worth matching on: (name, schema, key), generic names left out."""
    return [(inp, schema, k) for inp, schema in b.required().items() if (k := key(inp)) not in STOP and len(k) >= 3]


def build(specs: list[ToolSpec]) -> ToolGraph:
    """Edges from an index of output fields by key, not from every pair of tools: each required input
    meets only the outputs that share its key, so the work grows with the tools and the edges found
    (10,000 tools in seconds: `python -m bench tool_graph`), and the edges are those of the pairwise
    rule (`field_matches` for every pair, in the same order)."""
    producers: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
    for i, a in enumerate(specs):
        for out, schema in a.outputs().items():
            producers.setdefault(key(out), []).append((i, out, schema))
    writer = [bool(_WRITER.match(norm(a.name))) for a in specs]
    found: dict[tuple[int, int], Edge] = {}
    for j, b in enumerate(specs):
        pairs: dict[int, list[tuple[str, str]]] = {}
        for inp, ischema, k in _inputs(b):
            matched: set[int] = set()
            for i, out, oschema in producers.get(k, ()):
                if i in matched or specs[i].name == b.name or not _compatible(oschema, ischema):
                    continue
                matched.add(i)  # the first compatible output of a tool feeds this input
                pairs.setdefault(i, []).append((out, inp))
        for i, ps in pairs.items():
            a = specs[i]
            # Within one stateful server, data flows from what writes to what reads; a reader's output
            # "feeding" a writer only re-creates what exists.
            if a.stateful and b.stateful and a.origin == b.origin and not writer[i]:
                continue
            found[(i, j)] = Edge(source=a.name, target=b.name, kind="field", fields=ps)
    by_origin: dict[str, list[int]] = {}
    for i, a in enumerate(specs):
        if a.stateful:
            by_origin.setdefault(a.origin, []).append(i)
    for group in by_origin.values():
        for i in (i for i in group if writer[i]):
            for j in group:
                b = specs[j]
                if (i, j) in found or specs[i].name == b.name or not _READER.match(norm(b.name)):
                    continue
                shared = sorted(set(specs[i].required()) & set(b.required()))
                found[(i, j)] = Edge(source=specs[i].name, target=b.name, kind="resource",
                                     fields=[(x, x) for x in shared])
    return ToolGraph(nodes=specs, edges=[found[ij] for ij in sorted(found)])


Runner = Callable[[str, dict[str, Any]], Awaitable[Outcome]]


async def check_edges(graph: ToolGraph, run: Runner, args_for: Callable[[ToolSpec], dict[str, Any] | None]) -> None:
    """Execute each field edge whose source can run with sampled arguments: the source's output fields
    fed into the target (other inputs sampled) → `checked` True when the target succeeds."""
    for e in graph.edges:
        a, b = graph.spec(e.source), graph.spec(e.target)
        if e.kind != "field" or not (a.executable and b.executable) or a.stateful or b.stateful:
            continue
        a_args, b_args = args_for(a), args_for(b)
        if a_args is None or b_args is None:
            continue
        first = await run(a.name, a_args)
        if not first.ok or not isinstance(first.data, dict):
            continue
        for out, inp in e.fields:
            if out in first.data:
                b_args[inp] = first.data[out]
        e.checked = (await run(b.name, b_args)).ok


Ask = Callable[[ToolSpec, ToolSpec], Awaitable[tuple[str, str] | None]]


def proposal_candidates(graph: ToolGraph, rng: Any, limit: int) -> list[tuple[ToolSpec, ToolSpec]]:
    """Pairs a proposer may link: both executable and stateless, the source with outputs, the target
    with required inputs, no edge yet. A seeded sample of `limit` of them."""
    linked = {(e.source, e.target) for e in graph.edges}
    pairs = [(a, b) for a in graph.nodes for b in graph.nodes
             if a.name != b.name and (a.name, b.name) not in linked and a.executable and b.executable
             and not a.stateful and not b.stateful and a.outputs() and b.required()]
    return rng.sample(pairs, min(limit, len(pairs)))


async def propose_edges(graph: ToolGraph, ask: Ask, run: Runner,
                        args_for: Callable[[ToolSpec], dict[str, Any] | None],
                        pairs: list[tuple[ToolSpec, ToolSpec]]) -> dict[str, int]:
    # args_for may return the inputs it can fill only; a pair still missing a required input is skipped.
    """Edges a proposer (a teacher) suggests, each kept only after the pair executes: the source run
    with sampled arguments, the proposed output field fed to the proposed input, the target run.
    Returns counts: asked, proposed, kept."""
    counts = {"asked": 0, "proposed": 0, "kept": 0}
    for a, b in pairs:
        counts["asked"] += 1
        proposal = await ask(a, b)
        if proposal is None:
            continue
        out, inp = proposal
        if out not in a.outputs() or inp not in b.required():
            continue
        counts["proposed"] += 1
        a_args, b_args = args_for(a) or {}, args_for(b) or {}
        if set(a.required()) - set(a_args):
            continue
        first = await run(a.name, a_args)
        if not first.ok or not isinstance(first.data, dict) or out not in first.data:
            continue
        b_args = {**b_args, inp: first.data[out]}
        if set(b.required()) - set(b_args):
            continue  # another required input nothing can fill: the pair cannot be run, so not kept
        if (await run(b.name, b_args)).ok:
            graph.edges.append(Edge(source=a.name, target=b.name, kind="proposed", fields=[(out, inp)], checked=True))
            counts["kept"] += 1
    return counts


def draw(graph: ToolGraph, path: Path) -> None:
    """A picture of the graph (PNG/SVG by suffix), tools coloured by source."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(n.name for n in graph.nodes)
    g.add_edges_from((e.source, e.target) for e in graph.edges)
    colours = {"python": "#4c72b0", "mcp": "#dd8452", "openapi": "#55a868"}
    pos = nx.spring_layout(g, seed=0, k=1.5 / max(1, len(g) ** 0.5))
    fig, ax = plt.subplots(figsize=(12, 9))
    nx.draw_networkx(g, pos, ax=ax, node_size=300, font_size=7, arrows=True, arrowsize=8, width=0.6,
                     node_color=[colours.get(n.source, "#999") for n in graph.nodes])
    ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
