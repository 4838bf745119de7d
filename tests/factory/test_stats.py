"""Counters per commit, their sum over a run, pass@k from the pipeline's attempt key."""

from __future__ import annotations

import pytest

from factory.manifest import Commit, Manifest
from factory.stats import counters_for, merge, pass_rates, reason_key, run_stats
from factory.trajectory import Message, Trajectory, Usage


def t(task: str, attempt: int | None, solved: bool, reason: str | None = None, **meta) -> Trajectory:
    m = {**meta, **({"try": attempt} if attempt is not None else {})}
    return Trajectory(pipeline="p", task_id=task, messages=[Message(role="user", content="q")], meta=m,
                      outcome="success" if solved else "failure", reject_reason=reason)


def test_reason_key_drops_details():
    assert reason_key("length:too_long:900>800") == "length:too_long"
    assert reason_key("duplicate_of:abc") == "duplicate_of"
    assert reason_key("answer") == "answer"


def test_counters_use_declared_keys_and_attempt_key():
    rows = [t("a", 0, True, level=1), t("a", 1, False, "answer:wrong", level=1), t("b", 0, False, "answer:wrong", level=2),
            t("b", 1, False, "duplicate_of:x", level=2), t("c", None, True, level=3)]
    c = counters_for(rows, ["level"], "try")
    assert (c["rows"], c["accepted"], c["rejected"], c["duplicates"]) == (5, 2, 3, 1)
    assert c["reasons"] == {"answer:wrong": 2, "duplicate_of": 1}
    assert c["keys"]["level=1"] == {"accepted": 1, "rejected": 1, "solved": 1}
    # c has no attempt key: not an attempt; a solved 1 of 2, b 0 of 2
    assert c["pass_at_k"] == {"tasks": 2, "pass@1_sum": 0.5, "pass@k_sum": 1, "attempts": 4}
    assert "pass_at_k" not in counters_for(rows, ["level"])  # no attempt key declared: no pass@k
    assert counters_for(rows, [])["keys"] == {}


def test_run_stats_sum_commits_and_rates():
    c1 = counters_for([t("a", 0, True), t("a", 1, False, "r:x")], [], "try")
    c2 = counters_for([t("b", 0, False, "r:x"), t("b", 1, False, "r:y")], [], "try")
    c1["elapsed_s"], c2["elapsed_s"] = 2.0, 3.0
    commits = [Commit(seq=i, accepted=None, rejected=None, chunk_ids=[f"c{i}"], task_ids=[f"t{i}"],
                      usage=Usage(completion_tokens=50), counters=c, committed_at=0.0) for i, c in enumerate((c1, c2))]
    s = run_stats(Manifest(run_id="r", pipeline="p", config_sha256="x", commits=commits))
    assert (s["tasks"], s["rows"], s["accepted"], s["rejected"]) == (2, 4, 1, 3)
    assert s["reasons"] == {"r:x": 2, "r:y": 1} and s["elapsed_s"] == 5.0
    assert s["completion_tokens_per_s"] == pytest.approx(100 / 5)
    rates = pass_rates(s)
    assert rates == {"tasks": 2, "k": 2, "pass@1": 0.25, "pass@2": 0.5}
    assert merge({"a": {"b": 1}, "s": "x"}, {"a": {"b": 2, "c": 1}, "s": "y"}) == {"a": {"b": 3, "c": 1}, "s": "y"}


def test_teacher_busy_share_takes_the_busiest_worker_per_session():
    """Two workers on one engine in session s1 (their busy times overlap: the busiest counts), one in
    s2; prefix-cache hits over all prompt tokens. A run without meters has no `teacher` entry."""
    def commit(i, session, elapsed, busy, prompt, cached):
        c = {"elapsed_s": elapsed, "teacher": {"busy_s": busy, "requests": 1, "prompt_tokens": prompt,
                                               "cached_tokens": cached}}
        return Commit(seq=i, accepted=None, rejected=None, chunk_ids=[], task_ids=[], usage=Usage(), counters=c,
                      committed_at=0.0, session=session)
    commits = [commit(0, "s1", 4.0, {"w1": 3.0, "w2": 1.0}, 100, 30), commit(1, "s1", 4.0, {"w1": 2.0, "w2": 3.5}, 100, 10),
               commit(2, "s2", 2.0, {"w3": 1.0}, 200, 160)]
    s = run_stats(Manifest(run_id="r", pipeline="p", config_sha256="x", commits=commits))
    assert s["teacher"] == {"busy_share": round((5.0 + 1.0) / 10.0, 3), "prefix_cache_hit_rate": 0.5, "requests": 3,
                            "prompt_tokens": 400, "cached_tokens": 200, "workers_metered": 3}
    assert "teacher" not in run_stats(Manifest(run_id="r", pipeline="p", config_sha256="x", commits=[]))
