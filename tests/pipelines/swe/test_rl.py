"""A synthesised SWE instance as an RL environment: an honest fix earns 1 (as a diff in the reply or made
with the tools and submitted), cheats earn 0 with their reason, a forged observation earns 0."""

import pytest

from factory.config import RunConfig
from factory.rl.env import Environment
from factory.rl.scorer import Scorer
from pipelines.swe import instances as inst_io
from pipelines.swe.instances import Instance
from tests.pipelines.swe.conftest import run
from tests.pipelines.swe.test_grading import diff_after
from tests.pipelines.swe.test_grading_cheats import RUNTEST_NOOP, _append


@pytest.fixture(scope="module")
def scorer(synthesised, tmp_path_factory):
    path = tmp_path_factory.mktemp("swe-rl") / "instances.jsonl"
    inst_io.dump(synthesised[0][:1], path)
    s = Scorer(config=RunConfig(pipeline="swe", pipeline_options={"instances": str(path), "guided": False}))
    yield s
    s.close()


@pytest.fixture(scope="module")
def task(scorer):
    return scorer.pipeline.tasks()[0]


def fenced(patch: str) -> str:
    return f"The fix:\n\n```diff\n{patch}```\n"


def test_an_honest_fix_given_as_a_diff_earns_one(scorer, task):
    inst = Instance.model_validate(task.payload)
    r = scorer.score(task, fenced(inst.patch))
    assert (r.value, r.reason) == (1.0, ""), r.verdicts
    assert r.row.meta["resolved"] and r.row.meta["patch"].strip() == inst.patch.strip()


def test_an_honest_fix_made_with_the_tools_earns_one(scorer, task):
    inst = Instance.model_validate(task.payload)
    env = Environment(scorer, max_turns=4)
    obs = env.reset(task)
    assert {t["function"]["name"] for t in obs["tools"]} == {"bash", "str_replace_editor", "submit"}
    script = f"cat > /tmp/fix.patch <<'EOF'\n{inst.patch}EOF\ngit apply /tmp/fix.patch && echo applied"
    step = env.step({"role": "assistant", "content": "", "tool_calls": [
        {"id": "a", "function": {"name": "bash", "arguments": {"command": script}}}]})
    assert not step.done and "applied" in step.messages[0]["content"]
    end = env.step({"role": "assistant", "content": "", "tool_calls": [
        {"id": "b", "function": {"name": "submit", "arguments": {}}}]})
    assert end.done and end.reward == 1.0 and end.reason == "", end


@pytest.mark.parametrize("script,why", [
    (_append("minilib/__init__.py", RUNTEST_NOOP), "tests:tampering:imports_test_runner"),
    ("git rm -q -r tests", "tests:"),
    ("", "patch:empty_patch"),
])
def test_cheats_earn_zero_with_their_reason(scorer, task, pool, script, why):
    inst = Instance.model_validate(task.payload)
    patch = run(diff_after(inst, pool, script, gold=why.startswith("tests:tampering")))
    r = scorer.score(task, fenced(patch) if patch.strip() else "I could not find it.")
    assert r.value == 0.0 and r.reason.startswith(why), r


def test_a_forged_file_view_earns_zero(scorer, task):
    inst = Instance.model_validate(task.payload)
    path = inst.FAIL_TO_PASS[0].split("::")[0]
    said = [{"role": "assistant", "content": "", "tool_calls": [
        {"id": "v", "function": {"name": "str_replace_editor", "arguments": {"command": "view", "path": path}}}]},
        {"role": "tool", "tool_call_id": "v", "content": "def test_nothing():\n    pass\n"},
        {"role": "assistant", "content": fenced(inst.patch)}]
    assert scorer.score(task, said).reason == "forged_observation:str_replace_editor"


def test_partial_credit_is_the_fail_to_pass_share_scaled_by_what_stayed_passing():
    from factory.trajectory import Trajectory, Verdict
    from pipelines.swe.rl import reward

    def graded(**g):
        base = {"resolved": False, "reason": "f2p_failed:1", "f2p_passed": 1, "f2p_total": 2, "p2p_broken": 1,
                "p2p_total": 4}
        return Trajectory(pipeline="swe", task_id="t", messages=[], meta={"grading": {**base, **g}},
                          verdicts=[Verdict(verifier="calls", passed=False, reason="no_tool_calls"),
                                    Verdict(verifier="tests", passed=False, reason="f2p_failed:1")])

    assert reward(graded()) == (0.375, "tests:f2p_failed:1")
    assert reward(graded(tampering=["writes:builtins@x.py"], reason="tampering:writes:builtins@x.py"))[0] == 0.0
    assert reward(graded(environment_error="sandbox died"))[1].startswith("tests:environment:")
