"""Research figures per built-in corpus: build (fetch + parse) time, index build time and size for
tantivy and SQLite FTS5 side by side, query p50/p95 over 300 document descriptions, the share of
link hops findable in the top 10 by the target's description, and closed-task synthesis."""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path
from typing import Any

from pipelines.research import synth
from pipelines.research.corpora import documents
from pipelines.research.corpora.library import Library
from pipelines.research.index import fts5_index, tantivy_index
from pipelines.research.perturb import PerturbOptions
from pipelines.research.tasks import Options, build_tasks

CORPORA = ("manpages", "foldoc", "pydoc")
QUERIES = 300


def _size_mb(p: Path) -> float:
    files = [p] if p.is_file() else list(p.rglob("*"))
    return round(sum(f.stat().st_size for f in files if f.is_file()) / 1e6, 1)


def _pct(xs: list[float], q: float) -> float:
    return round(sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000, 2)


def _engine(lib: Library, engine: str, docs: list[documents.Document], queries: list[documents.Document],
            hops: list[tuple[str, str]]) -> dict[str, Any]:
    tmp = lib.dir / f".bench-{engine}"
    shutil.rmtree(tmp, ignore_errors=True)
    t0 = time.perf_counter()
    (tantivy_index if engine == "tantivy" else fts5_index).build(docs, tmp)
    build_s = time.perf_counter() - t0
    index = tantivy_index.TantivyIndex(tmp) if engine == "tantivy" else fts5_index.Fts5Index(tmp)
    lat = []
    for d in queries:
        t0 = time.perf_counter()
        index.search(d.summary, 10)
        lat.append(time.perf_counter() - t0)
    found = sum(any(h.id == dst for h in index.search(lib.docs[dst].summary, 10)) for _, dst in hops)
    index.close()
    out = {"build_s": round(build_s, 2), "size_mb": _size_mb(tmp), "query_p50_ms": _pct(lat, 0.5),
           "query_p95_ms": _pct(lat, 0.95), "hops_top10": round(found / max(1, len(hops)), 3)}
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def one(corpus: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    lib = Library(corpus, "tantivy")
    first_s = time.perf_counter() - t0
    docs = list(lib.docs.values())
    rng = random.Random(0)
    described = [d for d in docs if d.summary]
    queries = rng.sample(described, min(QUERIES, len(described)))
    edges = sorted((d.id, x) for d in docs for x in d.links if lib.docs[x].summary)
    hops = rng.sample(edges, min(QUERIES, len(edges)))
    res: dict[str, Any] = {"documents": len(docs), "links": sum(len(d.links) for d in docs),
                           "built_s": lib.meta["build_seconds"], "this_call_s": round(first_s, 1),
                           "packages": lib.meta.get("packages"),
                           "mb_text": round(sum(len(d.text) for d in docs) / 1e6, 1)}
    res["engines"] = {e: _engine(lib, e, docs, queries, hops) for e in ("tantivy", "fts5")}
    ctx = synth.Context(lib, None, 10)
    for hops_n in (2, 3, 4):
        t0 = time.perf_counter()
        ok = sum(synth.closed(random.Random(i), ctx, hops_n, PerturbOptions()) is not None for i in range(100))
        res[f"closed_{hops_n}_hop_keep_rate"] = ok / 100
        res[f"closed_{hops_n}_hop_draws_per_s"] = round(100 / (time.perf_counter() - t0), 1)
    t0 = time.perf_counter()
    tasks = build_tasks(lib, Options(corpus=corpus, tasks=50, hops={2: 0.4, 3: 0.4, 4: 0.2}), 0, "research")
    res["tasks_per_s"] = round(len(tasks) / (time.perf_counter() - t0), 1)
    res["fact_kinds"] = dict(sorted({k: sum(k in d.facts for d in docs) for d in docs for k in d.facts}.items()))
    lib.close()
    return res


def run() -> dict[str, Any]:
    return {c: one(c) for c in CORPORA}


def table_rows(res: dict[str, Any]) -> list[list[str]]:
    rows = []
    for c, x in res.items():
        for e, v in x["engines"].items():
            rows.append([f"{c} ({x['documents']:,} docs, {x['mb_text']} MB)", e, f"{v['build_s']:.1f}",
                         f"{v['size_mb']}",
                         f"{v['query_p50_ms']} / {v['query_p95_ms']}", f"{v['hops_top10']:.0%}"])
    return rows


