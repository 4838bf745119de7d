"""Verifiers measured against people: human audit labels (`factory review`, RUN/audit.jsonl) are the
ground truth, and each verifier is a classifier whose "pass" predicts "accept". Per verifier:
precision (of what it passed, how much people accepted), recall (of what people accepted, how much
it passed) and the rows where the two disagree; per refusal reason: how often people accepted such a
row anyway (a reason that keeps losing right answers). Rows labelled `skip` are left out."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Score:
    tp: int = 0  # passed, accepted by people
    fp: int = 0  # passed, rejected by people
    fn: int = 0  # refused, accepted by people
    tn: int = 0  # refused, rejected by people

    def add(self, passed: bool, accepted: bool) -> None:
        if passed:
            self.tp += accepted
            self.fp += not accepted
        else:
            self.fn += accepted
            self.tn += not accepted

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def agreement(self) -> float | None:
        n = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / n if n else None

    def as_dict(self) -> dict[str, Any]:
        return {"passed_accepted": self.tp, "passed_rejected": self.fp, "refused_accepted": self.fn,
                "refused_rejected": self.tn, "precision": self.precision, "recall": self.recall,
                "agreement": self.agreement}


@dataclass
class Calibration:
    labelled: int = 0
    overall: Score = field(default_factory=Score)
    verifiers: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    reasons: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    disagreements: list[dict[str, Any]] = field(default_factory=list)
    unlabelled_ids: list[str] = field(default_factory=list)  # labels whose row is not in this run

    def as_dict(self) -> dict[str, Any]:
        return {"labelled": self.labelled, "overall": self.overall.as_dict(),
                "verifiers": {k: v.as_dict() for k, v in sorted(self.verifiers.items())},
                "reasons": {k: v.as_dict() for k, v in sorted(self.reasons.items())},
                "disagreements": self.disagreements, "labels_without_row": self.unlabelled_ids}


def reason_group(reason: str) -> str:
    """`result_mismatch:departures` and `result_mismatch:find_station` are one reason."""
    return reason.split(":", 1)[0] if reason else ""


def calibrate(rows: list[dict[str, Any]], labels: dict[str, dict[str, Any]]) -> Calibration:
    """`rows`: id, accepted (or side), verdicts [{verifier, passed, reason}]; `labels`: id → {label, note}."""
    out = Calibration()
    by_id = {r["id"]: r for r in rows}
    out.unlabelled_ids = sorted(i for i, e in labels.items() if i not in by_id and e.get("label") != "skip")
    for rid, entry in labels.items():
        row = by_id.get(rid)
        if row is None or entry.get("label") not in ("accept", "reject"):
            continue
        accepted_by_people = entry["label"] == "accept"
        out.labelled += 1
        row_passed = bool(row.get("accepted", row.get("side") == "accepted"))
        out.overall.add(row_passed, accepted_by_people)
        against = []
        for v in row.get("verdicts") or []:
            out.verifiers[v["verifier"]].add(bool(v["passed"]), accepted_by_people)
            if not v["passed"]:
                out.reasons[f"{v['verifier']}:{reason_group(v.get('reason') or '')}"].add(False, accepted_by_people)
            if bool(v["passed"]) != accepted_by_people:
                against.append(f"{v['verifier']}:{v.get('reason') or ('passed' if v['passed'] else '')}")
        if row_passed != accepted_by_people:
            out.disagreements.append({"id": rid, "label": entry["label"], "note": entry.get("note", ""),
                                      "verifiers": "accepted" if row_passed else "rejected", "against": against})
    return out


def disagrees(row: dict[str, Any], label: dict[str, Any] | None) -> bool:
    """A human label that says the opposite of the verifiers."""
    if not label or label.get("label") not in ("accept", "reject"):
        return False
    return (label["label"] == "accept") != (row.get("side") == "accepted")
