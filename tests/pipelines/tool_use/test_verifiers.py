"""Each check against records built by hand: the garbage it must refuse, and the honest row it must
pass. Records only — no tools run here (replay is covered by the pipeline test)."""

import json

import pytest

from factory.trajectory import FunctionCall, Message, ToolCall, Trajectory
from pipelines.tool_use.claims import ClaimsVerifier
from pipelines.tool_use.mentions import mentions
from pipelines.tool_use.verifiers import AnswerVerifier, ExecutionVerifier, FormatVerifier, MoveVerifier, TraceVerifier

CITY = {"type": "function", "function": {"name": "city_info", "description": "Look up a city.", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}}}
DIST = {"type": "function", "function": {"name": "distance_km", "description": "Distance.", "parameters": {
    "type": "object", "properties": {k: {"type": "number"} for k in ("latitude_a", "longitude_a", "latitude_b",
                                                                       "longitude_b")},
    "required": ["latitude_a", "longitude_a", "latitude_b", "longitude_b"]}}}
WALK = {"shape": "sequential", "steps": [
    {"tool": "city_info", "given": {"city": "Paris"}, "fed": {}},
    {"tool": "distance_km", "given": {"latitude_b": 35.0, "longitude_b": 139.0},
     "fed": {"latitude_a": [0, "latitude"], "longitude_a": [0, "longitude"]}}]}
PARIS = {"city": "Paris", "country": "France", "timezone": "Europe/Paris", "latitude": 48.8566, "longitude": 2.3522}
REQUEST = "Find Paris, then the distance from it to latitude 35.0, longitude 139.0. Tell me the results."


def _call(i, name, args):
    return ToolCall(id=f"c{i}", function=FunctionCall(name=name, arguments=json.dumps(args)))


def row(turns, final, variant="normal", **meta):
    """turns: [(tool, args, result text)]; final: the last assistant text (None: end on a call)."""
    msgs = [Message(role="system", content="sys"), Message(role="user", content=meta.pop("request", REQUEST))]
    for i, (name, args, result) in enumerate(turns):
        msgs.append(Message(role="assistant", content="Calling.", tool_calls=[_call(i, name, args)]))
        msgs.append(Message(role="tool", content=result, tool_call_id=f"c{i}", name=name))
    if final is not None:
        msgs.append(Message(role="assistant", content=final))
    m = {"variant": variant, "walk": meta.pop("walk", WALK), "lookalikes": {}, "missing": None, "fail_tool": None,
         "stop_reason": "final", **meta}
    return Trajectory(pipeline="tool_use", task_id="t", messages=msgs, tools=json.dumps([CITY, DIST]), meta=m)


GOOD_DIST = {"latitude_a": 48.8566, "longitude_a": 2.3522, "latitude_b": 35.0, "longitude_b": 139.0}
GOOD = [("city_info", {"city": "Paris"}, json.dumps(PARIS)),
        ("distance_km", GOOD_DIST, json.dumps({"distance_km": 9712.3}))]
ALL = [FormatVerifier(), ExecutionVerifier(), TraceVerifier(), AnswerVerifier(), ClaimsVerifier(), MoveVerifier()]


def failures(t):
    return [f"{v.name}:{v.verify(t).reason}" for v in ALL if not v.verify(t).passed]


def test_the_honest_row_passes():
    assert failures(row(GOOD, "Paris is in France; the distance is about 9,712 km.")) == []


@pytest.mark.parametrize("turns, final, expected", [
    # format: a tool nobody offered; arguments against the schema
    ([("weather", {"city": "Paris"}, "{}")], "It is sunny.", "format:unknown_tool:weather"),
    ([("city_info", {"town": "Paris"}, "{}")], "Done.", "format:invalid_arguments:city_info"),
    # trace: a value neither the request nor a result holds (a guessed coordinate)
    ([GOOD[0], ("distance_km", {**GOOD_DIST, "latitude_a": 51.0}, json.dumps({"distance_km": 9000.1}))],
     "The distance is 9000.1 km; Paris is in France.", "trace:untraceable:distance_km:51.0"),
    # order: the dependent call before the call it depends on
    ([("distance_km", GOOD_DIST, json.dumps({"distance_km": 9712.3})), GOOD[0]],
     "France, 9712.3 km.", "trace:untraceable:distance_km:48.8566"),
    # answer: results not reported, or invented
    (GOOD, "All done, the tools worked.", "answer:result_not_in_answer:city_info"),
    (GOOD, "Paris is in France and the distance is 1234 km.", "answer:result_not_in_answer:distance_km"),
    # the chain not finished
    ([GOOD[0]], "Paris is in France at 48.8566, 2.3522.", "move:missed_step:distance_km"),
    # execution: a failure glossed over
    ([GOOD[0], ("distance_km", GOOD_DIST, "error: 503 Service Unavailable")], "Paris is in France; 9712.3 km away.",
     "execution:unhandled_failure:distance_km"),
    # no final reply at all
    (GOOD, None, "answer:no_final_reply"),
])
def test_cheats_fail_with_their_reason(turns, final, expected):
    assert expected in failures(row(turns, final))


