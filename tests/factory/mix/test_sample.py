"""Token targets, the seeded draw and the split by task, on made-up candidates."""

from __future__ import annotations

import pytest

from factory.mix import sample
from factory.mix.prepare import Candidates
from factory.mix.spec import MixSpec


def _cands(sizes: list[int], name: str) -> Candidates:
    rows = [{"id": f"{name}{i}", "run_id": name, "task_id": f"t{i // 2}"} for i in range(len(sizes))]
    return Candidates(rows=rows, tokens=list(sizes), texts=[""] * len(sizes))


def _spec(**over) -> MixSpec:
    return MixSpec.model_validate({"tokenizer": "embedded", "sources": [
        {"name": "a", "path": "a", "weight": 3}, {"name": "b", "path": "b", "weight": 1}], **over})


def test_with_no_budget_the_scarcest_source_sets_the_total():
    cands = {"a": _cands([100] * 30, "a"), "b": _cands([50] * 10, "b")}  # a: 3000 tokens, b: 500
    p = sample.plan(_spec(), cands)
    assert p.shares == {"a": 0.75, "b": 0.25} and p.total == pytest.approx(2000)
    assert p.targets["a"] == pytest.approx(1500) and p.targets["b"] == pytest.approx(500)
    assert len(sample.draw(cands["b"], p.targets["b"], None, 0, "b")) == 10  # all of the scarce one


@pytest.mark.parametrize("seed", range(5))
def test_a_draw_lands_within_half_its_largest_row_of_the_target(seed):
    sizes = [(i * 37) % 200 + 10 for i in range(80)]
    c = _cands(sizes, "a")
    taken = sample.draw(c, 2500, None, seed, "a")
    assert abs(sum(sizes[i] for i in taken) - 2500) <= max(sizes) / 2
    assert taken == sample.draw(c, 2500, None, seed, "a")  # seeded: the same draw again
    assert len(set(taken)) == len(taken)


def test_a_cap_is_never_exceeded():
    c = _cands([90, 120, 60, 300, 45, 80], "a")
    taken = sample.draw(c, 10_000, 200, 0, "a")
    assert 0 < sum(c.tokens[i] for i in taken) <= 200


def test_validation_takes_whole_tasks_and_leaves_train_something():
    groups = {f"r/t{i}" for i in range(40)}
    held = sample.validation_groups(groups, 0.1, 7)
    assert len(held) == 4 and held <= groups and held == sample.validation_groups(groups, 0.1, 7)
    assert sample.validation_groups({"r/t0", "r/t1"}, 0.4, 0) != {"r/t0", "r/t1"}  # one stays in train
    assert sample.validation_groups({"r/t0"}, 0.4, 0) == set() and sample.validation_groups(groups, 0, 0) == set()
    assert sample.group_of({"run_id": "r", "task_id": "t3"}) == "r/t3"
