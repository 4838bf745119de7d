"""Completions in every shape a trainer hands over become the same messages."""

import json

import pytest

from factory.rl.completion import MalformedCompletion, messages_of


def test_a_string_with_thinking_and_a_hermes_call():
    [m] = messages_of('<think>try python</think>Let me check.\n<tool_call>\n{"name": "python", "arguments": '
                      '{"code": "print(1)"}}\n</tool_call>')
    assert m.reasoning_content == "try python" and m.content == "Let me check."
    assert [(c.name, json.loads(c.arguments)) for c in m.tool_calls] == [("python", {"code": "print(1)"})]


def test_a_completion_that_starts_inside_the_think_block():
    [m] = messages_of("plan it\n</think>\n\n\\boxed{3}")  # Qwen3 templates open <think> in the prompt
    assert m.reasoning_content == "plan it" and m.content == "\\boxed{3}"


def test_chat_messages_with_openai_calls_arguments_as_objects_or_text():
    out = messages_of([
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "a", "type": "function", "function": {"name": "f", "arguments": {"x": 1}}},
            {"id": "b", "type": "function", "function": {"name": "g", "arguments": '{"y": 2}'}}]},
        {"role": "tool", "tool_call_id": "a", "content": "1"},
        {"role": "tool", "tool_call_id": "b", "content": "2"},
        {"role": "assistant", "content": "done", "reasoning_content": "ok"}])
    assert [m.role for m in out] == ["assistant", "tool", "tool", "assistant"]
    assert [json.loads(c.arguments) for c in out[0].tool_calls] == [{"x": 1}, {"y": 2}]
    assert out[3].reasoning_content == "ok"


@pytest.mark.parametrize("completion,reason", [
    ('<tool_call>{"name": "f", "arguments": [1]}</tool_call>', "malformed:tool_call_arguments_not_object"),
    ([{"role": "user", "content": "hi"}], "malformed:role_user_in_completion"),
    ([{"role": "assistant", "content": "", "tool_calls": [{"id": "a", "function": {"name": "f", "arguments": "{x"}}]}],
     "malformed:arguments_not_json:f"),
    (42, "malformed:completion_is_int"),
])
def test_unreadable_completions_are_a_reason(completion, reason):
    with pytest.raises(MalformedCompletion, match=reason):
        messages_of(completion)
