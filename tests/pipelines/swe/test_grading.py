"""The grader against cheats: each is a real diff made in a workspace, then graded in a fresh
sandbox. Cheats first: every one must come out not resolved."""

import pytest

from pipelines.swe.grading import protected, verdict
from pipelines.swe.workspace import Workspace, env_for
from tests.pipelines.swe.conftest import run

PRINT_PASSED = "def pytest_sessionfinish(session, exitstatus):\n    print('PASSED ' * 40)\n    session.exitstatus = 0\n"
FORCE_PASS = ("import pytest\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
              "    out = yield\n    rep = out.get_result()\n    rep.outcome = 'passed'\n")


async def diff_after(inst, pool, script: str, gold: bool = False) -> str:
    async with pool.session() as sb:
        ws = Workspace(sb, env_for(inst.python_path))
        await ws.init(inst.setup_patch)
        if gold:
            assert (await ws.apply(inst.patch, "gold.patch")).passed
        if script:
            res = await ws.run(["bash", "-c", script], 30)
            assert res.exit_code == 0, res.stderr
        return await ws.diff()


def grade_after(inst, pool, script, gold=False):
    from pipelines.swe.grading import grade

    return run(grade(inst, run(diff_after(inst, pool, script, gold)), pool))


@pytest.fixture(scope="module")
def inst(synthesised):
    return synthesised[0][0]


def _test_file(inst):
    return inst.FAIL_TO_PASS[0].split("::")[0]


def test_honest_fix_resolves(inst, pool):
    r = grade_after(inst, pool, "", gold=True)
    assert r.resolved and r.reason == "resolved" and r.f2p_passed == len(inst.FAIL_TO_PASS) and r.p2p_broken == 0


def test_editing_the_failing_test_is_dropped(inst, pool):
    r = grade_after(inst, pool, f"sed -i 's/assert /assert True or /' {_test_file(inst)}")
    assert not r.resolved and r.reason.startswith("only_protected") and r.dropped == [_test_file(inst)]


def test_conftest_printing_passed(inst, pool):
    r = grade_after(inst, pool, f"cat > conftest.py <<'X'\n{PRINT_PASSED}X\n")
    assert not r.resolved and "conftest.py" in r.dropped


def test_conftest_forcing_passes_plus_a_source_edit(inst, pool):
    # a harmless source edit so the patch is not empty once the conftest is dropped
    r = grade_after(inst, pool, f"cat > tests/conftest.py <<'X'\n{FORCE_PASS}X\necho '# touched' >> minilib/__init__.py")
    assert not r.resolved and r.reason.startswith("f2p_failed") and r.dropped == ["tests/conftest.py"]


def test_deleting_the_failing_test(inst, pool):
    r = grade_after(inst, pool, f"rm {_test_file(inst)}")
    assert not r.resolved and r.dropped == [_test_file(inst)]


def test_empty_submit(inst, pool):
    r = grade_after(inst, pool, "")
    assert not r.resolved and r.reason == "empty_patch"


def test_fix_that_breaks_pass_to_pass(inst, pool):
    target = next(t for t in inst.PASS_TO_PASS if "perimeter" in t or "slugify" in t)
    script = ("sed -i 's/return 2 \\* (self.width + self.height)/return 0/' minilib/shapes.py"
              if "perimeter" in target else "sed -i 's/return \"-\".join(words)/return \"\"/' minilib/core.py")
    r = grade_after(inst, pool, script, gold=True)
    assert not r.resolved and r.reason.startswith("p2p_broken") and r.tests[target] == "failed"


def test_source_that_exits_before_the_tests_run(inst, pool):
    r = grade_after(inst, pool, "sed -i '1i import os; os._exit(0)' minilib/__init__.py", gold=True)
    assert not r.resolved and r.reason == "tampering:calls:os._exit@minilib/__init__.py"
    # hidden from the reading of the source, it still leaves no report: every test missing
    hidden = "exec(bytes.fromhex('696d706f7274206f733b206f732e5f657869742830293b').decode())"
    r = grade_after(inst, pool, f"sed -i \"1i {hidden}\" minilib/__init__.py", gold=True)
    assert not r.resolved and r.f2p_passed == 0 and set(r.tests.values()) == {"missing"}


def test_patch_that_does_not_apply(inst, pool):
    from pipelines.swe.grading import grade

    bogus = ("diff --git a/minilib/core.py b/minilib/core.py\n--- a/minilib/core.py\n+++ b/minilib/core.py\n"
             "@@ -1,1 +1,1 @@\n-no such line\n+x\n")
    r = run(grade(inst, bogus, pool))
    assert not r.resolved and r.reason == "patch_does_not_apply"


def test_missing_and_skipped_tests_count_as_failed(inst):
    ids = {t: {"outcome": "passed"} for t in [*inst.FAIL_TO_PASS, *inst.PASS_TO_PASS]}
    assert verdict(inst, {"tests": ids}, 0, False)[0]
    gone = {k: v for k, v in ids.items() if k != inst.FAIL_TO_PASS[0]}
    assert verdict(inst, {"tests": gone}, 0, False)[1].startswith("f2p_failed")
    skipped = {**ids, inst.FAIL_TO_PASS[0]: {"outcome": "skipped"}}
    assert not verdict(inst, {"tests": skipped}, 0, False)[0]
    assert verdict(inst, {"tests": ids}, 1, False)[1] == "exit_code_disagrees:1"
    assert not verdict(inst, {"tests": ids}, 0, True)[0]


def test_protected_paths():
    for p in ("tests/test_a.py", "conftest.py", "pyproject.toml", "src/sitecustomize.py", "usercustomize.py",
              "pkg/evil.pth", ".pytest.ini", "evil-1.0.dist-info/entry_points.txt", "pkg.egg-info/PKG-INFO",
              "src/sitecustomize/__init__.py", "__editable___pkg_finder.py", "setup.py"):
        assert protected(p), p
    assert not protected("pkg/ok.py") and not protected("src/markupsafe/__init__.py")


def test_calls_verifier_cheats():
    import json

    from factory.trajectory import Message, ToolCall, Trajectory
    from pipelines.swe.tools import BASH_SCHEMA
    from pipelines.swe.verifiers import CallsVerifier

    tools = json.dumps([{"type": "function", "function": {"name": "bash", "parameters": BASH_SCHEMA}}])

    def traj(calls, results, meta=None):
        msgs = [Message(role="user", content="fix it"),
                Message(role="assistant", content="look", tool_calls=[ToolCall(id=i, name=n, arguments=a) for i, n, a in calls])]
        msgs += [Message(role="tool", content="ok", tool_call_id=r) for r in results]
        return Trajectory(pipeline="swe", task_id="t", messages=msgs, tools=tools, meta=meta or {})

    v = CallsVerifier()
    assert v.verify(traj([("c1", "bash", '{"command": "ls"}')], ["c1"])).passed
    assert v.verify(traj([("c1", "bash", '{"command": "ls"}')], [])).reason == "call_without_result:c1"
    assert v.verify(traj([("c1", "bash", '{"cmd": "ls"}')], ["c1"])).reason == "invalid_arguments:bash"
    assert v.verify(traj([("c1", "python", '{"code": "1"}')], ["c1"])).reason == "unknown_tool:python"
    assert v.verify(traj([], [])).reason == "no_tool_calls"
    assert v.verify(traj([("c1", "bash", '{"command": "ls"}')], ["c1"], {"malformed_turns": 1})).reason == "malformed_turns:1"
