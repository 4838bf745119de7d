"""Options: defaults resolved by teacher (the embedded model gets single calls), explicit values kept,
bad values refused with the field named."""

import pytest
from pydantic import ValidationError

from factory.config import RunConfig
from factory.errors import UserError
from factory.pipeline.registry import get_pipeline
from pipelines.tool_use.tasks import EMBEDDED, STRONG, Options, resolve_defaults


def test_defaults_follow_the_teacher():
    assert resolve_defaults(Options(), "embedded").lengths == EMBEDDED["lengths"]
    strong = resolve_defaults(Options(), "vllm")
    assert (strong.lengths, strong.max_turns, strong.distractors) == (STRONG["lengths"], 8, 2)
    mine = resolve_defaults(Options(lengths={2: 1.0}, max_turns=5), "embedded")
    assert (mine.lengths, mine.max_turns, mine.distractors) == ({2: 1.0}, 5, 0)


@pytest.mark.parametrize("bad, field", [({"lengths": {5: 1.0}}, "lengths"), ({"lengths": {1: 0}}, "lengths"),
                                        ({"variants": {"sometimes": 1}}, "variants"), ({"tasks": 0}, "tasks"),
                                        ({"sources": {"mcp": [{"name": "x"}]}}, "command")])
def test_bad_options_name_the_field(bad, field):
    with pytest.raises(ValidationError, match=field):
        Options.model_validate(bad)
    with pytest.raises(UserError, match=field):
        get_pipeline("tool_use")(RunConfig(pipeline="tool_use", pipeline_options=bad))


def test_a_shared_tool_name_says_the_fix_for_each_source():
    from pipelines.tool_use.toolset import _rename_hint
    from tool_graph.spec import ToolSpec

    def spec(source, origin):
        return ToolSpec(name="get_city", description="", parameters={}, source=source, origin=origin)

    hint = _rename_hint(spec("openapi", "a.yaml"), spec("openapi", "b.yaml"))
    assert "rename the operationId `get_city` in a.yaml or rename the operationId `get_city` in b.yaml" in hint
    assert "exclude" not in hint
    assert "`exclude: [get_city]` on the MCP server maps" in _rename_hint(spec("python", "m"), spec("mcp", "maps"))
