"""Synthesised tasks: seeded bug candidates from the modifiers, each validated in the sandbox the
way SWE-smith does — the clean suite passes twice with the same results; with the bug at least one
test fails (FAIL_TO_PASS) and at least one still passes (PASS_TO_PASS); the reverse patch resolves
it and an empty patch does not, through the same grader the pipeline uses; within the time budget."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from factory.errors import UserError
from factory.seeding import derive_seed
from pipelines.swe import modifiers
from pipelines.swe.grading import grade
from pipelines.swe.instances import Instance
from pipelines.swe.issue import template_statement
from pipelines.swe.profiles import RepoProfile
from pipelines.swe.workspace import Workspace, env_for
from sandboxes.base import SandboxError
from sandboxes.pool import SandboxPool

log = logging.getLogger(__name__)


@dataclass
class SuiteRun:
    outcomes: dict[str, str]
    messages: dict[str, str]
    exit_code: int
    seconds: float
    timed_out: bool


@dataclass
class SynthStats:
    candidates: int = 0
    valid: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    clean_tests: int = 0
    unstable_tests: int = 0

    def reject(self, why: str) -> None:
        self.rejected[why] = self.rejected.get(why, 0) + 1


async def run_suite(pool: SandboxPool, prof: RepoProfile, setup_patch: str = "") -> SuiteRun:
    async with pool.session() as sb:
        ws = Workspace(sb, env_for(prof.python_path))
        await ws.init(setup_patch)
        res, report = await ws.run_tests(prof.test_cmd, list(prof.test_paths), prof.timeout_s)
    tests = report.get("tests") or {}
    return SuiteRun({k: v["outcome"] for k, v in tests.items()}, {k: v.get("message", "") for k, v in tests.items()},
                    res.exit_code, res.duration_s, res.timed_out)


def candidates(prof: RepoProfile, tree: Path, seed: int) -> list[tuple[str, str, str]]:
    """(path, modifier, target) for every module, scope and modifier, in a seeded order."""
    out = []
    paths = sorted({p for g in prof.targets for p in tree.glob(g) if p.is_file() and p.suffix == ".py"})
    for p in paths:
        rel = p.relative_to(tree).as_posix()
        if any(Path(rel).match(g) for g in prof.ignore):
            continue
        funcs, classes = modifiers.scopes(p.read_text(encoding="utf-8"))
        for m in modifiers.MODIFIERS.values():
            out.extend((rel, m.name, t) for t in (funcs if m.scope == "function" else classes))
    random.Random(derive_seed(seed, "swe-candidates", prof.name)).shuffle(out)
    return out


async def baseline(pool: SandboxPool, prof: RepoProfile, stats: SynthStats) -> tuple[set[str], float]:
    """Tests that pass in two clean runs; the slower run's seconds."""
    first, second = await run_suite(pool, prof), await run_suite(pool, prof)
    for run in (first, second):
        if run.timed_out:
            raise UserError(f"profile {prof.name}: the clean suite ran past timeout_s={prof.timeout_s:g}")
    stable = {t for t, o in first.outcomes.items() if o == "passed" and second.outcomes.get(t) == "passed"}
    stats.clean_tests = len(stable)
    stats.unstable_tests = len({t for t in first.outcomes if first.outcomes[t] != second.outcomes.get(t)})
    if not stable:
        raise UserError(f"profile {prof.name}: no test passes in the clean suite (exit {first.exit_code}); "
                        "check test_cmd, test_paths, python_path and the image's Debian packages")
    return stable, max(first.seconds, second.seconds)


async def validate(pool: SandboxPool, prof: RepoProfile, rel: str, mod: str, target: str, old: str, new: str,
                   passing: set[str], stats: SynthStats) -> Instance | None:
    bug = modifiers.file_patch(rel, old, new)
    run = await run_suite(pool, prof, bug)
    if run.timed_out or run.seconds > prof.timeout_s:
        stats.reject("over_budget")
        return None
    f2p = sorted(t for t in passing if run.outcomes.get(t) != "passed")
    p2p = sorted(t for t in passing if run.outcomes.get(t) == "passed")
    if not f2p:
        stats.reject("no_fail_to_pass")
        return None
    if not p2p:
        stats.reject("no_pass_to_pass")
        return None
    gold = modifiers.file_patch(rel, new, old)
    digest = hashlib.sha256(bug.encode()).hexdigest()[:10]
    inst = Instance(instance_id=f"{prof.name}.{mod}.{digest}", repo=prof.name, patch=gold, setup_patch=bug,
                    problem_statement=template_statement(prof.name, f2p, run.messages, gold),
                    FAIL_TO_PASS=f2p, PASS_TO_PASS=p2p, source=prof.source, source_sha256=prof.sha256,
                    test_cmd=prof.test_cmd, python_path=prof.python_path, debian=prof.debian,
                    timeout_s=prof.timeout_s, profile=prof.name, modifier=mod, issue_text="template",
                    meta={"target": f"{rel}::{target}", "family": modifiers.MODIFIERS[mod].family,
                          # what the failing tests reported: material for a teacher-written statement
                          "failures": {t: run.messages.get(t, "")[-600:] for t in f2p[:3]}})
    fixed = await grade(inst, gold, pool)
    if not fixed.resolved:
        stats.reject(f"gold_not_resolved:{fixed.reason}")
        return None
    empty = await grade(inst, "", pool, allow_empty=True)
    if empty.resolved:
        stats.reject("empty_patch_resolves")
        return None
    return inst


async def synthesize(pool: SandboxPool, prof: RepoProfile, tree: Path, *, seed: int, limit: int,
                     max_candidates: int | None = None, concurrency: int = 2) -> tuple[list[Instance], SynthStats]:
    stats = SynthStats()
    t0 = time.monotonic()
    passing, _ = await baseline(pool, prof, stats)
    found: list[Instance] = []
    seen: set[str] = set()
    queue = candidates(prof, tree, seed)
    sources: dict[str, str] = {}
    pos = 0
    budget = max_candidates or len(queue)
    while len(found) < limit and pos < len(queue) and stats.candidates < budget:
        wave = []
        while len(wave) < concurrency and pos < len(queue) and stats.candidates < budget:
            rel, mod, target = queue[pos]
            pos += 1
            old = sources.setdefault(rel, (tree / rel).read_text(encoding="utf-8"))
            new = modifiers.apply(old, mod, target, random.Random(derive_seed(seed, "swe-mutant", rel, mod, target)))
            if new is None or new in seen:
                continue
            seen.add(new)
            stats.candidates += 1
            wave.append(validate(pool, prof, rel, mod, target, old, new, passing, stats))
        for inst in await asyncio.gather(*wave, return_exceptions=True):
            if isinstance(inst, SandboxError):
                stats.reject("sandbox_error")
                log.warning("candidate dropped: sandbox error: %s", inst)
            elif isinstance(inst, BaseException):
                raise inst
            elif inst is not None and len(found) < limit:
                found.append(inst)
    stats.valid = len(found)
    stats.seconds = round(time.monotonic() - t0, 2)
    return found, stats
