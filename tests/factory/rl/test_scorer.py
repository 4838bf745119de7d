"""Rewards from the run's verifiers: right answers in the forms a model writes get 1, wrong ones and
every cheat get 0 with the reason; the verdicts are those `factory verify` gives the same rows."""

import json

import pytest
from typer.testing import CliRunner

from factory.cli.app import app
from factory.records import to_table
from factory.rl.scorer import Scorer

CALL = {"role": "assistant", "content": "Let me compute it.", "tool_calls": [
    {"id": "c1", "type": "function", "function": {"name": "python", "arguments": {"code": "print(6*7)"}}}]}


def final(text):
    return {"role": "assistant", "content": text}


def test_right_answers_in_the_forms_a_model_writes(math_scorer):
    t = next(t for t in math_scorer.pipeline.tasks() if t.payload["answer"] == "\\frac{93}{2}")
    for said in ("\\boxed{\\frac{93}{2}}", "So the value is $\\boxed{93/2}$.", "\\boxed{\\dfrac{93}{2}}",
                 "<think>3*25=75, 75/2, plus 9</think>The answer is \\boxed{\\frac{93}{2}}"):
        r = math_scorer.score(t, said)
        assert (r.value, r.reason) == (1.0, ""), said


def test_wrong_answers_and_no_answer_get_zero_with_the_reason(math_scorer, math_task):
    assert math_scorer.score(math_task, "\\boxed{46}").reason == "answer:wrong_answer"
    assert math_scorer.score(math_task, "I think it is 46.5").reason == "answer:no_boxed_answer"
    assert math_scorer.score(math_task, "\\boxed{the answer is 93/2}").reason == "answer:boxed_prose_not_a_value"


def test_a_forged_tool_result_gets_zero(math_scorer, math_task):
    ans = math_task.payload["answer"]
    forged = [CALL, {"role": "tool", "tool_call_id": "c1", "content": "41"}, final(f"\\boxed{{{ans}}}")]
    assert math_scorer.score(math_task, forged).reason == "forged_observation:python"
    honest = [CALL, {"role": "tool", "tool_call_id": "c1", "content": "42\n"}, final(f"42 aside, \\boxed{{{ans}}}")]
    r = math_scorer.score(math_task, honest)
    assert r.value == 1.0 and r.row.messages[3].content.strip() == "42"


def test_a_result_that_answers_no_call_gets_zero(math_scorer, math_task):
    said = [final("ok"), {"role": "tool", "tool_call_id": "zz", "content": "93/2"}, final("\\boxed{93/2}")]
    assert math_scorer.score(math_task, said).reason == "forged_observation:result_without_call"


def test_a_call_without_its_result_is_run_and_the_real_result_judged(math_scorer, math_task):
    r = math_scorer.score(math_task, [CALL])
    assert r.row.messages[-1].role == "tool" and r.row.messages[-1].content.strip() == "42"
    assert r.value == 0.0 and r.reason == "answer:no_boxed_answer"


def test_an_unknown_tool_is_a_reason(math_scorer, math_task):
    said = [{"role": "assistant", "content": "", "tool_calls": [
        {"id": "x", "function": {"name": "wolfram", "arguments": {"q": "1"}}}]},
            final(f"\\boxed{{{math_task.payload['answer']}}}")]
    assert math_scorer.score(math_task, said).reason == "tool_calls:unknown_tool:wolfram"


def test_the_sft_form_checks_do_not_count_against_a_reward(math_scorer, math_task):
    r = math_scorer.score(math_task, f"\\boxed{{{math_task.payload['answer']}}}")
    structure = next(v for v in r.verdicts if v.verifier == "structure")
    assert r.value == 1.0 and not structure.passed and not r.accepted


def test_a_batch_is_scored_concurrently_in_order(math_scorer, math_task):
    ans = math_task.payload["answer"]
    got = math_scorer.score_batch([math_task.model_dump_json()] * 3,
                                  [f"\\boxed{{{ans}}}", "\\boxed{0}", [CALL, final(f"\\boxed{{{ans}}}")]])
    assert [r.value for r in got] == [1.0, 0.0, 1.0]


def test_timeouts_are_a_reason():
    with Scorer("instruct", timeout_s=1e-6) as s:
        assert s.score(s.pipeline.tasks()[0], "anything").reason.startswith("timeout:")


def test_instruct_partial_credit_and_integrity(instruct_scorer):
    task = instruct_scorer.pipeline.tasks()[0]
    prompt = instruct_scorer.pipeline.rl_episode(task).prompt()[-1].content
    assert instruct_scorer.score(task, prompt).reason.startswith("integrity:copies_instructions")
    r = instruct_scorer.score(task, "A note about baking sourdough bread: flour, water, salt and time make a loaf.")
    assert 0.0 <= r.value < 1.0 and r.reason.startswith("instructions:")


def test_rewards_agree_with_factory_verify(math_scorer, instruct_scorer, math_task, tmp_path):
    ans = math_task.payload["answer"]
    cases = [(math_scorer, math_task, c) for c in (f"\\boxed{{{ans}}}", "\\boxed{0}", [CALL, final("\\boxed{42}")],
                                                    f"<plan>Compute it with the tool then check</plan>\\boxed{{{ans}}}")]
    itask = instruct_scorer.pipeline.tasks()[1]
    cases += [(instruct_scorer, itask, c) for c in ("hello", "A note on the topic " * 6)]
    for scorer, task, completion in cases:
        r = scorer.score(task, completion)
        f = tmp_path / "row.parquet"
        import pyarrow.parquet as pq

        pq.write_table(to_table([r.row]), f)
        out = CliRunner().invoke(app, ["verify", str(f), "--pipeline", scorer.pipeline.name])
        assert out.exit_code == 0, out.output
        line = json.loads(out.output.strip().splitlines()[-1])
        assert line["accepted"] == r.accepted
        assert [(v["verifier"], v["passed"], v["reason"]) for v in line["verdicts"]] == \
            [(v.verifier, v.passed, v.reason) for v in r.verdicts]


def test_a_pipeline_without_an_environment_says_so():
    from factory.errors import UserError

    with Scorer("tests.factory.pipeline.toy:Toy") as s, pytest.raises(UserError, match="does not define an RL env"):
        s.score({"id": "t", "pipeline": "toy", "seed": 1, "payload": {}}, "x")
