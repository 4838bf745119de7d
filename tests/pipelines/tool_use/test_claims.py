"""The reply must agree with what the tools returned, and the row's own word decides nothing. Rows
as a strong model would write them, over a departures board: honest ones in several phrasings pass,
each cheat fails with its reason."""

import json

import pytest

from factory.trajectory import FunctionCall, Message, ToolCall, Trajectory
from pipelines.tool_use.claims import ClaimsVerifier
from pipelines.tool_use.verifiers import (
    AnswerVerifier,
    ExecutionVerifier,
    FormatVerifier,
    MoveVerifier,
    ReplayVerifier,
    TraceVerifier,
)

STATION = {"type": "function", "function": {"name": "find_station", "description": "Find a station code.",
           "parameters": {"type": "object", "properties": {"name": {"type": "string", "description": "station name"}},
                          "required": ["name"]}}}
BOARD = {"type": "function", "function": {"name": "departures", "description": "Departures from a station.",
         "parameters": {"type": "object", "properties": {"station_code": {"type": "string"},
                                                          "date": {"type": "string"}},
                        "required": ["station_code", "date"]}}}
WALK = {"shape": "sequential", "steps": [
    {"tool": "find_station", "given": {"name": "Lyon Part-Dieu"}, "fed": {}},
    {"tool": "departures", "given": {"date": "2026-12-07"}, "fed": {"station_code": [0, "code"]}}]}
REQUEST = "Which trains leave Lyon Part-Dieu on 2026-12-07? Give me their times and numbers."
CODE = {"code": "FR-LYS", "name": "Lyon Part-Dieu"}
DEPS = {"departures": [{"train_number": "TGV 6604", "time": "08:20", "to": "Paris"},
                       {"train_number": "TER 17650", "time": "09:05", "to": "Grenoble"},
                       {"train_number": "TGV 6610", "time": "11:04", "to": "Paris"}]}
GOOD = [("find_station", {"name": "Lyon Part-Dieu"}, json.dumps(CODE)),
        ("departures", {"station_code": "FR-LYS", "date": "2026-12-07"}, json.dumps(DEPS))]


def row(turns, final, **meta):
    msgs = [Message(role="system", content="sys"), Message(role="user", content=REQUEST)]
    for i, (name, args, result) in enumerate(turns):
        msgs.append(Message(role="assistant", content="Checking.", tool_calls=[
            ToolCall(id=f"c{i}", function=FunctionCall(name=name, arguments=json.dumps(args)))]))
        msgs.append(Message(role="tool", content=result, tool_call_id=f"c{i}", name=name))
    msgs.append(Message(role="assistant", content=final))
    m = {"variant": "normal", "walk": WALK, "lookalikes": {}, "missing": None, "fail_tool": None,
         "stop_reason": "final", **meta}
    return Trajectory(pipeline="tool_use", task_id="t", messages=msgs, tools=json.dumps([STATION, BOARD]), meta=m)


ALL = [FormatVerifier(), ExecutionVerifier(), TraceVerifier(), AnswerVerifier(), ClaimsVerifier(), MoveVerifier()]


def failures(t):
    return [f"{v.name}:{v.verify(t).reason}" for v in ALL if not v.verify(t).passed]


HONEST = [
    "Three trains leave Lyon Part-Dieu (FR-LYS) on 2026-12-07: TGV 6604 at 08:20 to Paris, TER 17650 at 09:05 "
    "to Grenoble and TGV 6610 at 11:04 to Paris.",
    "On 2026-12-07 there are 3 departures:\n1. 08:20 — TGV 6604 (Paris)\n2. 09:05 — TER 17650 (Grenoble)\n"
    "3. 11:04 — TGV 6610 (Paris)",
    "| time | train | to |\n|---|---|---|\n| 8:20 am | TGV 6604 | Paris |\n| 9:05 am | TER 17650 | Grenoble |\n"
    "| 11:04 am | TGV 6610 | Paris |",
    "The first train is the TGV 6604 at 08:20; after it the TER 17650 leaves at 09:05 and the TGV 6610 at 11:04.",
]


@pytest.mark.parametrize("final", HONEST)
def test_honest_replies_in_several_forms_pass(final):
    assert failures(row(GOOD, final)) == []


@pytest.mark.parametrize("final, expected", [
    # facts no tool returned: a fare, a duration, a platform
    (HONEST[0] + " The fare is 45 EUR.", "claims:unsupported_number:45"),
    (HONEST[0] + " The trip takes 2 h 10 min.", "claims:unsupported_number:10"),
    (HONEST[0] + " The TGV 6604 leaves from platform 7.", "claims:unsupported_number:7"),
    # contradicting the results
    ("The TGV 6604 leaves at 15:30, the TER 17650 at 09:05 and the TGV 6610 at 11:04.", "claims:unsupported_time:15:30"),
    ("There are no departures today from FR-LYS; TGV 6604 08:20 was cancelled.", "claims:nothing_found:results_listed_some"),
    ("TGV 6604 (08:20), TER 17650 (09:05), TGV 6610 (11:04) and IC-2231.", "claims:unsupported_code:IC-2231"),
])
def test_claims_the_results_do_not_hold_are_refused(final, expected):
    assert expected in failures(row(GOOD, final))


