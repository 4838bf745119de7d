"""Edges on a known tool set (typed matches, the stop-list, resources of one stateful server), the
file users inspect, and walks: deterministic per seed, every required input given or fed."""

import random

from tool_graph import graph as tgraph
from tool_graph import walks
from tool_graph.picture import draw
from tool_graph.python_tools import load_module
from tool_graph.spec import ToolSpec
from tool_graph.toolsets import everyday
from tool_graph.values import POOL


def _spec(name, required, outputs, **kw):
    props = {k: {"type": t} for k, t in required.items()}
    return ToolSpec(name=name, description=name, parameters={"type": "object", "properties": props,
                                                             "required": list(required)},
                    output_schema={"type": "object", "properties": {k: {"type": t} for k, t in outputs.items()}},
                    source=kw.pop("source", "python"), origin=kw.pop("origin", "m"), **kw)


def test_edges_need_a_typed_specific_match():
    a = _spec("geo", {"city": "string"}, {"timezone": "string", "name": "string", "population": "number"})
    b = _spec("clock", {"timezone": "string"}, {"time": "string"})
    c = _spec("greet", {"name": "string"}, {"text": "string"})        # 'name' is on the stop-list
    d = _spec("convert", {"source_timezone": "string", "target_timezone": "string"}, {})
    e = _spec("count", {"timezone": "number"}, {})                       # same name, wrong type
    g = tgraph.build([a, b, c, d, e])
    pairs = {(x.source, x.target): x.fields for x in g.edges}
    assert pairs == {("geo", "clock"): [("timezone", "timezone")],
                     ("geo", "convert"): [("timezone", "source_timezone"), ("timezone", "target_timezone")]}


def test_resource_edges_within_one_stateful_server():
    w = _spec("create_note", {"path": "string"}, {}, stateful=True, origin="fs", source="mcp")
    r = _spec("read_note", {"path": "string"}, {"content": "string"}, stateful=True, origin="fs", source="mcp")
    other = _spec("read_other", {"path": "string"}, {}, stateful=True, origin="elsewhere", source="mcp")
    g = tgraph.build([w, r, other])
    assert [(e.source, e.target, e.kind, e.fields) for e in g.edges] == [("create_note", "read_note", "resource",
                                                                         [("path", "path")])]


def test_graph_file_round_trips(tmp_path):
    specs, _ = load_module("tool_graph.toolsets.everyday")
    g = tgraph.build(specs)
    g.save(tmp_path / "g.json")
    back = tgraph.ToolGraph.load(tmp_path / "g.json")
    assert back == g and back.summary()["nodes"] == 13
    assert ("city_info", "distance_km") in {(e.source, e.target) for e in g.edges}
    assert draw(g, tmp_path / "g.png") == {"kind": "full", "tools": 13}
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def _graph():
    specs, _ = load_module("tool_graph.toolsets.everyday")
    return tgraph.build(specs), {**POOL, **everyday.EXAMPLES}


def test_walks_are_deterministic_and_satisfiable():
    g, pool = _graph()
    for seed in range(20):
        for shape in ("sequential", "parallel"):
            length = 1 + seed % 4
            w1 = walks.walk(g, random.Random(seed), length, shape, pool)
            w2 = walks.walk(g, random.Random(seed), length, shape, pool)
            assert w1 == w2
            if w1 is None:
                continue
            for i, step in enumerate(w1.steps):
                spec = g.spec(step.tool)
                assert set(spec.required()) == set(step.given) | set(step.fed), step
                for j, out in step.fed.values():
                    assert j < i and out in g.spec(w1.steps[j].tool).outputs()
                if shape == "sequential" and i > 0:
                    assert any(j == i - 1 for j, _ in step.fed.values()), "each step depends on the one before"
            if shape == "parallel":
                tools = set(w1.tools())
                assert not any(e.source in tools and e.target in tools for e in g.edges)


def test_sequential_walks_of_every_length_exist():
    g, pool = _graph()
    lengths = {len(w.steps) for s in range(40) if (w := walks.walk(g, random.Random(s), 1 + s % 4, "sequential", pool))}
    assert lengths == {1, 2, 3, 4}
