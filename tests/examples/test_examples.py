"""Every file under examples/ does what its comments say, run the way they say (from the repository
root, through the `factory` console script where a user would type it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from factory.config import load_config
from factory.manifest import load_manifest
from factory.pipeline.registry import get_pipeline
from factory.runner import driver
from tests.fakes.openai_server import MODEL
from tests.fakes.scripted import ScriptedTeacher
from tests.fakes.servers import ROOT, free_port, start_fake, stop

EX = ROOT / "examples"
FACTORY = str(Path(sys.executable).with_name("factory"))


def test_every_example_config_validates_against_the_run_models():
    configs = sorted(p for p in EX.rglob("*.yaml") if p.parent.name != "mix")  # mix specs: below
    assert len(configs) >= 4
    for path in configs:
        cfg = load_config(path, {})
        assert get_pipeline(cfg.pipeline).Options.model_validate(cfg.pipeline_options), path


def test_minimal_pipeline_accepts_right_products_and_rejects_wrong_ones(tmp_path):
    cfg = load_config(EX / "minimal_pipeline" / "run.yaml",
                      {"output_dir": str(tmp_path), "runner": {"executor": "inline"}})

    def reply(req):  # right for even a, wrong otherwise
        a, b = (int(x) for x in req.messages[-1]["content"].split("What is ")[1].split("?")[0].split(" × "))
        return f"It is {a * b if a % 2 == 0 else a * b + 1}."

    out = driver.run(cfg, teacher=ScriptedTeacher(reply))
    assert out.stats["tasks"] == 4 and out.stats["accepted"] + out.stats["rejected"] == 4
    m = load_manifest(out.run_dir)
    rows = [r for s in m.shards("accepted") for r in pq.read_table(out.run_dir / s.path).to_pylist()]
    for r in rows:
        assert str(json.loads(r["meta"])["answer"]) in r["messages"][-1]["content"]
    assert set(out.stats["reasons"]) <= {"product:wrong_product"}


@pytest.fixture(scope="module")
def fake_endpoint():
    port = free_port()
    server = start_fake(port)
    yield f"http://127.0.0.1:{port}/v1"
    stop(server)


def test_minimal_pipeline_runs_from_the_console_script_in_the_repository_root(tmp_path, fake_endpoint):
    """`module:Class` is found from the directory the command runs in (the console script alone would not)."""
    p = subprocess.run([FACTORY, "-q", "run", "--config", "examples/minimal_pipeline/run.yaml", "--teacher", "openai",
                        "--base-url", fake_endpoint, "--output-dir", str(tmp_path), "--executor", "inline"],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert load_manifest(tmp_path / "multiply").commits


def test_openai_endpoint_example_runs_against_a_served_model(tmp_path, fake_endpoint):
    p = subprocess.run([FACTORY, "-q", "run", "--config", "examples/openai_endpoint.yaml", "--base-url", fake_endpoint,
                        "--model", MODEL, "--limit", "2", "--output-dir", str(tmp_path), "--executor", "inline"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    stats = json.loads((tmp_path / "math-qwen3-8b" / "stats.json").read_text())
    assert stats["tasks"] == 2 and stats["rows"] >= 2


def test_research_example_builds_tasks_from_its_own_corpus(tmp_path):
    cfg = load_config(EX / "research" / "run.yaml", {"output_dir": str(tmp_path)})
    with get_pipeline("research")(cfg) as pipeline:
        tasks = pipeline.tasks()
    assert len(tasks) == 12
    ids = {json.loads(line)["id"] for line in (EX / "research" / "kestrel_corpus.jsonl").read_text().splitlines()}
    kinds = {t.payload["mode"] for t in tasks}
    assert kinds <= {"closed", "open", "reverse"} and "closed" in kinds
    for t in tasks:
        assert set(t.payload.get("chain", [])) <= ids and t.payload["corpus"]


def test_mcp_example_offers_the_servers_tools_chained_and_runs_them_confined(tmp_path):
    p = subprocess.run([FACTORY, "tools", "graph", "--config", "examples/tool_use_mcp/run.yaml",
                        "--out", str(tmp_path / "g.json")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    graph = json.loads((tmp_path / "g.json").read_text())
    names = {n["name"] if isinstance(n, dict) else n for n in graph["nodes"]}
    assert {"find_book", "book_status", "author_info"} <= names
    assert len(graph["edges"]) >= 2  # find_book.book_id → book_status, find_book.author → author_info
    cfg = load_config(EX / "tool_use_mcp" / "run.yaml", {"output_dir": str(tmp_path)})
    with get_pipeline("tool_use")(cfg) as pipeline:
        tasks = pipeline.tasks()
    assert len(tasks) == 8
    assert all(s["tool"] in names for t in tasks for s in t.payload["walk"]["steps"])


def test_the_mix_presets_are_valid_specs_over_the_built_in_pipelines():
    from factory.mix.spec import load_spec

    presets = sorted((EX / "mix").glob("*.yaml"))
    assert {p.stem for p in presets} >= {"midtraining", "sft_stage1", "sft_stage2"}
    for path in presets:
        spec = load_spec(path)
        for s in spec.sources:
            assert s.select.pipeline and all(get_pipeline(p) for p in s.select.pipeline), (path, s.name)
            assert Path(s.path).name in s.select.pipeline  # runs/<pipeline>, where `make pipeline=X run` writes
    weights = {s.name: s.weight for s in load_spec(EX / "mix" / "sft_stage1.yaml").sources}
    assert (weights["math"], weights["code"], weights["science"]) == (40, 30, 20)
    assert weights["tool_use"] + weights["research"] == 10
