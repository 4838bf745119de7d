"""Filters and sampling over a run's rows, as DuckDB SQL over the committed Parquet shards."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import duckdb

from factory.errors import UserError
from factory.inspect.reader import Run

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Filters:
    outcome: str | None = None
    side: str | None = None
    verifier_failed: str | None = None
    reason: str | None = None
    meta: list[str] = field(default_factory=list)  # KEY=VALUE
    text: str | None = None
    id: str | None = None
    where: str | None = None


def meta_keys(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT DISTINCT unnest(json_keys(meta)) FROM rows").fetchall()
    return {r[0] for r in rows}


def where_clause(f: Filters, con: duckdb.DuckDBPyConnection) -> tuple[str, list[Any]]:
    conds, params = ["TRUE"], []
    if f.outcome:
        conds.append("outcome = ?"), params.append(f.outcome)
    if f.side:
        if f.side not in ("accepted", "rejected"):
            raise UserError(f"--side: expected accepted or rejected, got '{f.side}'")
        conds.append("side = ?"), params.append(f.side)
    if f.verifier_failed:
        conds.append("len(list_filter(verdicts, lambda v: v.verifier = ? AND NOT v.passed)) > 0")
        params.append(f.verifier_failed)
    if f.reason:
        conds.append("starts_with(reject_reason, ?)"), params.append(f.reason)
    if f.id:
        conds.append("starts_with(id, ?)"), params.append(f.id)
    if f.text:
        conds.append("array_to_string(list_transform(messages, lambda m: m.content), ' ') ILIKE ?")
        params.append(f"%{f.text}%")
    known = meta_keys(con) if f.meta else set()
    for item in f.meta:
        key, sep, value = item.partition("=")
        if not sep or not _KEY.match(key):
            raise UserError(f"--meta: expected KEY=VALUE, got '{item}'")
        if key not in known:
            raise UserError(f"--meta: unknown key '{key}'; keys in this run: {', '.join(sorted(known)) or '(none)'}")
        conds.append(f"json_extract_string(meta, '$.{key}') = ?"), params.append(value)
    if f.where:
        conds.append(f"({f.where})")
    return " AND ".join(conds), params


def select(run: Run, f: Filters, columns: str = "*") -> list[dict[str, Any]]:
    con = run.con()
    sql, params = where_clause(f, con)
    try:
        cur = con.execute(f"SELECT {columns} FROM rows WHERE {sql} ORDER BY side, task_id, id", params)
    except duckdb.Error as e:
        raise UserError(f"--where: {str(e).splitlines()[0]}") from None
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def sample(rows: list[dict[str, Any]], n: int, how: str, seed: int, by: str = "stratum") -> list[dict[str, Any]]:
    """`first` keeps order; `random` is a seeded shuffle; `stratified` takes round-robin from each
    stratum (side + reason group by default), so rare failure kinds are seen too."""
    if how == "first":
        return rows[:n]
    rng = random.Random(seed)
    if how == "random":
        return rng.sample(rows, min(n, len(rows)))
    if how != "stratified":
        raise UserError(f"--sample: expected first, random or stratified, got '{how}'")
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r.get(by)].append(r)
    for g in groups.values():
        rng.shuffle(g)
    order = sorted(groups, key=str)
    out: list[dict[str, Any]] = []
    while len(out) < n and any(groups.values()):
        for k in order:
            if groups[k] and len(out) < n:
                out.append(groups[k].pop())
    return out


STRATUM_SQL = "side || ':' || coalesce(regexp_extract(reject_reason, '^([^:]*(:[^:]*)?)', 1), '')"
