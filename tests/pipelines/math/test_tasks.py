"""Tasks: spread over the roots, replayable by seed, and the user's own problems."""

import json
from collections import Counter

import pytest

from factory.errors import UserError
from pipelines.math.catalogue import select, shipped_catalogue
from pipelines.math.tasks import GENERATORS, Options, load_tasks

CAT = shipped_catalogue()


def test_default_covers_three_roots_and_replays_by_seed():
    tasks = load_tasks(Options(), CAT, 7)
    assert len(tasks) == 24
    roots = Counter(t.payload["root"] for t in tasks)
    assert set(roots) == set(CAT.roots)
    # interleaved, so --limit 3 still sees every root
    assert {t.payload["root"] for t in tasks[:3]} == set(CAT.roots)
    again = load_tasks(Options(), CAT, 7)
    assert [(t.id, t.seed, t.payload) for t in tasks] == [(t.id, t.seed, t.payload) for t in again]
    other = load_tasks(Options(), CAT, 8)
    assert {t.id for t in other} != {t.id for t in tasks}
    for t in tasks:
        a = CAT.by_id()[t.payload["ability"]]
        assert a.difficulty[0] <= t.payload["difficulty"] <= a.difficulty[1]
        assert t.payload["answer"] and t.payload["module"] == a.module


@pytest.mark.parametrize("sel", [{}, {"categories": ["calculus", "probability"], "weights": {"calculus": 4}}])
def test_asking_for_more_problems_only_appends(sel):
    """--add raises generated_problems: every shorter stream is a prefix of a longer one, and every
    prefix splits its length over the roots (or categories) by weight."""
    longest = load_tasks(Options(generated_problems=90, **sel), CAT, 3)
    for n in (2, 24, 89):
        assert [t.id for t in load_tasks(Options(generated_problems=n, **sel), CAT, 3)] == [t.id for t in longest[:n]]
    got = Counter(t.payload["root"] for t in longest)
    weights: Counter = Counter()
    for ability, w in select(CAT, Options(**sel)).items():
        if ability in GENERATORS:
            weights[CAT.by_id()[ability].root] += w
    assert set(got) == set(weights)
    for r, n in got.items():  # each root's share within one problem of its weight's
        assert abs(n - 90 * weights[r] / sum(weights.values())) <= 1.0, (r, n, dict(weights))


def test_weights_and_difficulty_filter():
    opts = Options(categories=["calculus", "probability"], weights={"calculus": 4}, difficulty=[3], generated_problems=20)
    tasks = load_tasks(opts, CAT, 1)
    cats = Counter(t.payload["category"] for t in tasks)
    assert set(cats) == {"calculus", "probability"} and cats["calculus"] > cats["probability"]
    assert {t.payload["difficulty"] for t in tasks} == {3}


def test_user_problems(tmp_path):
    f = tmp_path / "mine.jsonl"
    rows = [{"question": "What is 2+2?", "answer": 4},
            {"question": "Prove that 1 = 1 and give the value of 1.", "answer": "1",
             "ability": "reasoning.theorems.geometric_proof", "difficulty": 2}]
    f.write_text("\n".join(json.dumps(r) for r in rows))
    tasks = load_tasks(Options(problems=str(f), generated_problems=0), CAT, 0)
    assert [t.payload["ability"] for t in tasks] == ["unlabelled", "reasoning.theorems.geometric_proof"]
    assert tasks[1].payload["root"] == "complex_reasoning_and_application" and tasks[1].payload["source"] == "user"
    both = load_tasks(Options(problems=str(f), generated_problems=3), CAT, 0)
    assert len(both) == 5


@pytest.mark.parametrize("row, msg", [
    ({"question": "x?"}, "row 1: expected field 'answer'"),
    ({"answer": "1"}, "row 1: expected a non-empty string field 'question'"),
    ({"question": "x?", "answer": 1, "ability": "basic.nope"}, "row 1: unknown ability 'basic.nope'"),
    ({"question": "x?", "answer": 1, "difficulty": 9}, "row 1: 'difficulty' should be an integer 1-5"),
])
def test_user_problem_errors(tmp_path, row, msg):
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps(row))
    with pytest.raises(UserError, match=msg):
        load_tasks(Options(problems=str(f)), CAT, 0)


def test_only_user_file_abilities_without_a_file():
    with pytest.raises(UserError, match="pipeline_options.problems is not set"):
        load_tasks(Options(abilities=["meta.strategy.choose_method"]), CAT, 0)


def test_a_request_is_met_with_distinct_problems_or_the_shortfall_is_said(caplog):
    # polygon_angles at difficulty 1 has 4 distinct problems (a regular 5- to 8-gon)
    opts = Options(abilities=["basic.geometry.polygon_angles"], difficulty=[1], generated_problems=4)
    tasks = load_tasks(opts, CAT, 0)
    assert len(tasks) == 4 and len({t.payload["question"] for t in tasks}) == 4  # redrawn, not repeated
    with caplog.at_level("WARNING", logger="pipelines.math.tasks"):
        tasks = load_tasks(opts.model_copy(update={"generated_problems": 9}), CAT, 0)
    assert len(tasks) == 4
    assert "5 of the 9 generated problems asked for could not be made distinct" in caplog.text


def test_every_problem_carries_its_answer_form():
    tasks = load_tasks(Options(generated_problems=60), CAT, 3)
    assert all(t.payload["form"] for t in tasks)
    assert {t.payload["form"] for t in tasks} >= {"integer", "rational"}
