"""`factory export --thinking keep | drop | both`: what becomes of the teacher's thinking
(`reasoning_content` on assistant messages). `both` gives a thinking and a non-thinking row per
trajectory — the dual mode the method's SFT stage II trains — each flagged with `meta.thinking`,
and, in the `text` form, rendered with the template's own switch (`enable_thinking`, which Qwen3's
and its successors' templates read: the non-thinking row gets its empty think block)."""

from __future__ import annotations

import pyarrow as pa

from factory.records import SCHEMA, decode_meta, encode_meta

MODES = ("keep", "drop", "both")


def has_thinking(messages: list[dict]) -> bool:
    return any(m.get("reasoning_content") for m in messages)


def _without(messages: list[dict]) -> list[dict]:
    return [{**m, "reasoning_content": None} for m in messages]


def apply(table: pa.Table, mode: str) -> tuple[pa.Table, dict[str, int]]:
    """The rows for `mode`, and counts for the card (rows with thinking, rows made without it)."""
    rows = table.to_pylist()
    thinking = sum(has_thinking(r["messages"]) for r in rows)
    if mode == "keep":
        return table, {"with_thinking": thinking, "non_thinking_copies": 0}
    out = []
    for r in rows:
        had = has_thinking(r["messages"])
        if mode == "drop":
            out.append({**r, "messages": _without(r["messages"])})
            continue
        out.append({**r, "meta": _flag(r["meta"], True)} if had else r)
        if had:
            # Its own id: the same trajectory's non-thinking face (a split by trajectory keeps both together).
            out.append({**r, "id": f"{r['id']}-nt", "messages": _without(r["messages"]), "meta": _flag(r["meta"], False)})
    return pa.Table.from_pylist(out, schema=SCHEMA), {
        "with_thinking": thinking if mode == "both" else 0, "non_thinking_copies": thinking if mode == "both" else 0}


def _flag(meta: str | None, on: bool) -> str:
    return encode_meta({**decode_meta(meta), "thinking": on})


def thinking_of(meta: str | None) -> bool | None:
    """The row's mode as `both` flagged it (None: not flagged)."""
    value = decode_meta(meta).get("thinking")
    return value if isinstance(value, bool) else None


def describe(mode: str, counts: dict[str, int]) -> str:
    if mode == "keep":
        return (f"kept: {counts['with_thinking']} row(s) carry the teacher's thinking in `reasoning_content` on their "
                "assistant messages")
    if mode == "drop":
        return "dropped: no row carries the teacher's thinking"
    return (f"both: each of the {counts['with_thinking']} row(s) with thinking also comes without it (id suffix `-nt`); "
            "`meta.thinking` says which; the text form renders the non-thinking one with enable_thinking=false")

