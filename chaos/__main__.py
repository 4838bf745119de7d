"""`make chaos` (python -m chaos): every fault, several seeded trials each, against the embedded
model behind vLLM's OpenAI server; prints a table and writes chaos/results/<date>-<host>.json.
`python -m chaos --short` is the quick variant; `--faults a,b` picks faults; `--teacher URL` uses
a server you started (the server_restart fault is then skipped: it cannot restart yours)."""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from chaos.faults import FAULTS, Context
from chaos.harness import Failed, Scenario, Trial
from chaos.teachers import Server, embedded_server

RESULTS = Path(__file__).resolve().parent / "results"
# Trials per fault in a full run (driver kills at ≥ 10 moments); the engine-actor fault reloads the
# model twice per trial, so it gets fewer.
FULL = {"driver_kill": 10, "group_kill": 3, "worker_kill": 3, "teacher_actor_kill": 2, "server_restart": 3,
        "disk_full": 3, "shard_damage": 6, "manifest_garble": 3}
SHORT = {"driver_kill": 1, "group_kill": 1, "disk_full": 1, "shard_damage": 1, "manifest_garble": 1,
         "server_restart": 1}


class _Fixed:
    """A server someone else runs: usable, never restarted."""

    def __init__(self, url: str):
        self.base_url = url

    def start(self) -> None:
        raise Failed("cannot restart a server this harness did not start")

    def kill(self) -> None:
        raise Failed("cannot kill a server this harness did not start")


def baseline(scenario: Scenario, workdir: Path, warm_up: bool = True) -> tuple[float, float, int]:
    """A clean run after a warm-up run: its wall time, when its first commit landed, its directory's
    size. A server's first requests are slower than the rest, and kill moments drawn from a cold run's
    time fall after the end of warm runs."""
    if warm_up:
        _clean_run(scenario, workdir, "warm-up")
    return _clean_run(scenario, workdir, "baseline")


def _clean_run(scenario: Scenario, workdir: Path, name: str) -> tuple[float, float, int]:
    t = Trial(scenario, workdir, name)
    t0 = time.monotonic()
    p = t.run()
    t.wait_commits(p, 1, timeout=1800)
    first = time.monotonic() - t0
    code, err = t.finish(p)
    if code != 0:
        raise SystemExit(f"the clean {name} run failed (exit {code}): {err.strip().splitlines()[-1:]}")
    t.check(complete=True)
    took = time.monotonic() - t0
    size = sum(p.stat().st_size for p in t.run_dir.rglob("*") if p.is_file())
    t.cleanup()
    return took, first, size


def run_faults(scenario: Scenario, server: Server, plan: dict[str, int], seed: int, workdir: Path,
               console: Console | None = None, warm_up: bool = True) -> dict[str, Any]:
    base_s, first_s, base_bytes = baseline(scenario, workdir, warm_up)
    ctx = Context(server, base_s, first_s, base_bytes)
    rows: dict[str, Any] = {}
    for name, trials in plan.items():
        outcomes = []
        for i in range(trials):
            rng = random.Random(f"{seed}:{name}:{i}")
            scen = scenario
            if name == "teacher_actor_kill":  # the engine in a Ray actor instead of the server
                scen = Scenario(**{**scenario.__dict__, "teacher": {"backend": "embedded"}})
            t = Trial(scen, workdir, f"{name}-{i}")
            t0 = time.monotonic()
            try:
                what, injected = FAULTS[name](t, rng, ctx)
                left = t.leftovers()
                if left:
                    raise Failed(f"left behind: {'; '.join(left[:3])}")
                outcomes.append({"survived": True, "recover_s": round(time.monotonic() - injected, 2), "what": what})
            except Failed as e:
                outcomes.append({"survived": False, "why": str(e), "seconds": round(time.monotonic() - t0, 2)})
            finally:
                t.cleanup()
            if console:
                o = outcomes[-1]
                console.print(f"  {name} #{i}: " + (f"survived, recovered in {o['recover_s']} s ({o['what']})"
                                                    if o["survived"] else f"[red]FAILED[/red]: {o['why']}"))
        rec = [o["recover_s"] for o in outcomes if o["survived"]]
        rows[name] = {"trials": trials, "survived": len(rec), "outcomes": outcomes,
                      "recover_s": ({"median": statistics.median(rec), "min": min(rec), "max": max(rec)} if rec else None)}
    return {"baseline_s": round(base_s, 2), "first_commit_s": round(first_s, 2), "baseline_bytes": base_bytes,
            "faults": rows}


