import json

from factory.agent import hermes
from factory.schema import Message, ToolCall


def test_parses_call_and_keeps_text():
    p = hermes.parse('I will add.\n<tool_call>\n{"name": "add", "arguments": {"a": 1, "b": 2}}\n</tool_call>')
    assert p.errors == [] and p.content == "I will add."
    assert p.calls[0].name == "add" and json.loads(p.calls[0].arguments) == {"a": 1, "b": 2}


def test_lenient_fence_string_arguments_and_missing_close():
    p = hermes.parse('<tool_call>```json\n{"name": "f", "arguments": "{\\"x\\": 1}"}\n```')
    assert p.errors == [] and json.loads(p.calls[0].arguments) == {"x": 1}


def test_multiple_calls_get_distinct_ids():
    t = '<tool_call>{"name":"a","arguments":{}}</tool_call><tool_call>{"name":"b","arguments":{}}</tool_call>'
    p = hermes.parse(t, call_prefix="c")
    assert [c.id for c in p.calls] == ["c0", "c1"]


def test_malformed_calls_are_reasons_not_exceptions():
    assert hermes.parse("<tool_call>not json</tool_call>").errors == ["tool_call_not_json"]
    assert hermes.parse('<tool_call>{"arguments": {}}</tool_call>').errors == ["tool_call_missing_name"]
    assert hermes.parse('<tool_call>{"name": "f", "arguments": [1]}</tool_call>').errors == [
        "tool_call_arguments_not_object"]
    assert hermes.parse("text </tool_call>").errors == ["tool_call_unbalanced_tags"]


def test_plain_answer_has_no_calls():
    p = hermes.parse("The answer is 4.")
    assert p.calls == [] and p.errors == [] and p.content == "The answer is 4."


def test_teacher_messages_inline_calls_and_wrap_results():
    msgs = [Message(role="user", content="q"),
            Message(role="assistant", content="thinking", tool_calls=[ToolCall(id="1", name="f", arguments="{}")]),
            Message(role="tool", content="42", tool_call_id="1", name="f")]
    out = hermes.to_teacher_messages(msgs)
    assert "<tool_call>" in out[1]["content"] and out[1]["content"].startswith("thinking")
    assert out[2] == {"role": "user", "content": "<tool_response>\n42\n</tool_response>"}


def test_tools_prompt_lists_schemas():
    s = hermes.tools_system_prompt("Be useful.", [{"type": "function", "function": {"name": "zz"}}])
    assert "<tools>" in s and '"zz"' in s
