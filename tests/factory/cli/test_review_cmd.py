"""`factory review` driven as a real terminal program (pexpect), including a restart mid-review."""

import json
import sys

import pexpect

from tests.fakes.servers import ROOT


def spawn(run_dir, *extra):
    child = pexpect.spawn(sys.executable, ["-m", "factory.cli.app", "review", str(run_dir), "--size", "4",
                                           "--reviewer", "alice", *extra], cwd=str(ROOT), encoding="utf-8",
                          timeout=60, dimensions=(50, 120), env={"TERM": "dumb", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"})
    return child


def label(child, key, note):
    child.expect_exact("> ")
    child.sendline(key)
    child.expect_exact("note (enter for none): ")
    child.sendline(note)


def test_review_labels_restart_and_finish(run_dir):
    child = spawn(run_dir)
    child.expect_exact("0 reviewed of 4 sampled")
    label(child, "a", "clean and correct")
    child.expect_exact("1 reviewed of 4 sampled")
    label(child, "r", "wrong answer")
    child.expect_exact("2 reviewed of 4 sampled")
    child.expect_exact("> ")
    child.sendline("p")  # back to the row just labelled: it shows its label
    child.expect_exact("labelled reject by alice")
    child.expect_exact("> ")
    child.sendline("q")
    child.expect_exact("2 reviewed of 4 sampled; labels in")
    child.expect(pexpect.EOF)

    child = spawn(run_dir)  # a restart continues where the reviewer left off
    child.expect_exact("2 reviewed of 4 sampled · row 3/4")
    label(child, "s", "")
    label(child, "a", "")
    child.expect_exact("all 4 sampled rows reviewed")
    child.expect(pexpect.EOF)

    lines = [json.loads(x) for x in (run_dir / "audit.jsonl").read_text().splitlines()]
    assert [x["label"] for x in lines] == ["accept", "reject", "skip", "accept"]
    assert {x["reviewer"] for x in lines} == {"alice"} and lines[1]["note"] == "wrong answer"
    assert len({x["id"] for x in lines}) == 4


def test_jump_to_id(run_dir):
    child = spawn(run_dir, "--sample", "first")
    child.expect_exact("> ")
    child.sendline("j nonexistent")
    child.expect_exact("no sampled row with id 'nonexistent'")
    child.sendline("")
    child.expect_exact("> ")
    child.sendline("q")
    child.expect(pexpect.EOF)


def test_disagreements_first(run_dir):
    from factory.inspect import audit
    from factory.inspect.query import STRATUM_SQL, Filters, sample, select
    from factory.inspect.reader import open_run

    rows = sample(select(open_run(run_dir), Filters(), f"*, {STRATUM_SQL} AS stratum"), 4, "stratified", 0)
    last = rows[-1]  # sampled last; a label against the verifiers brings it to the front
    audit.append(run_dir / "audit.jsonl", last["id"], "reject" if last["side"] == "accepted" else "accept", "x", "bob")
    child = spawn(run_dir, "--disagreements-first")
    child.expect_exact("row 1/4 · labelled")
    child.expect_exact("> ")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child = spawn(run_dir)
    child.expect_exact("row 1/4")
    assert "labelled" not in child.readline()
    child.expect_exact("> ")
    child.sendline("q")
    child.expect(pexpect.EOF)


def test_review_by_reason_shows_disagreement_and_clears_a_label(run_dir):
    from factory.inspect import audit
    from factory.inspect.reader import open_run

    reason = open_run(run_dir).con().execute(
        "SELECT reject_reason FROM rows WHERE side = 'rejected' ORDER BY id LIMIT 1").fetchone()[0]
    child = spawn(run_dir, "--reason", reason, "--sample", "first")
    child.expect_exact("[q]uit")
    assert reason in child.before  # the sampled rows are those rejected for it
    # the verifiers' decision sits right above the reviewer's prompt, failed ones first
    decision = child.before[child.before.rindex("verifiers: "):]
    assert decision.index("✗") < decision.index("✓") and reason.split(":", 1)[1] in decision
    label(child, "a", "the verifier is wrong here")  # accept a rejected row: a disagreement
    if child.expect(["all 1 sampled rows reviewed", "> "]) == 1:
        child.sendline("q")
    child.expect(pexpect.EOF)
    child = spawn(run_dir, "--reason", reason, "--disagreements-first")
    child.expect_exact("labelled accept by alice · disagrees with the verifiers (rejected: ")
    child.expect_exact("> ")
    child.sendline("c")  # and take the label back
    child.expect_exact("0 reviewed of")
    child.expect_exact("> ")
    child.sendline("q")
    child.expect(pexpect.EOF)
    entries = [json.loads(x) for x in (run_dir / "audit.jsonl").read_text().splitlines()]
    assert [e["label"] for e in entries] == ["accept", "clear"] and audit.load(run_dir / "audit.jsonl") == {}