def test_an_empty_result_must_be_reported_as_such():
    walk = {"shape": "sequential", "steps": [{"tool": "city_info", "given": {"city": "Paris"}, "fed": {}}]}
    empty = [("city_info", {"city": "Paris"}, json.dumps({"entities": [], "relations": []}))]
    assert "answer:empty_result_not_reported:city_info" in failures(
        row(empty, "The service is temporarily overloaded; try again in a moment.", walk=walk))
    assert failures(row(empty, "I found no entries for Paris.", walk=walk)) == []


def test_order_is_checked_even_when_values_are_traceable():
    # Both calls made, the dependent one first with values the request happens to state.
    req = "Paris at 48.8566, 2.3522; distance to 35.0, 139.0."
    turns = [("distance_km", GOOD_DIST, json.dumps({"distance_km": 9712.3})), GOOD[0]]
    assert "move:wrong_order:city_info->distance_km" in failures(row(turns, "France, 9712.3 km.", request=req))


def test_variants_need_their_right_move():
    missing = {"step": 0, "input": "city", "value": "Paris", "tool": "city_info"}
    req = "Find my city, then the distance to latitude 35.0, longitude 139.0."
    asked = row([], "Which city do you mean?", "missing_param", missing=missing, request=req)
    assert failures(asked) == []
    assert "move:did_not_ask" in failures(row([], "I will need more information.", "missing_param",
                                              missing=missing, request=req))
    guessed = row([("city_info", {"city": "Paris"}, json.dumps(PARIS))], "Paris is in France.", "missing_param",
                  missing=missing, request=req)
    assert {"trace:untraceable:city_info:Paris", "move:guessed_missing:city"} <= set(failures(guessed))

    refused = row([], "I cannot do that: none of my tools looks up cities.", "negative")
    assert failures(refused) == []
    assert "move:no_refusal" in failures(row([], "Paris is in France.", "negative"))
    assert "move:called_tool_in_negative:city_info" in failures(row([GOOD[0]], "I cannot.", "negative"))

    fake = row([("city_info_v2", {"city": "Paris"}, "{}")], "Done.", lookalikes={"city_info_v2": "text_stats"})
    assert "move:called_lookalike:city_info_v2" in failures(fake)

    failed_then_retried = [("city_info", {"city": "Paris"}, "error: 503 Service Unavailable"), *GOOD]
    assert failures(row(failed_then_retried, "France, 9712.3 km.", "failing_tool", fail_tool="city_info")) == []
    reported = row([("city_info", {"city": "Paris"}, "error: 503 Service Unavailable")],
                   "The city service was unavailable, so I could not finish.", "failing_tool", fail_tool="city_info")
    assert failures(reported) == []


def test_malformed_generation_is_a_format_failure():
    t = row(GOOD, "France, 9712.3 km.", stop_reason="malformed:bad_json:Expecting value")
    assert "format:malformed:bad_json" in failures(t)


@pytest.mark.parametrize("text, value, rounding, expected", [
    ("about 9,712 km", 9712.3, True, True), ("about 9,712 km", 9712.3, False, False),
    ("lat 48.8566", 48.8566, False, True), ("lat 48.85", 48.8566, False, False),
    ("It is 17:05 there", "2026-11-29T17:05:05+01:00", True, True), ("code 3", 35, True, False),
    ("in europe/paris", "Europe/Paris", False, True), ("100 items", 1000, True, False),
])
def test_mentions(text, value, rounding, expected):
    assert mentions(text, value, rounding) is expected


def test_a_result_written_by_the_model_itself_is_refused():
    # The model writes its own "tool response" into its text instead of calling, then answers from it.
    fake = '<tool_response>{"weekday": "Friday"}</tool_response> So it is a Friday.'
    t = row(GOOD, "Paris is in France; 9712.3 km. " + fake)
    assert "format:stray_tag" in failures(t)


def test_echoing_the_request_is_not_asking():
    missing = {"step": 0, "input": "city", "value": "Paris", "tool": "city_info"}
    req = "1. look up a city; I have not decided the city yet\nTell me the results."
    for echo in (req + "?", "I have not decided the city yet. Tell me the results?"):
        assert "move:did_not_ask" in failures(row([], echo, "missing_param", missing=missing, request=req))
    assert failures(row([], "Sure. Which city should I look up?", "missing_param", missing=missing,
                        request=req)) == []