def table(res: dict[str, Any]) -> Table:
    t = Table("fault", "trials", "survived", "seconds to recover (median [min–max])", "first failure",
              title=f"chaos: {res['scenario']}; a clean run takes {res['baseline_s']} s")
    for name, r in res["faults"].items():
        s = r["recover_s"]
        fail = next((o["why"] for o in r["outcomes"] if not o["survived"]), "")
        t.add_row(name, str(r["trials"]), str(r["survived"]),
                  f"{s['median']:.1f} [{s['min']:.1f}–{s['max']:.1f}]" if s else "-", fail[:80])
    return t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.split("\n\n")[0])
    ap.add_argument("--short", action="store_true", help="fewer trials, no engine-actor fault")
    ap.add_argument("--faults", help=f"comma-separated subset of {', '.join(FAULTS)}")
    ap.add_argument("--trials", type=int, help="trials per fault (default: per fault, see FULL)")
    ap.add_argument("--plan", help="trials per fault, e.g. driver_kill=3,disk_full=1 (overrides the others)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tasks", type=int, default=12)
    ap.add_argument("--executor", choices=["ray", "inline"], default="ray")
    ap.add_argument("--teacher", help="base URL of an OpenAI-compatible server to use instead of starting one")
    ap.add_argument("--hostile", type=int, default=None, help="mutated-input cases per CLI entry point "
                    "(default 200, --short 30; 0 skips)")
    ap.add_argument("--only-hostile", action="store_true", help="run the hostile-input cases only (no model needed)")
    a = ap.parse_args(argv)
    plan = dict(SHORT if a.short else FULL)
    if a.faults:
        unknown = set(a.faults.split(",")) - set(FAULTS)
        if unknown:
            ap.error(f"--faults: unknown {', '.join(sorted(unknown))}; expected some of {', '.join(FAULTS)}")
        plan = {f: plan.get(f, FULL[f]) for f in a.faults.split(",")}
    if a.trials:
        plan = {f: a.trials for f in plan}
    if a.plan:
        try:
            plan = {k: int(v) for k, v in (x.split("=") for x in a.plan.split(","))}
        except ValueError:
            ap.error("--plan: expected FAULT=N[,FAULT=N…]")
        if set(plan) - set(FAULTS):
            ap.error(f"--plan: unknown {', '.join(sorted(set(plan) - set(FAULTS)))}; expected some of {', '.join(FAULTS)}")
    if a.executor != "ray":
        plan.pop("worker_kill", None)
        plan.pop("teacher_actor_kill", None)
    console = Console()
    cases = a.hostile if a.hostile is not None else (30 if a.short else 200)
    hostile_res = run_hostile(cases, a.seed, console) if cases else None
    if a.only_hostile:
        return _finish({"hostile": hostile_res, "machine": _machine(), "seed": a.seed}, console)
    server: Server = _Fixed(a.teacher) if a.teacher else embedded_server()
    if a.teacher:
        plan.pop("server_restart", None)
    else:
        console.print("starting the embedded model behind vLLM's OpenAI server …")
        server.start()
    # Short turns: the faults, not the small model's prose, should take the time.
    scenario = Scenario(base_url=server.base_url, tasks=a.tasks, executor=a.executor,
                        pipeline_options={"reasoning_max_tokens": 96, "extract_max_tokens": 192})
    try:
        with tempfile.TemporaryDirectory(prefix="tf-chaos-") as d:
            res = run_faults(scenario, server, plan, a.seed, Path(d), console, warm_up=not a.teacher)
    finally:
        server.kill() if not a.teacher else None
    res.update(machine=_machine(), seed=a.seed, hostile=hostile_res,
               scenario=f"{scenario.pipeline}, {a.tasks} tasks, {a.executor} executor, "
                        f"{'embedded model via vLLM OpenAI server' if not a.teacher else a.teacher}")
    return _finish(res, console)


def _machine() -> dict[str, Any]:
    from bench.common import machine

    return machine()


def run_hostile(cases: int, seed: int, console: Console) -> dict[str, Any]:
    from chaos.hostile import TARGETS, run_target

    out = {}
    with tempfile.TemporaryDirectory(prefix="tf-hostile-") as d:
        for t in TARGETS:
            out[t.name] = run_target(t, cases, seed, Path(d))
            console.print(f"  hostile {t.name}: {cases} cases, {len(out[t.name]['failures'])} failed")
    return out


def hostile_table(res: dict[str, Any]) -> Table:
    t = Table("entry point", "cases", "still valid (exit 0)", "exit 2, one line", "failed", "first failure",
              title="hostile input: seeded mutations per entry point")
    for name, r in res.items():
        fail = r["failures"][0]["why"] if r["failures"] else ""
        t.add_row(name, str(r["cases"]), str(r["exit_0"]), str(r["exit_2_one_line"]), str(len(r["failures"])), fail[:60])
    return t


def _finish(res: dict[str, Any], console: Console) -> int:
    m = res["machine"]
    console.print(f"[bold]{m['cpu']}[/bold], {m['cores']} cores, {m['memory_mib']} MiB")
    ok = True
    if res.get("faults"):
        console.print(table(res))
        ok = all(r["survived"] == r["trials"] for r in res["faults"].values())
    if res.get("hostile"):
        console.print(hostile_table(res["hostile"]))
        ok = ok and all(not r["failures"] for r in res["hostile"].values())
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{date.today().isoformat()}-{platform.node()}.json"
    out.write_text(json.dumps(res, indent=1))
    console.print(f"written {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