def test_an_argument_carved_out_of_a_longer_value_is_untraceable():
    turns = [GOOD[0], ("departures", {"station_code": "FR", "date": "2026-12-07"}, json.dumps(DEPS))]
    assert "trace:untraceable:departures:FR" in failures(row(turns, HONEST[0]))


def test_schema_echo_and_repeated_calls_are_refused():
    echo = [("find_station", {"name": "station name"}, json.dumps(CODE)), *GOOD]
    assert "format:schema_echo:find_station:name" in failures(row(echo, HONEST[0]))
    placeholder = [GOOD[0], ("departures", {"station_code": "FR-LYS", "date": "<date>"}, json.dumps(DEPS))]
    assert "format:schema_echo:departures:date" in failures(row(placeholder, HONEST[0]))
    again = [*GOOD, GOOD[1], GOOD[1]]
    assert "format:repeated_call:departures" in failures(row(again, HONEST[0]))
    retried = [GOOD[0], (GOOD[1][0], GOOD[1][1], "error: 503 Service Unavailable"), GOOD[1]]
    assert failures(row(retried, HONEST[0])) == []


@pytest.mark.parametrize("tag", ["<tool_output>", "<observation>", "<function_results>", "Observation:"])
def test_forged_observations_under_any_tag_are_refused(tag):
    close = tag.replace("<", "</") if tag.startswith("<") else ""
    forged = f'{tag}{{"fare": "45 EUR"}}{close} So the fare is 45 EUR.'
    assert "format:stray_tag" in failures(row(GOOD, HONEST[0] + "\n" + forged))


class _Runtime:
    """Stands in for the run's tool runtime: knows one Python tool, deterministic by its own source."""

    def __init__(self, deterministic):
        self.det, self.replayed = deterministic, []

    def deterministic(self, spec):
        return self.det.get(spec.name)

    def can_replay(self, spec):
        return spec.name in self.det

    def replay(self, spec, args):
        from tool_graph.outcome import Outcome

        self.replayed.append(spec.name)
        return Outcome(ok=True, text=json.dumps(DEPS if spec.name == "departures" else CODE))


def _sources(det_flag):
    return {n: {"source": "python", "origin": "rail", "runs": n, "deterministic": det_flag}
            for n in ("find_station", "departures")}


def test_determinism_comes_from_the_tool_not_the_row():
    edited = json.dumps({"departures": [{**DEPS["departures"][0], "time": "07:00"}]})
    turns = [GOOD[0], (GOOD[1][0], GOOD[1][1], edited)]
    rt = _Runtime({"find_station": True, "departures": True})
    # the row claims its tools are not deterministic, so nothing would be re-run: the tool says otherwise
    t = row(turns, "One train: TGV 6604 at 07:00.", tool_sources=_sources(False))
    assert ReplayVerifier(rt).verify(t).reason == "result_mismatch:departures"
    assert ReplayVerifier(rt).verify(row(GOOD, HONEST[0], tool_sources=_sources(False))).passed


def test_a_tool_this_run_does_not_have_is_unverifiable_not_passed():
    rt = _Runtime({"find_station": True})
    v = ReplayVerifier(rt).verify(row(GOOD, HONEST[0], tool_sources=_sources(True)))
    assert not v.passed and v.reason == "unverifiable:departures:source_not_in_this_run"
    v = ReplayVerifier(rt).verify(row(GOOD, HONEST[0]))
    assert not v.passed and v.reason == "unverifiable:find_station:no_source_in_meta"


def test_verifiers_agree_with_labelled_replies():
    """The replies above as a labelled set, measured the way `factory calibrate` measures a run."""
    from factory.inspect.calibrate import calibrate

    labelled = [(f, "accept") for f in HONEST] + [
        (HONEST[0] + " The fare is 45 EUR.", "reject"), (HONEST[0] + " It leaves from platform 7.", "reject"),
        ("The TGV 6604 leaves at 15:30.", "reject"), ("Sorry, there were no trains found.", "reject"),
        ("Trains: TGV 6604, TER 17650, TGV 6610 (08:20, 09:05, 11:04).", "accept"),
        ("Only the TGV 6604 leaves, at 8.20.", "reject")]
    rows, labels = [], {}
    for i, (final, label) in enumerate(labelled):
        t = row(GOOD, final)
        verdicts = [v.verify(t).model_dump() for v in ALL]
        rows.append({"id": str(i), "side": "accepted" if all(v["passed"] for v in verdicts) else "rejected",
                     "verdicts": verdicts})
        labels[str(i)] = {"label": label, "note": final}
    c = calibrate(rows, labels)
    assert c.disagreements == [], c.disagreements
    assert c.overall.precision == 1.0 and c.overall.recall == 1.0
