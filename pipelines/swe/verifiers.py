"""SWE verifiers: schema-valid calls each with a result and no malformed turn; a final patch that is non-empty and
applies; edits to tests flagged; the graded verdict (`tests`), re-graded in a fresh sandbox when
the row was not graded in this process (`factory verify --pipeline swe FILE`)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections.abc import Callable

import jsonschema
from pydantic import ValidationError

from factory.trajectory import Trajectory, Verdict
from pipelines.swe.grading import Report, grade
from pipelines.swe.instances import Instance
from pipelines.swe.static import run
from pipelines.swe.static.task import StaticTask
from sandboxes.config import SandboxConfig
from sandboxes.pool import SandboxPool

PATCH_FAILURES = ("empty_patch", "only_protected_files", "patch_does_not_apply")


class GradeCache:
    """Reports graded during generation, so the run's verifier does not grade twice."""

    def __init__(self) -> None:
        self._d: dict[tuple[str, str, bool], Report] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(instance_id: str, patch: str, allow_empty: bool) -> tuple[str, str, bool]:
        return instance_id, hashlib.sha256(patch.encode()).hexdigest(), allow_empty

    def put(self, instance_id: str, patch: str, allow_empty: bool, report: Report) -> None:
        with self._lock:
            self._d[self._key(instance_id, patch, allow_empty)] = report

    def get(self, instance_id: str, patch: str, allow_empty: bool) -> Report | None:
        with self._lock:
            return self._d.get(self._key(instance_id, patch, allow_empty))


class TestsVerifier:
    name = "tests"

    def __init__(self, cache: GradeCache, image_cfg: Callable[[Instance], SandboxConfig]):
        self.cache, self.image_cfg = cache, image_cfg

    def report(self, traj: Trajectory) -> Report:
        inst = Instance.model_validate(traj.meta["instance"])
        patch = str(traj.meta.get("patch") or "")
        step = traj.branch.kind == "step"
        cached = self.cache.get(inst.instance_id, patch, step)
        if cached is not None:
            return cached
        # a pool of its own, used by this call only: verifiers run in threads, each with its own loop
        pool = SandboxPool(self.image_cfg(inst))
        try:
            report = asyncio.run(grade(inst, patch, pool, allow_empty=step))
        finally:
            pool.close()
        self.cache.put(inst.instance_id, patch, step, report)
        return report

    def verify(self, traj: Trajectory) -> Verdict:
        if traj.meta.get("verification") == "static":
            return Verdict(verifier=self.name, passed=True, score=1.0, reason="not_applicable:static")
        if "instance" not in traj.meta:
            return Verdict(verifier=self.name, passed=False, reason="no_instance_in_meta")
        r = self.report(traj)
        traj.meta["grading"], traj.meta["resolved"], traj.meta["grade_reason"] = r.to_meta(), r.resolved, r.reason
        if r.environment_error:
            return Verdict(verifier=self.name, passed=False, reason=f"environment:{r.environment_error[:120]}")
        if traj.branch.kind == "step":  # a labelled partial state: its label is the point, not a fix
            return Verdict(verifier=self.name, passed=True, score=r.reward(),
                           reason=f"step:f2p={r.f2p_passed}/{r.f2p_total},p2p_broken={r.p2p_broken}")
        return Verdict(verifier=self.name, passed=r.resolved, score=r.reward(), reason=r.reason)


class PatchVerifier:
    name = "patch"

    def verify(self, traj: Trajectory) -> Verdict:
        if traj.branch.kind == "step":
            return Verdict(verifier=self.name, passed=True, score=1.0, reason="step")
        if (traj.meta.get("static") or {}).get("kind") not in (None, "repair"):
            return Verdict(verifier=self.name, passed=True, score=1.0, reason="not_applicable:question")
        patch = str(traj.meta.get("patch") or "")
        reason = (traj.meta.get("grading") or {}).get("reason", "")
        if not patch.strip():
            return Verdict(verifier=self.name, passed=False, reason="empty_patch")
        if reason in PATCH_FAILURES:
            return Verdict(verifier=self.name, passed=False, reason=reason)
        return Verdict(verifier=self.name, passed=True, score=1.0)


class StaticVerifier:
    """A static task graded by reading code (pipelines/swe/static/grade.py), again from the row itself:
    the patch (repair) or the answer (an `answer` call, else `<answer>` in the final reply)."""

    name = "static"

    def verify(self, traj: Trajectory) -> Verdict:
        if traj.meta.get("verification") != "static":
            return Verdict(verifier=self.name, passed=True, score=1.0, reason="not_applicable:tests")
        try:
            t = StaticTask.model_validate(traj.meta.get("static") or {})
        except ValidationError:
            return Verdict(verifier=self.name, passed=False, reason="no_static_task_in_meta")
        g = run.graded(t, str(traj.meta.get("patch") or ""), _answer_call(traj), traj.messages)
        traj.meta["grading"], traj.meta["resolved"], traj.meta["grade_reason"] = g.to_meta(), g.resolved, g.reason
        return Verdict(verifier=self.name, passed=g.resolved, score=1.0 if g.resolved else 0.0, reason=g.reason)


def _answer_call(traj: Trajectory) -> str | None:
    """The argument of the last successful `answer` call in the conversation."""
    answered = {m.tool_call_id for m in traj.messages if m.role == "tool" and not m.content.startswith("error:")}
    got = None
    for m in traj.messages:
        for c in m.tool_calls:
            if c.name == "answer" and c.id in answered:
                try:
                    got = str(json.loads(c.arguments).get("answer", ""))
                except (ValueError, AttributeError):
                    continue
    return got


class TestEditsVerifier:
    """Flags (does not fail) changes to tests and their configuration: grading ignored them."""

    name = "test_edits"

    def verify(self, traj: Trajectory) -> Verdict:
        dropped = (traj.meta.get("grading") or {}).get("dropped") or []
        return Verdict(verifier=self.name, passed=True, score=float(len(dropped)),
                       reason=f"flagged:{','.join(dropped)[:200]}" if dropped else "")


class CallsVerifier:
    name = "calls"

    def verify(self, traj: Trajectory) -> Verdict:
        try:
            schemas = {t["function"]["name"]: t["function"]["parameters"] for t in json.loads(traj.tools or "[]")}
        except (ValueError, KeyError, TypeError):
            return Verdict(verifier=self.name, passed=False, reason="bad_tools_field")
        malformed = int(traj.meta.get("malformed_turns") or 0)
        if malformed:  # the row holds turns whose call could not be parsed: not something to train on
            return Verdict(verifier=self.name, passed=False, reason=f"malformed_turns:{malformed}")
        answered = {m.tool_call_id for m in traj.messages if m.role == "tool"}
        n = 0
        for m in traj.messages:
            for c in m.tool_calls:
                n += 1
                if c.name not in schemas:
                    return Verdict(verifier=self.name, passed=False, reason=f"unknown_tool:{c.name}")
                try:
                    args = json.loads(c.arguments)
                    jsonschema.validate(args, schemas[c.name])
                except (ValueError, jsonschema.ValidationError):
                    return Verdict(verifier=self.name, passed=False, reason=f"invalid_arguments:{c.name}")
                if c.id not in answered:
                    return Verdict(verifier=self.name, passed=False, reason=f"call_without_result:{c.id}")
        if n == 0:
            return Verdict(verifier=self.name, passed=False, reason="no_tool_calls")
        return Verdict(verifier=self.name, passed=True, score=float(n))
