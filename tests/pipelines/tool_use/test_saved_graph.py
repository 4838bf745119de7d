"""A graph built once (`factory tools graph --out`) and read by runs (`sources.graph`): the same tasks,
no server started to list tools, refused with one line once the sources change; tools that declare no
output schema are named."""

import json
import logging
import subprocess
import sys

import pytest

from factory.config import RunConfig
from factory.errors import UserError
from pipelines.tool_use.pipeline import ToolUsePipeline
from pipelines.tool_use.toolset import warn_without_outputs
from tool_graph.spec import ToolSpec

OPTIONS = {"tasks": 8, "request_writer": "template", "guided": False, "demonstration": False}


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("graph") / "g.json"
    out = subprocess.run([sys.executable, "-m", "factory.cli.app", "tools", "graph", "--mcp", "time",
                          "--out", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return path


def _pipeline(tmp_path, **sources):
    return ToolUsePipeline(RunConfig(pipeline="tool_use", output_dir=str(tmp_path),
                                     pipeline_options={**OPTIONS, "sources": {"mcp": ["time"], **sources}}))


def test_a_run_reads_the_saved_graph_without_starting_servers(graph_file, tmp_path, monkeypatch):
    data = json.loads(graph_file.read_text())
    assert set(data["sources"]) == {"python:tool_graph.toolsets.everyday", "mcp:time"}
    built = [t.model_dump() for t in _pipeline(tmp_path).tasks()]

    def no_servers(*a, **k):
        raise AssertionError("a server was started to list tools")
    monkeypatch.setattr("pipelines.tool_use.pipeline.McpHost", no_servers)
    read = [t.model_dump() for t in _pipeline(tmp_path, graph=str(graph_file)).tasks()]
    assert read == built


def test_a_stale_or_missing_graph_is_one_line(graph_file, tmp_path):
    with pytest.raises(UserError) as e:
        _pipeline(tmp_path, graph=str(graph_file), mcp=["time", "memory"]).tasks()
    msg = str(e.value)
    assert "was built from other sources (differ: mcp:memory)" in msg and "factory tools graph" in msg
    assert "\n" not in msg
    with pytest.raises(UserError, match="cannot read .*nope.json as a tool graph"):
        _pipeline(tmp_path, graph=str(tmp_path / "nope.json")).tasks()


def test_tools_without_an_output_schema_are_named(caplog):
    specs = [ToolSpec(name="blind", description="", parameters={}, source="python", origin="m"),
             ToolSpec(name="seeing", description="", parameters={}, source="python", origin="m",
                      output_schema={"type": "object", "properties": {"city": {"type": "string"}}})]
    with caplog.at_level(logging.WARNING):
        warn_without_outputs(specs)
    assert "1 tool(s) declare no output schema" in caplog.text and "blind" in caplog.text
    assert "seeing" not in caplog.text
