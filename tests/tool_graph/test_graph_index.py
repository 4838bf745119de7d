"""The indexed graph build finds exactly the edges of the pairwise rule (every ordered pair of tools
through `field_matches`, the stateful writer → reader rule), in the same order, on seeded random
catalogues with shared, generic, affixed and type-clashing field names and stateful servers."""

from __future__ import annotations

import random

import pytest

from tool_graph import graph
from tool_graph.spec import ToolSpec
from tool_graph.values import norm

WORDS = ["city", "train_number", "source_city", "order_id", "id", "name", "user_id", "path", "repo_path", "zip",
         "station", "flight_no", "capital", "query", "to_city", "city_a", "amount", "currency", "file", "files"]
TYPES = ["string", "integer", "number", "array", "object", None]
VERBS = ["get", "list", "create", "write", "read", "search", "delete", "compute", "set", "find"]


def _schema(rng: random.Random, names: list[str]) -> dict:
    props = {}
    for n in names:
        t = rng.choice(TYPES)
        props[n] = {"type": t} if t else {}
    return {"type": "object", "properties": props}


def _catalogue(seed: int, n: int) -> list[ToolSpec]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        params = _schema(rng, rng.sample(WORDS, rng.randint(0, 4)))
        params["required"] = [k for k in params["properties"] if rng.random() < 0.8]
        outs = _schema(rng, rng.sample(WORDS, rng.randint(0, 4))) if rng.random() < 0.9 else None
        stateful = rng.random() < 0.3
        name = f"{rng.choice(VERBS)}_{rng.choice(WORDS)}_{i}" if rng.random() < 0.95 else "get_city_0"
        out.append(ToolSpec(name=name, description="d", parameters=params, output_schema=outs, source="python",
                            origin=f"server{rng.randint(0, 3)}" if stateful else f"m{i}", stateful=stateful))
    return out


def pairwise(specs: list[ToolSpec]) -> list[graph.Edge]:
    """The rule as stated: every ordered pair."""
    edges = []
    for a in specs:
        for b in specs:
            if a.name == b.name:
                continue
            same_state = a.stateful and b.stateful and a.origin == b.origin
            pairs = graph.field_matches(a, b) if not same_state or graph._WRITER.match(norm(a.name)) else []
            if pairs:
                edges.append(graph.Edge(source=a.name, target=b.name, kind="field", fields=pairs))
            elif same_state and graph._WRITER.match(norm(a.name)) and graph._READER.match(norm(b.name)):
                shared = sorted(set(a.required()) & set(b.required()))
                edges.append(graph.Edge(source=a.name, target=b.name, kind="resource", fields=[(s, s) for s in shared]))
    return edges


@pytest.mark.parametrize("seed", range(6))
def test_the_index_finds_the_pairwise_edges(seed):
    specs = _catalogue(seed, 120)
    want = pairwise(specs)
    got = graph.build(specs, fan_in=None).edges
    assert len(want) > 50 and {e.kind for e in want} == {"field", "resource"}
    assert [e.model_dump() for e in got] == [e.model_dump() for e in want]


def _api_tool(name: str, api: str, inputs: list[str], outputs: list[str]) -> ToolSpec:
    return ToolSpec(name=name, description="d", source="openapi", origin=f"{api}.json GET /{name}", executable=False,
                    parameters={"type": "object", "properties": {k: {"type": "string"} for k in inputs},
                                "required": inputs},
                    output_schema={"type": "object", "properties": {k: {"type": "string"} for k in outputs}})


def test_an_input_with_many_producers_keeps_fan_in_of_them_its_own_api_first():
    """60 APIs each produce `account_id`; every consumer keeps FAN_IN producers, its own API's among
    them; the choice is stable and spread over the producers; under the cap nothing changes."""
    specs = [_api_tool(f"get_account_{a}", f"api{a}", [], ["account_id"]) for a in range(60)]
    specs += [_api_tool(f"list_orders_{a}", f"api{a}", ["account_id"], ["order_ref"]) for a in range(60)]
    g = graph.build(specs)
    feeding: dict[str, set[str]] = {}
    for e in g.edges:
        feeding.setdefault(e.target, set()).add(e.source)
    for a in range(60):
        got = feeding[f"list_orders_{a}"]
        assert len(got) == graph.FAN_IN and f"get_account_{a}" in got
    used = set().union(*feeding.values())
    assert len(used) > 40  # the rotation spreads consumers over most producers
    assert [e.model_dump() for e in graph.build(specs).edges] == [e.model_dump() for e in g.edges]
    few = specs[:5] + specs[60:65]
    assert len(graph.build(few).edges) == len(graph.build(few, fan_in=None).edges) == 5 * 5
