"""Pipelines are plugins: found through entry points (built-ins too), or by `module:Class`; listing
them imports no pipeline's heavy dependencies; a broken plugin is named, not fatal."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import EntryPoint

import pytest

from factory.errors import UserError
from factory.pipeline import registry
from tests.factory.pipeline.toy import Toy
from tests.fakes.servers import ROOT


def test_builtins_are_entry_points_and_resolve_to_their_classes():
    found = registry.registered()
    assert {"math", "agentic_cot"} <= set(found)
    assert registry.get_pipeline("math").__name__ == "MathPipeline"
    assert registry.get_pipeline("math").view().attempt_key == "attempt"


def test_module_path_and_errors():
    assert registry.get_pipeline("tests.factory.pipeline.toy:Toy") is Toy
    with pytest.raises(UserError, match="unknown pipeline 'nope'; known: .*math"):
        registry.resolve("nope")
    with pytest.raises(UserError, match="cannot import it"):
        registry.get_pipeline("no_such_module:X")
    with pytest.raises(UserError, match="not a subclass"):
        registry.get_pipeline("json:dumps")


def test_a_plugin_package_registers_by_entry_point_and_a_broken_one_is_named(monkeypatch):
    eps = [EntryPoint("toy", "tests.factory.pipeline.toy:Toy", registry.GROUP),
           EntryPoint("broken", "no_such_plugin.module:Thing", registry.GROUP)]
    monkeypatch.setattr(registry, "entry_points", lambda group: eps if group == registry.GROUP else [])
    found = registry.registered()
    assert found["toy"].target == "tests.factory.pipeline.toy:Toy"
    assert found["toy"].description == Toy.description
    assert isinstance(found["broken"], str) and "no_such_plugin" in found["broken"]
    assert registry.get_pipeline("toy") is Toy
    with pytest.raises(UserError, match="pipeline 'broken': cannot load"):
        registry.get_pipeline("broken")


def test_listing_imports_no_heavy_dependency():
    code = ("import sys; from factory.cli.app import app; from typer.testing import CliRunner; "
            "r = CliRunner().invoke(app, ['pipelines']); assert r.exit_code == 0 and 'math' in r.stdout, r.stdout; "
            "heavy = [m for m in ('sympy', 'vllm', 'torch', 'docker', 'sandboxes.pool', 'pebble', "
            "'pipelines.math.pipeline', 'pipelines.agentic_cot.pipeline') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
