"""Tool-use tasks as RL environments on the run's own MCP servers: the right move earns 1, a partial
one the share of checks it passed, a forged result of a deterministic tool 0."""

import json

import pytest

from factory.rl.env import Environment
from factory.rl.scorer import Scorer


@pytest.fixture(scope="module")
def scorer(tu_cfg):
    # one-step walks of the two variants these tests take; the run's MCP servers (time, memory)
    s = Scorer(config=tu_cfg(name="rl", pipeline_options={
        "lengths": {1: 1.0, 2: 0, 3: 0, 4: 0},
        "variants": {"normal": 3, "negative": 1, "missing_param": 0, "lookalike": 0, "failing_tool": 0}}))
    yield s
    s.close()


def _task(scorer, variant, length=None):
    for t in scorer.pipeline.tasks():
        w = t.payload["walk"]
        if t.payload["variant"] == variant and (length is None or len(w["steps"]) == length):
            return t
    raise AssertionError(f"no {variant} task drawn")


def test_a_single_call_answered_with_its_result_earns_one(scorer):
    task = _task(scorer, "normal", 1)
    step = task.payload["walk"]["steps"][0]
    env = Environment(scorer, max_turns=4)
    obs = env.reset(task)
    assert obs["messages"][-1]["role"] == "user" and obs["tools"]
    got = env.step({"role": "assistant", "content": "", "tool_calls": [
        {"id": "a", "function": {"name": step["tool"], "arguments": step["given"]}}]})
    result = got.messages[0]["content"]
    assert not got.done and not result.startswith("error:")
    end = env.step(f"Here is what the tool returned: {result}")
    assert end.done and (end.reward, end.reason) == (1.0, ""), end.info


def test_a_negative_task_refused_earns_one_and_a_call_costs_the_move(scorer):
    task = _task(scorer, "negative")
    r = scorer.score(task, "I cannot do that: none of the available tools does what you ask.")
    assert (r.value, r.reason) == (1.0, "")
    name = task.payload["offered"][0]["name"]
    said = [{"role": "assistant", "content": "", "tool_calls": [{"id": "a", "function": {"name": name,
                                                                                          "arguments": {}}}]},
            {"role": "assistant", "content": "I cannot do that with these tools."}]
    r = scorer.score(task, said)
    assert 0.0 <= r.value < 1.0


def test_a_forged_result_of_a_deterministic_tool_earns_zero(scorer):
    for task in scorer.pipeline.tasks():
        ep = scorer.pipeline.rl_episode(task)
        steps = [s for s in task.payload["walk"]["steps"] if ep.deterministic(s["tool"]) and not s["fed"]]
        if task.payload["variant"] == "normal" and steps:
            break
    else:
        raise AssertionError("no walk over a deterministic tool drawn")
    step = steps[0]
    said = [{"role": "assistant", "content": "", "tool_calls": [
        {"id": "a", "function": {"name": step["tool"], "arguments": step["given"]}}]},
        {"role": "tool", "tool_call_id": "a", "content": json.dumps({"forged": True})},
        {"role": "assistant", "content": "Done."}]
    assert scorer.score(task, said).reason == f"forged_observation:{step['tool']}"
