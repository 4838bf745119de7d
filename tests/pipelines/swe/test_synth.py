"""Synthesis on the fixture repository, validated in the real sandbox."""

from pipelines.swe import issue, synth
from pipelines.swe.grading import grade
from tests.pipelines.swe.conftest import run


def test_valid_instances(synthesised, pool):
    found, stats = synthesised
    assert len(found) == 3 and stats.valid == 3 and stats.clean_tests == 18 and stats.unstable_tests == 0
    for inst in found:
        assert inst.FAIL_TO_PASS and inst.PASS_TO_PASS
        assert not set(inst.FAIL_TO_PASS) & set(inst.PASS_TO_PASS)
        assert len(inst.FAIL_TO_PASS) + len(inst.PASS_TO_PASS) == 18
        assert inst.setup_patch and inst.patch and inst.modifier in inst.instance_id
        # the statement names the failing tests and never quotes a changed line of the fix
        assert inst.FAIL_TO_PASS[0] in inst.problem_statement
        assert issue.leaks(inst.problem_statement, inst.patch) == []
    assert len({i.instance_id for i in found}) == 3


def test_gold_resolves_and_empty_does_not_on_regrading(synthesised, pool):
    inst = synthesised[0][0]
    verdicts = [run(grade(inst, inst.patch, pool)).resolved for _ in range(2)]
    assert verdicts == [True, True]
    empty = run(grade(inst, "", pool, allow_empty=True))
    assert not empty.resolved and empty.reason.startswith("f2p_failed")


def test_candidates_are_seeded(prof, tree):
    assert synth.candidates(prof, tree, 1) == synth.candidates(prof, tree, 1)
    assert synth.candidates(prof, tree, 1) != synth.candidates(prof, tree, 2)


def test_leak_check():
    patch = ("diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n"
             "-    return total / count\n+    return total // count\n")
    assert issue.leaks("the fix is return total // count here", patch) == ["return total // count"]
    assert issue.leaks("mean() gives the wrong value", patch) == []
