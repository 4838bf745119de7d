"""Cheats at the record level, one rule each, against the fixture corpus: the verifiers must name
the rule broken. (The driver tests run whole scripted trajectories; these pin the edge cases.)"""

import json

import pytest

from factory.trajectory import FunctionCall, Message, ToolCall, Trajectory
from pipelines.research import evidence as ev
from pipelines.research import verifiers as V
from pipelines.research.corpora.library import Library
from pipelines.research.tools import ResearchTools
from tests.pipelines.research.conftest import CORPUS


@pytest.fixture(scope="module")
def lib():
    lib = Library(CORPUS, "fts5")
    yield lib
    lib.close()


class Row:
    """Builds a row by really calling the tools, so results are what the tools return."""

    def __init__(self, lib, question="q", hidden=frozenset()):
        self.tools = ResearchTools(lib, hidden=hidden)
        self.msgs = [Message(role="system", content="s"), Message(role="user", content=question)]

    def call(self, name, **args):
        cid = f"c{len(self.msgs)}"
        self.msgs.append(Message(role="assistant", content="step", tool_calls=[
            ToolCall(id=cid, function=FunctionCall(name=name, arguments=json.dumps(args)))]))
        out = getattr(self.tools, name)(**args)
        self.msgs.append(Message(role="tool", content=json.dumps(out), tool_call_id=cid, name=name))
        return self

    def say(self, text, role="assistant"):
        self.msgs.append(Message(role=role, content=text))
        return self

    def row(self, **meta):
        return Trajectory(pipeline="research", task_id="t", messages=self.msgs, meta=meta)


def check(verifier, t):
    v = verifier.verify(t)
    return v.passed, v.reason


CLOSED = {"mode": "closed", "chain": ["spawn.2", "reap.2"], "fact": "header"}


def test_closed_gold_passes_and_each_cheat_fails(lib):
    lf = lambda meta: lib  # noqa: E731
    good = (Row(lib).call("search", query="start a new process").call("open", doc_id="spawn.2")
            .call("search", query="collect the exit status").call("open", doc_id="reap.2")
            .say("Found.\n<answer>proc.h</answer>").row(**CLOSED))
    for v in (V.CallsVerifier(lf), V.AnswerVerifier(lf), V.EvidenceVerifier(lf, 0.5)):
        assert check(v, good) == (True, ""), v.name
    two = Row(lib).call("search", query="exit status").call("open", doc_id="reap.2") \
        .say("<answer>proc.h</answer> or <answer>stream.h</answer>").row(**CLOSED)
    assert check(V.AnswerVerifier(lf), two) == (False, "several_answers")
    early = Row(lib).say("It is proc.h, I think.").call("search", query="exit status") \
        .call("open", doc_id="reap.2").say("<answer>proc.h</answer>").row(**CLOSED)
    assert check(V.EvidenceVerifier(lf, 0.5), early) == (False, "answer_before_evidence")
    unread = Row(lib).call("search", query="exit status").say("<answer>proc.h</answer>").row(**CLOSED)
    assert check(V.EvidenceVerifier(lf, 0.5), unread)[0] is False
    guessed = Row(lib).call("search", query="timers").call("open", doc_id="reap.2") \
        .say("<answer>proc.h</answer>").row(**CLOSED)
    assert check(V.CallsVerifier(lf), guessed) == (False, "ungrounded_id:reap.2")


def test_open_cheats(lib):
    lf = lambda meta: lib  # noqa: E731
    base = Row(lib).call("search", query="byte channel buffer").call("open", doc_id="channel_model.7")
    sent = "A channel holds a bounded buffer; writes up to an atomic size are never interleaved"
    notes, check_msg = f"1. {sent} [channel_model.7]\n2. Readers block [channel_model.7]", "1. supported — quote"
    row = (base.say("First think: x", "user").say(notes).say("Second think: y", "user").say(check_msg)
           .say("Now write the report", "user")
           .say(f"{sent} [channel_model.7]. The buffer never grows beyond its fixed capacity.")
           .row(mode="open"))
    assert check(V.CitationVerifier(lf, 0.5), row) == (False, "uncited_claim")
    assert check(V.ThinkTwiceVerifier(), row) == (False, "unchecked_claim:2")
    off = row.model_copy(update={"messages": row.messages[:-1] + [Message(
        role="assistant", content="Network endpoints resend lost datagrams quickly [channel_model.7].")]})
    assert check(V.CitationVerifier(lf, 0.5), off)[1].startswith("unsupported:")
    ok = row.model_copy(update={"messages": row.messages[:-1] + [Message(role="assistant", content=f"{sent} "
                                                                         "[channel_model.7].")]})
    assert check(V.CitationVerifier(lf, 0.5), ok) == (True, "")


def test_reverse_recall_counts_only_what_was_retrieved(lib):
    lf = lambda meta: lib  # noqa: E731
    src = lib.docs["shell_run.1"]
    r = Row(lib, "--- masked text ---", frozenset({src.id}))
    for d in src.links[:2]:
        r.call("search", query=lib.docs[d].summary).call("open", doc_id=d)
    listed = ", ".join(src.links)  # naming the rest without retrieving them does not count
    t = r.say(f"A page about how shells run commands and connect stages.\n<sources>{listed}</sources>") \
        .row(mode="reverse", source=src.id)
    v = V.RecallVerifier(lf, 0.9).verify(t)
    seen = set(ev.read(t).seen)
    assert len(set(src.links) - seen) >= 1  # some cited documents never showed up in a search
    want = len(set(src.links[:2]) | (set(src.links) & seen)) / len(src.links)
    assert not v.passed and v.score == pytest.approx(want) and v.score < 1
    assert check(V.CallsVerifier(lf), t)[0] is False  # listing unseen ids is ungrounded


def test_observations_are_replayed_against_the_corpus(lib):
    from pipelines.research.replay import ReplayVerifier

    lf = lambda meta: lib  # noqa: E731
    v = ReplayVerifier(lf, 1500)
    good = (Row(lib).call("search", query="start a new process").call("open", doc_id="spawn.2")
            .call("find", doc_id="reap.2", pattern="status").say("<answer>proc.h</answer>").row(**CLOSED))
    assert v.verify(good).passed and v.verify(good).score == 3.0
    # a made-up search result listing the answer's document, and a made-up page stating the answer
    for i, forge in ((3, lambda d: {**d, "results": [{"id": "reap.2", "title": "t", "snippet": "header proc.h"}]}),
                     (5, lambda d: {**d, "text": "The header is proc.h."})):
        msgs = list(good.messages)
        msgs[i] = msgs[i].model_copy(update={"content": json.dumps(forge(json.loads(msgs[i].content)))})
        bad = good.model_copy(update={"messages": msgs})
        assert check(v, bad) == (False, f"result_not_from_corpus:{'search' if i == 3 else 'open'}")
    # a closed task's perturbation plan is part of the replay: the same row under another plan differs
    planned = Row(lib)
    planned.tools.plan = __import__("pipelines.research.perturb", fromlist=["x"]).Perturbation(distractors=["reap.2"])
    row = planned.call("search", query="start a new process").say("<answer>x</answer>").row(
        **CLOSED, perturbation={"distractors": ["reap.2"]})
    assert v.verify(row).passed
    assert not v.verify(row.model_copy(update={"meta": {**row.meta, "perturbation": {}}})).passed
