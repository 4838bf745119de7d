"""Python callables → schemas from signatures and docstrings; calls run in the sandbox, from the
module's file, and a tool that fails, forks or allocates without bound comes back as an observation."""

import asyncio
import json
from pathlib import Path

import jsonschema
import pytest

from tool_graph.python_tools import PythonExecutor, ToolSourceError, load_module, spec_from_callable
from tool_graph.toolsets import everyday


def test_schemas_from_signatures_and_docstrings():
    specs, path = load_module("tool_graph.toolsets.everyday")
    by = {s.name: s for s in specs}
    assert path == Path(everyday.__file__)
    d = by["distance_km"]
    assert d.parameters["required"] == ["latitude_a", "longitude_a", "latitude_b", "longitude_b"]
    assert d.parameters["properties"]["latitude_a"] == {"description": "latitude of the first point, degrees",
                                                         "type": "number"}
    assert d.parameters["additionalProperties"] is False
    assert d.outputs() == {"distance_km": {"type": "number"}}
    assert by["add_days"].description.startswith("The date a number of days after")
    assert all(s.deterministic and s.source == "python" for s in specs)
    jsonschema.Draft202012Validator.check_schema(d.parameters)


def test_only_listed_functions_and_clear_errors():
    specs, _ = load_module("tool_graph.toolsets.everyday:city_info, weekday")
    assert [s.name for s in specs] == ["city_info", "weekday"]
    with pytest.raises(ToolSourceError, match="has no function 'nope'"):
        load_module("tool_graph.toolsets.everyday:nope")
    with pytest.raises(ToolSourceError, match="cannot import"):
        load_module("no.such.module")


def test_unannotated_or_undocumented_functions_are_refused():
    def bare(x):
        """Do it."""
    def silent(x: int) -> int:
        return x
    with pytest.raises(ToolSourceError, match="parameter 'x' has no type annotation"):
        spec_from_callable(bare, "m")
    with pytest.raises(ToolSourceError, match="no docstring"):
        spec_from_callable(silent, "m")


def test_calls_run_in_the_sandbox(tool_pool):
    ex = PythonExecutor(tool_pool, Path(everyday.__file__), timeout_s=20)
    ok = asyncio.run(ex.call("city_info", {"city": "tokyo"}))
    assert ok.ok and ok.data["timezone"] == "Asia/Tokyo" and json.loads(ok.text) == ok.data
    bad = asyncio.run(ex.call("city_info", {"city": "Atlantis"}))
    assert not bad.ok and bad.error == "tool_error" and "unknown city 'Atlantis'" in bad.text
    assert ex.call_sync("days_between", {"start_date": "2025-01-01", "end_date": "2025-03-01"}).data == {"days": 59}


def test_hostile_callables_are_contained(tool_pool, tmp_path):
    mod = tmp_path / "hostile.py"
    mod.write_text(
        "import os\n"
        "def fork_bomb() -> dict:\n    while True:\n        os.fork()\n"
        "def hog() -> dict:\n    x = []\n    while True:\n        x.append(bytearray(50_000_000))\n"
        "def peek(path: str) -> dict:\n    \"\"\"Look.\"\"\"\n    return {'exists': os.path.exists(path)}\n")
    ex = PythonExecutor(tool_pool, mod, timeout_s=10)
    forked = asyncio.run(ex.call("fork_bomb", {}))
    hogged = asyncio.run(ex.call("hog", {}))
    assert not forked.ok and forked.error in ("tool_timeout", "tool_error", "tool_program_error")
    assert not hogged.ok and hogged.error in ("tool_oom", "tool_error", "tool_program_error")
    # The project (and the host's files) are not in the sandbox.
    peeked = asyncio.run(ex.call("peek", {"path": str(Path(__file__).resolve())}))
    assert peeked.ok and peeked.data == {"exists": False}


def test_everyday_tables_close_over_their_own_outputs():
    for city in everyday.EXAMPLES["city"]:
        assert everyday.country_info(everyday.city_info(city)["country"])
    for country in everyday.EXAMPLES["country"]:
        assert everyday.city_info(everyday.country_info(country)["capital"])
