"""Grading (verifier `tests`): in a fresh sandbox, the task's starting state → the agent's diff
without its changes to tests, conftest.py and pytest configuration → the instance's test_patch →
FAIL_TO_PASS ∪ PASS_TO_PASS run with a reporting plugin. Resolved iff every one of those tests
passed in the plugin's report and the exit code agrees; a test missing from the report or skipped
counts as failed. Nothing the tests print is read."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from pipelines.swe.instances import Instance
from pipelines.swe.workspace import Workspace, env_for
from sandboxes.base import SandboxError
from sandboxes.pool import SandboxPool

# Files whose changes the grader drops: what decides the verdict must be the instance's, not the agent's.
PROTECTED = ("conftest.py", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml", "noxfile.py",
             "sitecustomize.py", "usercustomize.py", "*.pth",  # run at interpreter start-up, before any test
             "test_*.py", "*_test.py", "tests/*", "test/*", "testing/*", "*/tests/*", "*/test/*", "*/testing/*")
_DIFF_HEADER = re.compile(r"^diff --git a/(.+?) b/(.+)$")


def split_patch(patch: str) -> list[tuple[str, str]]:
    """(path, text) per file of a git diff."""
    out: list[tuple[str, str]] = []
    for line in patch.splitlines(keepends=True):
        m = _DIFF_HEADER.match(line.rstrip("\n"))
        if m:
            out.append((m.group(2), line))
        elif out:
            out[-1] = (out[-1][0], out[-1][1] + line)
    return out


def protected(path: str, extra: tuple[str, ...] = ()) -> bool:
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(path, g) or fnmatch.fnmatch(name, g) for g in (*PROTECTED, *extra))


def filter_patch(patch: str, extra: tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """The patch without files the agent may not change for grading, and the dropped paths."""
    kept, dropped = [], []
    for path, text in split_patch(patch):
        (dropped if protected(path, extra) else kept).append((path, text))
    return "".join(t for _, t in kept), [p for p, _ in dropped]


@dataclass
class Report:
    resolved: bool
    reason: str  # "resolved" | "empty_patch" | "patch_does_not_apply" | "f2p_failed:N" | "p2p_broken:N" | …
    f2p_passed: int = 0
    f2p_total: int = 0
    p2p_broken: int = 0
    p2p_total: int = 0
    exit_code: int | None = None
    dropped: list[str] = field(default_factory=list)
    tests: dict[str, str] = field(default_factory=dict)  # id → passed | failed | error | skipped | missing
    environment_error: str | None = None
    seconds: float = 0.0

    @property
    def f2p_share(self) -> float:
        return self.f2p_passed / self.f2p_total if self.f2p_total else 0.0

    def reward(self) -> float:
        """1 when resolved; else the share of FAIL_TO_PASS passing, scaled down by the share of
        PASS_TO_PASS broken (a partial fix that breaks other behaviour earns less)."""
        if self.resolved:
            return 1.0
        broken = self.p2p_broken / self.p2p_total if self.p2p_total else 0.0
        return round(self.f2p_share * (1.0 - broken), 4)

    def to_meta(self) -> dict[str, Any]:
        d = asdict(self)
        d["tests"] = {k: v for k, v in self.tests.items() if v != "passed"}  # failures only; passes are implied
        return d


def verdict(inst: Instance, report: dict[str, Any], exit_code: int, timed_out: bool) -> tuple[bool, str, dict[str, str], int, int]:
    """Decide from the plugin's per-test outcomes and the exit code."""
    seen = {k: v.get("outcome", "missing") for k, v in (report.get("tests") or {}).items()}
    tests = {t: seen.get(t, "missing") for t in [*inst.FAIL_TO_PASS, *inst.PASS_TO_PASS]}
    f2p_ok = sum(tests[t] == "passed" for t in inst.FAIL_TO_PASS)
    p2p_broken = sum(tests[t] != "passed" for t in inst.PASS_TO_PASS)
    if timed_out:
        return False, "timeout", tests, f2p_ok, p2p_broken
    if f2p_ok < len(inst.FAIL_TO_PASS):
        return False, f"f2p_failed:{len(inst.FAIL_TO_PASS) - f2p_ok}", tests, f2p_ok, p2p_broken
    if p2p_broken:
        return False, f"p2p_broken:{p2p_broken}", tests, f2p_ok, p2p_broken
    if exit_code != 0 or not report:
        return False, f"exit_code_disagrees:{exit_code}", tests, f2p_ok, p2p_broken
    return True, "resolved", tests, f2p_ok, p2p_broken


async def grade(inst: Instance, patch: str, pool: SandboxPool, *, allow_empty: bool = False) -> Report:
    """Grade `patch` (a diff against the task's starting state) in a fresh sandbox."""
    kept, dropped = filter_patch(patch)
    base = Report(False, "", f2p_total=len(inst.FAIL_TO_PASS), p2p_total=len(inst.PASS_TO_PASS), dropped=dropped)
    if not kept.strip() and not allow_empty:
        base.reason = "empty_patch" if not patch.strip() else "only_protected_files"
        return base
    try:
        async with pool.session() as sb:
            ws = Workspace(sb, env_for(inst.python_path))
            await ws.init(inst.setup_patch)
            if kept.strip():
                applied = await ws.apply(kept, "agent.patch")
                if not applied.passed:
                    base.reason = "patch_does_not_apply"
                    return base
            if inst.test_patch.strip():
                tp = await ws.apply(inst.test_patch, "test.patch")
                if not tp.passed:
                    base.environment_error = f"test_patch_does_not_apply: {tp.stderr.strip()[-200:]}"
                    base.reason = "environment:test_patch"
                    return base
            res, report = await ws.run_tests(inst.test_cmd, [*inst.FAIL_TO_PASS, *inst.PASS_TO_PASS], inst.timeout_s)
    except SandboxError as e:
        base.environment_error = str(e)[:300]
        base.reason = "environment:sandbox"
        return base
    ok, reason, tests, f2p_ok, broken = verdict(inst, report, res.exit_code, res.timed_out)
    return Report(ok, reason, f2p_ok, len(inst.FAIL_TO_PASS), broken, len(inst.PASS_TO_PASS), res.exit_code,
                  dropped, tests, None, round(res.duration_s, 3))
