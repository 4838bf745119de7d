"""Which repositories a static run reads and the tasks it makes of them: a seeded sample of a package
list (the user's, or the shipped list of a few hundred popular and obscure pure-Python projects),
each synthesised with no environment built; the tasks cached per (list, seed, options) so a resumed
run gets the same ones. What was skipped, and why, is counted."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field, field_validator

from factory.errors import UserError
from factory.seeding import derive_seed
from pipelines.swe import sources
from pipelines.swe.static.synth import RepoResult, synthesize
from pipelines.swe.static.task import KINDS, StaticTask
from sandboxes.config import SandboxConfig
from sandboxes.pool import SandboxPool
from tf_common import Strict, cache_root

log = logging.getLogger(__name__)
SHIPPED = Path(__file__).with_name("packages.txt")
STATIC_VERSION = 1  # bump when synthesis would make different tasks from the same inputs


class StaticOptions(Strict):
    packages: list[str] | str | None = Field(None, description="sources (pypi:NAME==VERSION, debian:PKG=VERSION), "
                                             "or a file with one per line; unset: the shipped long-tail list")
    repos: int = Field(20, ge=1, description="repositories sampled from the list (seeded)")
    kinds: list[str] = Field(default_factory=lambda: list(KINDS), description=f"task kinds: {', '.join(KINDS)}")
    concurrency: int = Field(4, ge=1, description="repositories synthesised at once")

    @field_validator("kinds")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        bad = [k for k in v if k not in KINDS]
        if bad or not v:
            raise ValueError(f"unknown static task kind(s) {bad}; known: {', '.join(KINDS)}")
        return v


@dataclass
class Plan:
    tasks: list[StaticTask]
    repos: int
    with_task: int
    skipped: Counter = field(default_factory=Counter)
    missing: Counter = field(default_factory=Counter)
    seconds: float = 0.0


def package_list(o: StaticOptions) -> list[str]:
    if isinstance(o.packages, list):
        found, where = o.packages, "pipeline_options.static.packages"
    else:
        path = Path(o.packages).expanduser() if o.packages else SHIPPED
        if not path.is_file():
            raise UserError(f"pipeline_options.static.packages: no file {path} (a list of sources, one per line)")
        found = [ln.split("#", 1)[0].strip() for ln in path.read_text().splitlines()]
        where = str(path)
    found = [x for x in found if x]
    for i, src in enumerate(found, 1):
        try:
            sources.check_source(src)
        except UserError as e:
            raise UserError(f"{where} entry {i}: {e}") from None
    if not found:
        raise UserError(f"{where}: no sources listed")
    return sorted(set(found))


def sample(o: StaticOptions, seed: int) -> list[str]:
    found = package_list(o)
    return random.Random(derive_seed(seed, "static-repos")).sample(found, min(o.repos, len(found)))


async def make(repos: list[str], seed: int, kinds: tuple[str, ...], concurrency: int,
               sandbox: SandboxConfig | None) -> tuple[list[RepoResult], float]:
    import time

    t0 = time.monotonic()
    pool = SandboxPool(sandbox) if sandbox is not None and "returns" in kinds else None
    gate = asyncio.Semaphore(concurrency)

    async def one(src: str) -> RepoResult:
        async with gate:
            return await synthesize(src, seed, kinds, pool)
    try:
        results = list(await asyncio.gather(*(one(s) for s in repos)))
    finally:
        if pool is not None:
            pool.close()
    return results, time.monotonic() - t0


def plan(o: StaticOptions, seed: int, sandbox: SandboxConfig | None) -> Plan:
    repos = sample(o, seed)
    key = json.dumps([STATIC_VERSION, repos, seed, o.kinds], sort_keys=True)
    cache = cache_root() / "swe" / "static" / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
    if cache.exists():
        data = json.loads(cache.read_text())
        return Plan([StaticTask.model_validate(t) for t in data["tasks"]], data["repos"], data["with_task"],
                    Counter(data["skipped"]), Counter(data["missing"]), data["seconds"])
    results, seconds = asyncio.run(make(repos, seed, tuple(o.kinds), o.concurrency, sandbox))
    p = Plan([t for r in results for t in r.tasks], len(results), sum(bool(r.tasks) for r in results),
             Counter(r.skipped.split(":")[0] if r.skipped.startswith("unavailable") else r.skipped
                     for r in results if r.skipped),
             Counter(f"{k}:{v}" for r in results for k, v in r.missing.items()), round(seconds, 2))
    log.info("static tasks: %d from %d of %d repositories in %.1fs (skipped: %s)", len(p.tasks), p.with_task,
             p.repos, p.seconds, dict(p.skipped))
    if not p.tasks:
        raise UserError(f"static SWE tasks: none from {p.repos} repositories (skipped: {dict(p.skipped)}); "
                        "give more or other packages")
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"tasks": [t.model_dump() for t in p.tasks], "repos": p.repos, "with_task": p.with_task,
                                 "skipped": p.skipped, "missing": p.missing, "seconds": p.seconds}))
    return p
