"""Pictures at scale: communities found where the tools cluster, a neighbourhood bounded by radius and
cap, the kind of picture chosen by size, and `factory tools draw` refusing an unknown tool in one line."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from tool_graph.graph import Edge, ToolGraph
from tool_graph.picture import FULL_UP_TO, UnknownTool, communities, draw, label, neighbourhood
from tool_graph.spec import ToolSpec

TOPICS = ("weather", "invoice", "flight")


def _graph(per: int = 40, seed: int = 0) -> ToolGraph:
    """Three topics of `per` tools each, dense inside a topic, two edges between topics."""
    rng = random.Random(seed)
    nodes, edges = [], []
    for t in TOPICS:
        names = [f"get_{t}_{i}" for i in range(per)]
        nodes += [ToolSpec(name=n, description="", parameters={}, source="openapi", origin="x") for n in names]
        edges += [Edge(source=a, target=b, kind="field") for a in names for b in rng.sample(names, 4) if a != b]
    edges += [Edge(source="get_weather_0", target="get_invoice_0", kind="field"),
              Edge(source="get_invoice_1", target="get_flight_1", kind="field")]
    return ToolGraph(nodes=nodes, edges=edges)


def test_communities_follow_the_clusters():
    groups = communities(_graph())
    big = [g for g in groups if len(g) >= 10]
    assert sorted({label(g) for g in big}) == sorted(TOPICS)
    for g in big:  # no group mixes topics
        assert len({n.split("_")[1] for n in g}) == 1
    assert communities(_graph()) == groups  # seeded


def test_neighbourhood_is_bounded_by_radius_and_cap():
    g = _graph()
    one = neighbourhood(g, "get_weather_3", radius=1, cap=1000)
    assert one[0] == "get_weather_3" and set(one[1:]) == g.neighbours("get_weather_3")
    capped = neighbourhood(g, "get_weather_3", radius=3, cap=25)
    assert len(capped) == 25 and set(one) <= set(neighbourhood(g, "get_weather_3", radius=3, cap=1000))
    assert neighbourhood(g, "get_weather_3", radius=3, cap=25) == capped  # seeded
    with pytest.raises(UnknownTool, match="no tool named 'get_weather' .*did you mean get_weather_0"):
        neighbourhood(g, "get_weather")


def test_the_picture_kind_follows_the_size(tmp_path):
    g = _graph()
    assert len(g.nodes) > FULL_UP_TO
    big = draw(g, tmp_path / "big.png")
    assert big["kind"] == "communities" and big["shown"] >= 3 and (tmp_path / "big.png").stat().st_size > 10_000
    near = draw(g, tmp_path / "near.svg", around="get_flight_2", radius=1)
    assert near["kind"] == "neighbourhood" and near["tools"] == 1 + len(g.neighbours("get_flight_2"))
    assert "get_flight_2" in (tmp_path / "near.svg").read_text()
    small = _graph(per=10)
    assert draw(small, tmp_path / "small.png") == {"kind": "full", "tools": 30}


def test_draw_command(tmp_path):
    path = tmp_path / "g.json"
    _graph().save(path)
    ok = subprocess.run([sys.executable, "-m", "factory.cli.app", "tools", "draw", str(path), "--picture",
                         str(tmp_path / "p.png")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["kind"] == "communities"
    bad = subprocess.run([sys.executable, "-m", "factory.cli.app", "tools", "draw", str(path), "--picture",
                          str(tmp_path / "q.png"), "--around", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "no tool named 'nope'" in bad.stderr and not (tmp_path / "q.png").exists()
