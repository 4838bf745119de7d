"""The search environment on the fixture corpus: both engines rank a document first for its own
description and honour exclusions; teacher-written arguments cannot break out (query syntax, regex,
unknown or hidden ids); a perturbation plan replays exactly and does what it says."""

import json

import pytest

from factory.agent.tools import ToolFailed
from pipelines.research import perturb
from pipelines.research.corpora.library import Library
from pipelines.research.index.base import Hit
from pipelines.research.tools import ResearchTools
from tests.pipelines.research.conftest import CORPUS


@pytest.fixture(scope="module", params=["tantivy", "fts5"])
def lib(request):
    lib = Library(CORPUS, request.param)
    yield lib
    lib.close()


def test_each_document_is_found_by_its_description_and_exclusion_removes_it(lib):
    top1 = sum(lib.index.search(d.summary, 1)[0].id == d.id for d in lib.docs.values())
    assert top1 >= 0.9 * len(lib.docs)
    hits = lib.index.search("collect the exit status of a finished child", 5, frozenset({"reap.2"}))
    assert hits and "reap.2" not in {h.id for h in hits}
    assert "**" in lib.index.search("exit status", 1)[0].snippet


@pytest.mark.parametrize("query", ['title:"x" OR (', "a* AND NOT", "\\\\ \x00 ((((", "", "   "])
def test_hostile_queries_are_plain_terms(lib, query):
    assert isinstance(lib.index.search(query, 3), list)


def test_tools_refuse_unknown_and_hidden_ids_and_match_literally(lib):
    tools = ResearchTools(lib, page_chars=200, hidden=frozenset({"reap.2"}))
    with pytest.raises(ToolFailed):
        tools.open("../../etc/passwd")
    with pytest.raises(ToolFailed):
        tools.open("reap.2")
    assert "reap.2" not in {r["id"] for r in tools.search("finished child exit status", 10)["results"]}
    assert tools.find("spawn.2", "(.*)*$")["matches"] == []  # a regex is a literal string here
    page = tools.open("spawn.2")
    rest = tools.open("spawn.2", page["next_offset"])
    assert page["text"] + rest["text"] == lib.docs["spawn.2"].text[:len(page["text"]) + len(rest["text"])]


def test_perturbation_replays_and_demotes_injects_and_drops(lib):
    gold = ["timer_arm.2", "clock_read.2"]
    plan = perturb.Perturbation(demote=2, distractors=["file_copy.1"], drop_doc="clock_read.2", drop_query=0)
    runs = []
    for _ in range(2):
        tools = ResearchTools(lib, plan=plan, gold=frozenset(gold))
        runs.append([json.dumps(tools.search(q, 5)) for q in ("report the current reading of a system timer",
                                                              "report the current reading of a system timer")])
    assert runs[0] == runs[1]
    first, second = (json.loads(x)["results"] for x in runs[0])
    assert "clock_read.2" not in [r["id"] for r in first]  # dropped from query 0 only
    assert [r["id"] for r in second].index("clock_read.2") >= 2  # demoted
    assert "file_copy.1" in [r["id"] for r in first]  # injected


def test_perturb_apply_is_pure_and_moves_gold_down():
    hits = [Hit(f"d{i}", "", "", 1.0) for i in range(8)]
    plan = perturb.Perturbation(demote=2, distractors=["x"], drop_doc="d1", drop_query=1)
    a = perturb.apply(plan, {"d0", "d1"}, 1, hits, {"x": Hit("x", "", "", 0.0)}, 5)
    assert a == perturb.apply(plan, {"d0", "d1"}, 1, list(hits), {"x": Hit("x", "", "", 0.0)}, 5)
    ids = [h.id for h in a]
    assert len(ids) == 5 and "d1" not in ids and "x" in ids[:2] and ids.index("d0") == 2
    assert "d1" in [h.id for h in perturb.apply(plan, {"d0", "d1"}, 0, hits, {}, 5)]  # only query 1 drops it
