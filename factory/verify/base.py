"""The verifier protocol and how verdicts decide acceptance."""

from __future__ import annotations

from typing import Protocol

from factory.trajectory import Trajectory, Verdict


class Verifier(Protocol):
    name: str

    def verify(self, traj: Trajectory) -> Verdict: ...


def apply_verifiers(traj: Trajectory, verifiers: list[Verifier]) -> Trajectory:
    """Run every verifier (all of them, so stats show every failure, not only the first) and set
    `reject_reason` to the first failure as `<verifier>:<reason>`."""
    verdicts = [v.verify(traj) for v in verifiers]
    failed = next((v for v in verdicts if not v.passed), None)
    reason = f"{failed.verifier}:{failed.reason}" if failed else None
    if traj.outcome == "error":
        reason = traj.reject_reason or "error"
    return traj.model_copy(update={"verdicts": verdicts, "reject_reason": reason})
