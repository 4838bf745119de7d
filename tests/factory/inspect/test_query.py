import pytest

from factory.errors import UserError
from factory.inspect.query import STRATUM_SQL, Filters, sample, select
from factory.inspect.reader import open_run


def test_filters(run_dir):
    r = open_run(run_dir)
    everything = select(r, Filters())
    assert len(everything) == r.manifest.commits[0].counters["rows"] + sum(
        c.counters["rows"] for c in r.manifest.commits[1:])
    rejected = select(r, Filters(side="rejected"))
    assert rejected and all(x["side"] == "rejected" for x in rejected)
    wrong = select(r, Filters(reason="answer:"))
    assert wrong and all(x["reject_reason"].startswith("answer:") for x in wrong)
    assert len(wrong) < len(everything)  # the filter filters
    assert select(r, Filters(verifier_failed="answer")) == wrong
    nt = select(r, Filters(meta=["variant=non_thinking"]))
    assert nt and all('"non_thinking"' in x["meta"] for x in nt)
    one = everything[3]
    assert [x["id"] for x in select(r, Filters(id=one["id"][:10]))] == [one["id"]]
    hits = select(r, Filters(text="MULTIPLIED"))
    assert hits and len(hits) < len(everything)
    assert all("multiplied" in str(x["messages"]).lower() for x in hits)
    accepted = select(r, Filters(side="accepted"))
    assert accepted and select(r, Filters(where="side = 'accepted' AND outcome = 'success'")) == accepted


def test_bad_filters_are_one_line_errors(run_dir):
    r = open_run(run_dir)
    with pytest.raises(UserError, match="unknown key 'nope'; keys in this run: .*variant"):
        select(r, Filters(meta=["nope=1"]))
    with pytest.raises(UserError, match="expected KEY=VALUE"):
        select(r, Filters(meta=["variant"]))
    with pytest.raises(UserError, match="--where: "):
        select(r, Filters(where="no_such_column = 1"))


def test_sampling_is_seeded_and_stratified_covers_every_stratum(run_dir):
    r = open_run(run_dir)
    rows = select(r, Filters(), f"*, {STRATUM_SQL} AS stratum")
    a, b = sample(rows, 5, "random", 1), sample(rows, 5, "random", 1)
    assert [x["id"] for x in a] == [x["id"] for x in b] != [x["id"] for x in sample(rows, 5, "random", 2)]
    strata = {x["stratum"] for x in rows}
    picked = sample(rows, len(strata), "stratified", 0)
    assert {x["stratum"] for x in picked} == strata
