"""Per-run overhead of each sandbox backend against a bare subprocess: median (min/max) of many
sequential runs, and the wall time of N concurrent runs. `make bench` prints the table."""

from __future__ import annotations

import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sandboxes import docker_backend
from sandboxes.config import SandboxConfig
from sandboxes.select import Backend

ARGV = ["true"]  # the program costs nothing, so what is measured is the overhead
RUNS, CONCURRENT, WARMUP = 30, 8, 3


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def series(fn) -> dict[str, float]:
    for _ in range(WARMUP):
        fn()
    xs = [timed(fn) for _ in range(RUNS)]
    return {"median_s": statistics.median(xs), "min_s": min(xs), "max_s": max(xs)}


def concurrent(make_and_run) -> float:
    with ThreadPoolExecutor(CONCURRENT) as pool:
        t0 = time.perf_counter()
        list(pool.map(lambda _: make_and_run(), range(CONCURRENT)))
        return time.perf_counter() - t0


def run() -> dict[str, Any]:
    rows: dict[str, dict[str, float]] = {}
    bare = lambda: subprocess.run(ARGV, check=True, capture_output=True)  # noqa: E731
    rows["bare subprocess"] = {**series(bare), "concurrent_s": concurrent(bare)}
    names = ["docker", "bwrap"] if docker_backend.engine() is not None else ["bwrap"]
    for name in names:
        backend = Backend(SandboxConfig(backend=name, max_concurrent=CONCURRENT))
        with backend.open() as sb:
            rows[f"{name}: run in open sandbox"] = series(lambda: sb.run(ARGV))

        def fresh(backend: Backend = backend) -> None:
            with backend.open() as sb:
                assert sb.run(ARGV).passed

        rows[f"{name}: open + run + close"] = {**series(fresh), "concurrent_s": concurrent(fresh)}
    return {"program": " ".join(ARGV), "runs": RUNS, "concurrent": CONCURRENT, "rows": rows}
