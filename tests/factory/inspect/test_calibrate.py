"""Verifiers measured against human labels: the figures, and `factory calibrate` on a real run."""

import json
import subprocess
import sys

from factory.inspect import audit
from factory.inspect.calibrate import calibrate


def _row(rid, accepted, *verdicts):
    return {"id": rid, "side": "accepted" if accepted else "rejected",
            "verdicts": [{"verifier": v, "passed": p, "reason": r} for v, p, r in verdicts]}


def test_precision_recall_and_disagreements():
    rows = [_row("a", True, ("answer", True, "")), _row("b", True, ("answer", True, "")),
            _row("c", False, ("answer", False, "wrong_answer")), _row("d", False, ("answer", False, "not_a_number")),
            _row("e", True, ("answer", True, ""))]
    labels = {"a": {"label": "accept"}, "b": {"label": "reject", "note": "hedged"}, "c": {"label": "reject"},
              "d": {"label": "accept", "note": "12 cm is right"}, "e": {"label": "skip"}, "zz": {"label": "accept"}}
    c = calibrate(rows, labels)
    s = c.verifiers["answer"]
    assert c.labelled == 4 and (s.tp, s.fp, s.fn, s.tn) == (1, 1, 1, 1)
    assert s.precision == 0.5 and s.recall == 0.5 and s.agreement == 0.5
    assert [d["id"] for d in c.disagreements] == ["b", "d"]
    assert c.disagreements[1]["against"] == ["answer:not_a_number"] and c.disagreements[1]["note"] == "12 cm is right"
    assert c.reasons["answer:not_a_number"].fn == 1 and c.reasons["answer:wrong_answer"].tn == 1
    assert c.unlabelled_ids == ["zz"]


def test_calibrate_command_on_a_run(run_dir):
    from factory.inspect.query import Filters, select
    from factory.inspect.reader import open_run

    rows = select(open_run(run_dir), Filters(), "id, side")
    acc = [r["id"] for r in rows if r["side"] == "accepted"]
    rej = [r["id"] for r in rows if r["side"] == "rejected"]
    audit.append(run_dir / "audit.jsonl", acc[0], "accept", "", "alice")
    audit.append(run_dir / "audit.jsonl", acc[1], "reject", "restates the question", "alice")
    audit.append(run_dir / "audit.jsonl", rej[0], "reject", "", "alice")
    p = subprocess.run([sys.executable, "-m", "factory.cli.app", "calibrate", str(run_dir), "--json"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["labelled"] == 3 and out["overall"]["precision"] == 0.5 and out["overall"]["recall"] == 1.0
    assert [d["id"] for d in out["disagreements"]] == [acc[1]]
    p = subprocess.run([sys.executable, "-m", "factory.cli.app", "calibrate", str(run_dir)], capture_output=True, text=True)
    assert p.returncode == 0 and "1 of 3 labelled rows disagree" in p.stdout


def test_calibrate_without_labels_is_one_line(run_dir):
    p = subprocess.run([sys.executable, "-m", "factory.cli.app", "calibrate", str(run_dir)], capture_output=True, text=True)
    assert p.returncode == 2 and "factory review" in p.stderr and len(p.stderr.strip().splitlines()) == 1
