import json

from factory.agent import hermes
from factory.trajectory import Message, ToolCall


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


TOOLS = [{"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object"}}}]


def test_teacher_view_adds_the_tools_block_to_the_stored_system_prompt():
    msgs = [Message(role="system", content="Solve it."), Message(role="user", content="q")]
    out = hermes.to_teacher_messages(msgs, TOOLS)
    assert out[0]["content"].startswith("Solve it.") and out[0]["content"].count("<tools>\n") == 1
    assert '"name": "f"' in out[0]["content"] and msgs[0].content == "Solve it."  # the row is untouched
    assert hermes.to_teacher_messages(msgs) == [{"role": "system", "content": "Solve it."},
                                                {"role": "user", "content": "q"}]


def test_teacher_view_without_a_system_prompt_gets_one_for_the_tools():
    out = hermes.to_teacher_messages([Message(role="user", content="q")], TOOLS)
    assert [m["role"] for m in out] == ["system", "user"] and "<tools>" in out[0]["content"]


def test_tool_calls_have_the_openai_shape_and_read_the_flat_form():
    c = ToolCall(id="c1", name="f", arguments='{"x": 1}')
    assert c.model_dump() == {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
    assert ToolCall.model_validate(c.model_dump()) == c and (c.name, c.arguments) == ("f", '{"x": 1}')


def test_a_teacher_aside_is_sent_but_never_stored():
    msgs = [Message(role="system", content="Solve it."), Message(role="user", content="q")]
    out = hermes.to_teacher_messages(msgs, TOOLS, aside="Example: ...")
    assert out[0]["content"].startswith("Solve it.\n\nExample: ...") and "<tools>\n" in out[0]["content"]
    assert msgs[0].content == "Solve it."


def test_results_of_one_turn_share_a_user_turn():
    calls = [ToolCall(id=f"c{i}", name="f", arguments="{}") for i in range(2)]
    msgs = [Message(role="user", content="q"), Message(role="assistant", content="", tool_calls=calls),
            Message(role="tool", content="1", tool_call_id="c0"), Message(role="tool", content="2", tool_call_id="c1")]
    out = hermes.to_teacher_messages(msgs)
    assert [m["role"] for m in out] == ["user", "assistant", "user"] and out[2]["content"].count("<tool_response>") == 2
