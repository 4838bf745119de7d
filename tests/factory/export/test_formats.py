"""The export forms a training job reads: portable `openai` rows, `hf` rows with objects, and both
read back by `factory verify` and `factory dedup`."""

from __future__ import annotations

import json

import datasets
import pyarrow.parquet as pq
from typer.testing import CliRunner

from factory.cli.app import app
from factory.records import SCHEMA_VERSION
from tests.factory.conftest import export


def _load(folder):
    return datasets.load_dataset("parquet", data_files=str(folder / "data" / "*.parquet"), split="train")


def test_openai_rows_are_portable(pipeline_runs, tmp_path):
    ds = _load(export(pipeline_runs["math"], tmp_path / "o"))
    row = ds[0]
    system = row["messages"][0]
    assert system["role"] == "system" and "<tools>" not in system["content"] and "You may call" not in system["content"]
    calls = [c for m in row["messages"] for c in (m["tool_calls"] or [])]
    assert calls and all(c["type"] == "function" and set(c["function"]) == {"name", "arguments"} for c in calls)
    assert all(isinstance(json.loads(c["function"]["arguments"]), dict) for c in calls)
    tools = json.loads(row["tools"])
    assert tools and all(t["type"] == "function" and {"name", "parameters"} <= set(t["function"]) for t in tools)
    assert json.loads(row["meta"])["teacher_format"] == "hermes-tools/1"
    card = (tmp_path / "o" / "README.md").read_text()
    assert "format: `openai`" in card and f"row schema version: {SCHEMA_VERSION}" in card


def test_hf_rows_hold_objects_whatever_the_tools(hf_exports):
    ds = _load(hf_exports["math"])
    for row in ds:
        assert isinstance(row["tools"], list) and all(isinstance(t, dict) for t in row["tools"])
        names = {t["function"]["name"] for t in row["tools"]}
        for m in row["messages"]:
            for c in m["tool_calls"] or []:
                args = c["function"]["arguments"]
                # One column type across rows, yet no key of another tool's arguments leaks in.
                assert isinstance(args, dict) and c["function"]["name"] in names
                schema = next(t for t in row["tools"] if t["function"]["name"] == c["function"]["name"])
                assert set(args) <= set(schema["function"]["parameters"]["properties"])
    assert "format: `hf`" in (hf_exports["math"] / "README.md").read_text()


def test_verify_and_dedup_read_stored_and_exported_forms(pipeline_runs, hf_exports, tmp_path):
    stored = next((pipeline_runs["math"] / "accepted").glob("*.parquet"))
    openai = next((export(pipeline_runs["math"], tmp_path / "o") / "data").glob("*.parquet"))
    hf = next((hf_exports["math"] / "data").glob("*.parquet"))
    runner = CliRunner()
    verdicts = {}
    for name, f in (("stored", stored), ("openai", openai), ("hf", hf)):
        r = runner.invoke(app, ["verify", str(f), "--pipeline", "math", "--out", str(tmp_path / f"{name}.jsonl")])
        assert r.exit_code == 0, r.output
        verdicts[name] = [json.loads(line)["accepted"] for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
        d = runner.invoke(app, ["dedup", str(f), "--out", str(tmp_path / f"{name}.dedup.jsonl")])
        assert d.exit_code == 0, d.output
    assert verdicts["stored"] == verdicts["openai"] == verdicts["hf"] and all(verdicts["stored"])
    assert pq.read_table(hf).num_rows == len(verdicts["hf"])


def test_text_needs_a_template_and_unknown_formats_are_refused(pipeline_runs, tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["export", str(pipeline_runs["math"]), "--to", str(tmp_path / "t"), "--format", "text"])
    assert r.exit_code != 0 and "--chat-template" in str(r.exception or r.output)
    r = runner.invoke(app, ["export", str(pipeline_runs["math"]), "--to", str(tmp_path / "x"), "--format", "csv"])
    assert r.exit_code != 0 and "openai, hf, text" in str(r.exception or r.output)
