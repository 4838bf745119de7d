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
    monkeypatch.setattr("pipelines.tool_use.graph_file.McpHost", no_servers)
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


def test_a_run_writes_its_graph_once_and_a_resume_reads_it(tmp_path, monkeypatch, caplog):
    first = _pipeline(tmp_path)
    run_dir = first.cfg.run_dir
    built = [t.model_dump() for t in first.tasks()]
    run_dir.mkdir(parents=True)
    first.record(run_dir)
    saved = json.loads((run_dir / "tool_graph.json").read_text())
    assert set(saved["sources"]) == {"python:tool_graph.toolsets.everyday", "mcp:time"}
    assert saved["summary"]["nodes"] == len(saved["nodes"]) > 0

    def no_servers(*a, **k):
        raise AssertionError("a server was started to list tools")
    with monkeypatch.context() as m:
        m.setattr("pipelines.tool_use.graph_file.McpHost", no_servers)
        again = _pipeline(tmp_path)
        assert [t.model_dump() for t in again.tasks()] == built
        again.record(run_dir)  # read, not rebuilt: nothing to write
    assert json.loads((run_dir / "tool_graph.json").read_text()) == saved

    # sources that changed since: the run dir's graph is not trusted, the graph is built again
    with caplog.at_level(logging.WARNING):
        changed = _pipeline(tmp_path, mcp=["time", "memory"])
        changed.tasks()
    assert "was built from other sources (differ: mcp:memory): building the graph again" in caplog.text
    changed.record(run_dir)
    assert "mcp:memory" in json.loads((run_dir / "tool_graph.json").read_text())["sources"]


def test_check_edges_executes_the_edges_when_the_run_builds_its_graph(tmp_path):
    p = ToolUsePipeline(RunConfig(pipeline="tool_use", output_dir=str(tmp_path), pipeline_options={
        **OPTIONS, "check_edges": True, "sources": {"python": ["tool_graph.toolsets.everyday"], "mcp": []}}))
    p.tasks()
    p.cfg.run_dir.mkdir(parents=True)
    p.record(p.cfg.run_dir)
    summary = json.loads((p.cfg.run_dir / "tool_graph.json").read_text())["summary"]
    assert summary["checked"] > 0
