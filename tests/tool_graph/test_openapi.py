"""OpenAPI operations as tools: path/query/body parameters, $refs inlined, response schemas kept,
never executable (their results are simulated and marked); bad specs fail with one line."""

from pathlib import Path

import pytest

from tool_graph import graph as tgraph
from tool_graph.openapi_tools import load
from tool_graph.python_tools import ToolSourceError

SPEC = Path(__file__).with_name("fixtures_openapi.yaml")


def test_operations_become_tools():
    by = {s.name: s for s in load(SPEC)}
    book, loan = by["getBook"], by["createLoan"]
    assert book.parameters["required"] == ["isbn"] and "edition" in book.parameters["properties"]
    assert book.outputs()["shelf"] == {"type": "object", "properties": {"code": {"type": "string"}}}
    assert loan.parameters["required"] == ["isbn", "reader_id"]
    assert not book.executable and book.source == "openapi" and "GET /books/{isbn}" in book.origin
    edges = {(e.source, e.target): e.fields for e in tgraph.build(list(by.values())).edges}
    assert edges == {("getBook", "createLoan"): [("isbn", "isbn")]}


def test_directories_and_bad_specs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "lib.yaml").write_text(SPEC.read_text())
    assert len(load(tmp_path)) == 2
    (tmp_path / "bad.json").write_text('{"paths": {}}')
    with pytest.raises(ToolSourceError, match="bad.json.*no 'openapi' or 'swagger'"):
        load(tmp_path / "bad.json")
    (tmp_path / "broken.yaml").write_text("openapi: [unclosed")
    with pytest.raises(ToolSourceError, match="broken.yaml.*not a readable"):
        load(tmp_path / "broken.yaml")
    with pytest.raises(ToolSourceError, match="no such file"):
        load(tmp_path / "missing.yaml")
