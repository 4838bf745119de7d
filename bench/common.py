"""What every benchmark shares: repeated timing (warm-up excluded; median, min, max), the machine
description, and the results file bench/results/<date>-<host>.json."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results")


def series(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> dict[str, float]:
    """Seconds per call of `fn`."""
    for _ in range(warmup):
        fn()
    xs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        xs.append(time.perf_counter() - t0)
    return summary(xs)


def summary(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def rate(work: float, seconds: dict[str, float]) -> dict[str, float]:
    """`work` per second, from a seconds summary: the median time gives the median rate; the
    fastest run gives the max."""
    return {"median": work / seconds["median"], "min": work / seconds["max"], "max": work / seconds["min"],
            "n": seconds["n"]}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    mem = 0
    try:
        mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal"))) // 1024
    except (OSError, StopIteration):
        pass
    return {"host": platform.node(), "cores": os.cpu_count(), "cpu": cpu_model(), "memory_mib": mem,
            "python": platform.python_version(), "os": platform.platform()}


def write_results(data: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{date.today().isoformat()}-{platform.node()}.json"
    # `python -m bench research` adds its part to the day's file instead of wiping the other parts.
    try:
        old = json.loads(path.read_text()) if path.is_file() else {}
    except json.JSONDecodeError:
        old = {}
    path.write_text(json.dumps({**old, **data}, indent=1, sort_keys=True, default=str))
    return path
