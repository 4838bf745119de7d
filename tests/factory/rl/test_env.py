"""The environment object: reset gives the policy's messages and tools, step runs calls for real, the
end gives the verifiers' reward."""

from factory.rl.env import Environment

CALL = {"role": "assistant", "content": "", "tool_calls": [
    {"id": "c1", "type": "function", "function": {"name": "evaluate", "arguments": {"expression": "93/2"}}}]}


def test_a_math_episode(math_scorer, math_task):
    env = Environment(math_scorer)
    obs = env.reset(math_task.model_dump_json())
    assert [m["role"] for m in obs["messages"]] == ["system", "user"]
    assert {t["function"]["name"] for t in obs["tools"]} == {"python", "evaluate"}
    step = env.step(CALL)
    assert not step.done and step.reward is None
    assert step.messages[0]["role"] == "tool" and "93/2" in step.messages[0]["content"]
    end = env.step(f"So \\boxed{{{math_task.payload['answer']}}}")
    assert end.done and end.reward == 1.0 and end.reason == ""
    assert [m["role"] for m in env.messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert env.messages[2]["tool_calls"][0]["function"]["arguments"] == {"expression": "93/2"}


def test_the_turn_limit_ends_an_episode_with_zero(math_scorer, math_task):
    env = Environment(math_scorer, max_turns=2)
    env.reset(math_task)
    assert not env.step(CALL).done
    end = env.step({**CALL, "tool_calls": [{**CALL["tool_calls"][0], "id": "c2"}]})
    assert end.done and end.reward == 0.0 and end.reason == "generation:max_turns:2"


def test_a_malformed_message_ends_the_episode_with_its_reason(math_scorer, math_task):
    env = Environment(math_scorer)
    env.reset(math_task)
    end = env.step('<tool_call>{"name": "python"')
    assert end.done and end.reward == 0.0 and end.reason == "malformed:tool_call_not_json"


def test_many_environments_share_one_scorer(instruct_scorer):
    tasks = instruct_scorer.pipeline.tasks()[:3]
    envs = [Environment(instruct_scorer) for _ in tasks]
    firsts = [e.reset(t) for e, t in zip(envs, tasks, strict=True)]
    assert len({f["messages"][0]["content"] for f in firsts}) == 3 and all(f["tools"] == [] for f in firsts)
    ends = [e.step("too short") for e in envs]
    assert all(s.done and s.reward == 0.0 and s.reason == "integrity:too_short" for s in ends)
