"""The thinking knob: a set share of the rows with the teacher's thinking is given without it, the
rest flagged as thinking; rows without thinking are left as they are."""

from __future__ import annotations

import json

from factory.mix.prepare import _non_thinking


def _row(i: int, thought: bool) -> dict:
    return {"id": f"r{i}", "meta": "{}", "messages": [
        {"role": "user", "content": "q", "reasoning_content": None},
        {"role": "assistant", "content": "a", "reasoning_content": "hmm" if thought else None}]}


def test_a_share_of_the_thinking_rows_lose_their_thinking_seeded():
    rows = [_row(i, thought=i < 10) for i in range(14)]
    assert _non_thinking(rows, 0.3, 5, "s") == 3
    flags = [json.loads(r["meta"]).get("thinking") for r in rows]
    assert flags[:10].count(False) == 3 and flags[:10].count(True) == 7 and flags[10:] == [None] * 4
    for r, f in zip(rows, flags, strict=True):
        assert (r["messages"][1]["reasoning_content"] is None) == (f is not True)
    again = [_row(i, thought=i < 10) for i in range(14)]
    _non_thinking(again, 0.3, 5, "s")
    assert [r["meta"] for r in again] == [r["meta"] for r in rows]
    untouched = [_row(i, True) for i in range(3)]
    assert _non_thinking(untouched, None, 5, "s") == 0 and all(r["meta"] == "{}" for r in untouched)
