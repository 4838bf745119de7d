"""Edges from nested outputs, array items and ids, and the values a check feeds along them."""

import asyncio

from tool_graph import graph
from tool_graph.outcome import Outcome
from tool_graph.spec import ToolSpec, value_at


def tool(name, required=None, outputs=None):
    props = required or {}
    return ToolSpec(name=name, description="d", source="python", origin=f"m.{name}",
                    parameters={"type": "object", "properties": props, "required": list(props)},
                    output_schema={"type": "object", "properties": outputs} if outputs is not None else None)


S, INT = {"type": "string"}, {"type": "integer"}


def edges(*specs):
    return {(e.source, e.target): e.fields for e in graph.build(list(specs)).edges}


def test_a_nested_field_feeds_an_input_of_its_name():
    board = tool("departures_board", {"station": S},
                 {"departures": {"type": "array", "items": {"type": "object",
                                                             "properties": {"train_number": S, "time": S}}}})
    status = tool("train_status", {"train_number": S}, {"delay_min": INT})
    where = tool("geocode", {"address": S}, {"location": {"type": "object", "properties": {"city": S}}})
    weather = tool("weather", {"city": S}, {"temp": INT})
    got = edges(board, status, where, weather)
    assert got[("departures_board", "train_status")] == [("departures[].train_number", "train_number")]
    assert got[("geocode", "weather")] == [("location.city", "city")]


def test_an_array_item_feeds_its_singular_and_ids_are_named_by_what_they_identify():
    cities = tool("list_cities", {"country": S}, {"cities": {"type": "array", "items": S}})
    weather = tool("weather", {"city": S}, {"temp": INT})
    user = tool("create_user", {"email": S}, {"id": S})
    orders = tool("list_orders", {"user_id": S}, {"orders": {"type": "array", "items": {
        "type": "object", "properties": {"id": INT}}}})
    refund = tool("refund", {"order_id": S}, {"ok": {"type": "boolean"}})
    got = edges(cities, weather, user, orders, refund)
    assert got[("list_cities", "weather")] == [("cities[]", "city")]
    assert got[("create_user", "list_orders")] == [("id", "user_id")]
    assert got[("list_orders", "refund")] == [("orders[].id", "order_id")]
    assert ("create_user", "refund") not in got  # a user's id is not an order's


def test_values_are_read_along_the_path():
    data = {"departures": [{"train_number": "IC 5"}, {"train_number": "RE 2"}], "loc": {"city": "Oslo"},
            "cities": ["Bern"], "empty": []}
    assert value_at(data, "departures[].train_number") == (True, "IC 5")
    assert value_at(data, "loc.city") == (True, "Oslo") and value_at(data, "cities[]") == (True, "Bern")
    assert value_at(data, "empty[]") == (False, None) and value_at(data, "loc.zip") == (False, None)


def test_a_check_feeds_the_nested_value():
    board = tool("departures_board", {"station": S}, {"departures": {"type": "array", "items": {
        "type": "object", "properties": {"train_number": S}}}})
    status = tool("train_status", {"train_number": S}, {"delay_min": INT})
    g = graph.build([board, status])
    seen = {}

    async def run(name, args):
        seen[name] = args
        if name == "departures_board":
            return Outcome(ok=True, text="", data={"departures": [{"train_number": "IC 5"}]})
        return Outcome(ok=args.get("train_number") == "IC 5", text="", data={"delay_min": 3})

    counts = asyncio.run(graph.check_edges(g, run, lambda spec: {k: "x" for k in spec.required()}))
    assert seen["train_status"] == {"train_number": "IC 5"} and g.edges[0].checked is True
    assert counts == {"checked:ok": 1}


def test_an_id_fed_edge_is_checked_and_what_was_not_is_counted_with_its_reason():
    user = tool("create_user", {"email": S}, {"id": S})
    profile = tool("get_profile", {"user_id": S}, {"email": S})
    api = tool("remote_lookup", {"user_id": S}, {"score": INT}).model_copy(update={"executable": False})
    g = graph.build([user, profile, api])

    async def run(name, args):
        if name == "create_user":
            return Outcome(ok=True, text="", data={"id": "u-1"})
        return Outcome(ok=args == {"user_id": "u-1"}, text="", data={"email": "a@b"})

    # nothing samples a user id: only the edge can fill it; the source needs a sample for `email`
    counts = asyncio.run(graph.check_edges(g, run, lambda spec: {"email": "a@b"} if "email" in spec.required() else {}))
    assert counts == {"checked:ok": 1, "not_checked:no_sample_for_a_source_input": 1,
                      "not_checked:simulated_tool": 1}
