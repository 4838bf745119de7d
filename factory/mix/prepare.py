"""The candidates of a mix, before sampling: selected rows of every source, with duplicates across
sources (content only: the dedup text leaves ids, runs and system prompts out) and benchmark
overlaps removed, the thinking knob applied, and each row's tokens counted in the form the student
will see (rendered with its chat template)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from factory.config import DedupConfig
from factory.errors import UserError
from factory.export import thinking
from factory.export.templates import ChatTemplate
from factory.mix.sources import Pool, selected
from factory.mix.spec import MixSpec
from factory.records import SCHEMA, decode_meta, encode_meta, from_row


@dataclass
class Candidates:
    rows: list[dict[str, Any]] = field(default_factory=list)  # stored-schema rows
    tokens: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # the rendered training strings
    counts: Counter = field(default_factory=Counter)  # read, selected, duplicates, contaminated, non_thinking

    @property
    def total(self) -> int:
        return sum(self.tokens)


def order_key(*parts: object) -> str:
    """A seeded, platform-independent order (Python's hash() is salted per process)."""
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).hexdigest()


def _non_thinking(rows: list[dict[str, Any]], share: float | None, seed: int, name: str) -> int:
    """Give `share` of the rows with thinking without it (the first of a seeded order); flag every
    row with thinking by the form it has. Returns how many lost their thinking."""
    if share is None:
        return 0
    with_thought = sorted((r for r in rows if thinking.has_thinking(r["messages"])),
                          key=lambda r: order_key(seed, name, "thinking", r["id"]))
    cut = round(share * len(with_thought))
    for i, r in enumerate(with_thought):
        off = i < cut
        if off:
            r["messages"] = [{**m, "reasoning_content": None} for m in r["messages"]]
        r["meta"] = encode_meta({**decode_meta(r["meta"]), "thinking": not off})
    return cut


def prepare(spec: MixSpec, pools: list[Pool], template: ChatTemplate) -> dict[str, Candidates]:
    from factory.dedup.contamination import Contamination, task_text
    from factory.dedup.index import DEDUP_KEY, DedupIndex, dedup_text

    dcfg = DedupConfig(threshold=spec.dedup_threshold)
    index = DedupIndex(dcfg) if spec.dedup else None
    bench = Contamination(spec.decontaminate, spec.contamination_ngram) if spec.decontaminate else None
    kept_ids: set[str] = set()
    out: dict[str, Candidates] = {}
    for pool in pools:
        name = pool.source.name
        c = out[name] = Candidates()
        rows = pool.table.filter(pa.array(selected(pool), pa.bool_())).to_pylist()
        c.counts.update(read=pool.table.num_rows, selected=len(rows))
        kept = []
        for r in rows:
            t = from_row(r)
            key = f"{name}/{r['id']}"
            # The non-thinking twin `factory export --thinking both` made is a deliberate second face of a
            # kept row (its text is the same but for the thinking), not a duplicate.
            twin = r["id"].endswith("-nt") and f"{name}/{r['id'][:-3]}" in kept_ids
            if index is not None and not twin:
                own = t.meta.get(DEDUP_KEY)
                dup = (index.check_key(key, own) if own else None) or index.check(key, dedup_text(t, dcfg.roles))
                if dup is not None:
                    c.counts["duplicates"] += 1
                    c.counts[f"duplicates_of:{dup.split('/', 1)[0]}"] += 1
                    continue
            if bench is not None and bench.check(task_text(t)):
                c.counts["contaminated"] += 1
                continue
            kept_ids.add(key)
            kept.append(r)
        c.counts["non_thinking"] = _non_thinking(kept, spec.non_thinking_share, spec.seed, name)
        for r in kept:
            try:
                text = template.render_row(r)
            except UserError as e:
                raise UserError(f"{name}: {e}") from None
            c.rows.append(r)
            c.texts.append(text)
            c.tokens.append(template.tokens(text))
    return out


def table_of(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMA)
