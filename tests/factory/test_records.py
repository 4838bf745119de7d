"""factory.records: the one Trajectory ↔ Arrow conversion and the forms of records we read."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from factory import records
from factory.trajectory import Message, ToolCall, Trajectory, Usage


def row() -> Trajectory:
    call = ToolCall(id="call_1", function={"name": "add", "arguments": json.dumps({"a": 2, "b": 3})})
    return Trajectory(pipeline="toy", task_id="t-1", meta={"colour": "red", "nested": {"k": [1, 2]}},
                      usage=Usage(prompt_tokens=5, completion_tokens=3, teacher_calls=1),
                      messages=[Message(role="user", content="2+3?"),
                                Message(role="assistant", content="", tool_calls=[call], reasoning_content="add"),
                                Message(role="tool", content="5", tool_call_id="call_1", name="add"),
                                Message(role="assistant", content="5")]).with_content_id(())


def test_a_trajectory_survives_arrow_and_back_unchanged():
    t = row()
    table = records.to_table([t])
    assert table.schema.equals(records.SCHEMA) and records.schema_version(table.schema) == records.SCHEMA_VERSION
    assert json.loads(table.column("meta")[0].as_py()) == t.meta  # meta stored as one JSON string
    back = records.from_table(table)[0]
    assert back == t and back.id == t.id


def test_schema_version_of_an_unmarked_table_is_1():
    assert records.schema_version(pa.schema([("id", pa.string())])) == "1"


@pytest.mark.parametrize("meta, expected", [(None, {}), ("", {}), ("  ", {}), ('{"a": 1}', {"a": 1}),
                                            ({"a": 1}, {"a": 1})])
def test_decode_meta_reads_every_stored_or_given_form(meta, expected):
    assert records.decode_meta(meta) == expected


@pytest.mark.parametrize("meta, error", [("[1, 2]", ValueError), ("{not json", ValueError), (7, TypeError)])
def test_decode_meta_refuses_what_is_not_an_object(meta, error):
    with pytest.raises(error):
        records.decode_meta(meta)


def test_call_parts_reads_both_call_shapes():
    nested = {"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}}
    flat_v1 = {"id": "c", "name": "f", "arguments": {"x": 1}}  # schema 1, arguments as an object (hf)
    assert records.call_parts(nested) == ("c", "f", '{"x": 1}')
    assert records.call_parts(flat_v1) == ("c", "f", '{"x": 1}')


def test_from_record_takes_a_users_file_row_with_nulls_and_object_arguments():
    user_row = {"messages": [{"role": "user", "content": "hi", "tool_calls": None, "name": None},
                             {"role": "assistant", "content": None,
                              "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": {"x": 1}}}]}],
                "meta": '{"answer": "42"}', "tools": ['{"type": "function"}']}
    t = records.from_record(user_row, "math")
    assert t.pipeline == "math" and t.meta == {"answer": "42"}
    assert t.messages[1].tool_calls[0].function.arguments == '{"x": 1}'
    assert json.loads(t.tools) == [{"type": "function"}]
    with pytest.raises(TypeError):
        records.from_record({"messages": "not a list"}, "math")
