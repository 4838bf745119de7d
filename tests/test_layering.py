"""The package layering holds: the engine imports no pipeline and names no pipeline's meta key;
environments (sandboxes, tool_graph) import nothing from the engine."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

from factory.agent.episode import loop_meta
from factory.agent.loop import LoopResult
from factory.trajectory import Branch, Trajectory, Usage
from pipelines.agentic_cot.pipeline import AgenticCoT
from pipelines.math.pipeline import META_KEYS, MathPipeline

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    mods = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            mods |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            mods.add(node.module)
    return mods


def _files(pkg: str) -> list[Path]:
    return sorted((ROOT / pkg).rglob("*.py"))


def test_engine_imports_no_pipeline_and_environments_import_no_engine():
    for f in _files("factory"):
        bad = {m for m in _imports(f) if m == "pipelines" or m.startswith("pipelines.")}
        assert not bad, f"{f.relative_to(ROOT)} imports {bad}"
    for pkg in ("sandboxes", "tool_graph", "tf_common"):
        for f in _files(pkg):
            bad = {m for m in _imports(f) if m == "factory" or m.startswith(("factory.", "pipelines"))}
            assert not bad, f"{f.relative_to(ROOT)} imports {bad}"


def _declared_keys() -> set[str]:
    keys = set(META_KEYS) | {"answer", "reference_answer", "thinking_id", "raw_reasoning", "has_reference"}
    for cls in (MathPipeline, AgenticCoT):
        v = cls.view()
        keys |= {*v.stat_keys, *v.inspect_keys, *v.highlight_tags, *v.card_keys, *cls.id_meta_keys}
        keys |= {v.attempt_key} if v.attempt_key else set()
    # Words the record schema itself defines (a branch's kind "root") are the engine's own.
    own = set(typing.get_args(Branch.model_fields["kind"].annotation))
    own |= set(typing.get_args(Trajectory.model_fields["outcome"].annotation))
    # The agent-row fields the engine itself writes (factory.agent.episode.loop_meta) are the engine's.
    own |= set(loop_meta(LoopResult(messages=[], usage=Usage(), stop_reason="max_turns"), guided=False))
    return keys - own


def test_engine_names_no_pipeline_meta_key():
    keys = _declared_keys()
    assert {"ability", "attempt", "variant", "analysis", "reference_answer"} <= keys
    for f in _files("factory"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in keys:
                raise AssertionError(f"{f.relative_to(ROOT)}:{node.lineno} names the pipeline key {node.value!r}")
