"""Grading (verifier `tests`): in a fresh sandbox, the task's starting state → the agent's diff →
every change git sees to tests, conftest.py, pytest configuration, start-up hooks or packaging
metadata put back as it was (paths from git's own reading of the applied patch, source and
destination of a rename both) → the static tampering check on what remains → the instance's
test_patch → FAIL_TO_PASS ∪ PASS_TO_PASS run by the grader's runner in an isolated interpreter.
Resolved iff every one of those tests passed in the runner's signed report, the report saw no
tampering and the exit code agrees; a test missing from the report or skipped counts as failed.
Nothing the tests print is read."""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass, field
from typing import Any

from pipelines.swe import tampering
from pipelines.swe.instances import Instance
from pipelines.swe.workspace import Workspace, env_for
from sandboxes.base import SandboxError
from sandboxes.pool import SandboxPool

# Files whose changes the grader drops: what decides the verdict must be the instance's, not the agent's.
PROTECTED = ("conftest.py", "pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg", "pyproject.toml", "noxfile.py",
             "sitecustomize.py", "usercustomize.py", "*.pth",  # run at interpreter start-up, before any test
             "sitecustomize/*", "usercustomize/*", "*/sitecustomize/*", "*/usercustomize/*",
             # packaging metadata: entry points (pytest11 plugins), console scripts, editable-install finders
             "*.dist-info", "*.dist-info/*", "*.egg-info", "*.egg-info/*", "__editable__*", "*/__editable__*",
             "entry_points.txt", "setup.py", "MANIFEST.in",
             "test_*.py", "*_test.py", "tests/*", "test/*", "testing/*", "*/tests/*", "*/test/*", "*/testing/*")
def protected(path: str, extra: tuple[str, ...] = ()) -> bool:
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(path, g) or fnmatch.fnmatch(name, g) for g in (*PROTECTED, *extra))


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
    tampering: list[str] = field(default_factory=list)  # kind:detail@path (static) or kind:detail (at run time)

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


def verdict(inst: Instance, report: dict[str, Any], exit_code: int,
            timed_out: bool) -> tuple[bool, str, dict[str, str], int, int]:
    """Decide from the plugin's per-test outcomes and the exit code."""
    seen = {k: v.get("outcome", "missing") for k, v in (report.get("tests") or {}).items()}
    if report.get("forged"):  # a report file is there, but not signed by the runner: someone else wrote it
        missing = {t: "missing" for t in [*inst.FAIL_TO_PASS, *inst.PASS_TO_PASS]}
        return False, "tampering:report_forged", missing, 0, len(inst.PASS_TO_PASS)
    tests = {t: seen.get(t, "missing") for t in [*inst.FAIL_TO_PASS, *inst.PASS_TO_PASS]}
    f2p_ok = sum(tests[t] == "passed" for t in inst.FAIL_TO_PASS)
    p2p_broken = sum(tests[t] != "passed" for t in inst.PASS_TO_PASS)
    if timed_out:
        return False, "timeout", tests, f2p_ok, p2p_broken
    if report.get("tampering"):  # the runner's tripwires: pytest's internals changed under it
        return False, f"tampering:runtime:{report['tampering'][0]}", tests, f2p_ok, p2p_broken
    if f2p_ok < len(inst.FAIL_TO_PASS):
        return False, f"f2p_failed:{len(inst.FAIL_TO_PASS) - f2p_ok}", tests, f2p_ok, p2p_broken
    if p2p_broken:
        return False, f"p2p_broken:{p2p_broken}", tests, f2p_ok, p2p_broken
    if exit_code != 0 or not report or report.get("exitstatus", 0) != exit_code:
        return False, f"exit_code_disagrees:{exit_code}", tests, f2p_ok, p2p_broken
    return True, "resolved", tests, f2p_ok, p2p_broken


async def grade(inst: Instance, patch: str, pool: SandboxPool, *, allow_empty: bool = False) -> Report:
    """Grade `patch` (a diff against the task's starting state) in a fresh sandbox."""
    base = Report(False, "", f2p_total=len(inst.FAIL_TO_PASS), p2p_total=len(inst.PASS_TO_PASS))
    if not patch.strip() and not allow_empty:
        base.reason = "empty_patch"
        return base
    try:
        async with pool.session() as sb:
            ws = Workspace(sb, env_for(inst.python_path))
            await ws.init(inst.setup_patch)
            changed: dict[str, list[str]] = {}
            if patch.strip():
                changed = await _apply_agent_patch(ws, patch, base, allow_empty)
                if base.reason:
                    return base
            if inst.test_patch.strip():
                tp = await ws.apply(inst.test_patch, "test.patch")
                if not tp.passed:
                    base.environment_error = f"test_patch_does_not_apply: {tp.stderr.strip()[-200:]}"
                    base.reason = "environment:test_patch"
                    return base
            res, report = await ws.run_tests(inst.test_cmd, [*inst.FAIL_TO_PASS, *inst.PASS_TO_PASS], inst.timeout_s,
                                             changed)
    except SandboxError as e:
        base.environment_error = str(e)[:300]
        base.reason = "environment:sandbox"
        return base
    ok, reason, tests, f2p_ok, broken = verdict(inst, report, res.exit_code, res.timed_out)
    return Report(ok, reason, f2p_ok, len(inst.FAIL_TO_PASS), broken, len(inst.PASS_TO_PASS), res.exit_code,
                  base.dropped, tests, None, round(res.duration_s, 3), list(report.get("tampering") or []))


async def _apply_agent_patch(ws: Workspace, patch: str, base: Report, allow_empty: bool) -> dict[str, list[str]]:
    """Apply, drop protected changes, check for tampering; the files the patch changes, each with
    the tampering families it already had (set `base.reason` to stop)."""
    if not (await ws.apply_lenient(patch, "agent.patch")).passed:
        base.reason = "patch_does_not_apply"
        return {}
    # a rename with a protected end is dropped whole: a test moved out of tests/ is still a test
    drop = sorted({p for row in await ws.changed() if any(protected(q) for q in row[1:]) for p in row[1:]})
    await ws.revert(drop)
    base.dropped = drop
    remaining = await ws.changed()
    if not remaining:
        if not allow_empty:
            base.reason = "only_protected_files" if drop else "empty_patch"
        return {}
    found: list[str] = []
    had: dict[str, list[str]] = {}
    for row in remaining:
        status, path, before = row[0], row[-1], (row[1] if row[0][:1] in ("M", "R", "C") else None)
        if status.startswith("D"):
            continue
        if path.endswith(tampering.NATIVE):
            found.append(f"native_code@{path}")
            continue
        if path.endswith((".py", ".pyw")):
            old, new = await ws.read_pair(path, before)
            found += tampering.added_findings(path, old, new)
            had[path] = sorted(tampering.families(old))
    if found:
        base.tampering = found
        base.reason = f"tampering:{found[0]}"
    return {row[-1]: had.get(row[-1], []) for row in remaining if not row[0].startswith("D")}
