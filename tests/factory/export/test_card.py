"""The dataset card names the teachers that wrote the rows (backend, model, the weights' digest for
local weights) and says what the training template does to the teacher's thinking."""

from __future__ import annotations

import json

import pyarrow as pa

from factory.export import teachers
from factory.records import SCHEMA
from tests.factory.conftest import export


def test_the_card_names_the_teacher_and_warns_about_thinking_in_templates(hf_exports):
    card = (hf_exports["math"] / "README.md").read_text()
    assert "| scripted | script | not recorded |" in card
    assert "inserts an empty `<think></think>`" in card  # the caveat when no template is chosen


def test_a_text_card_says_what_its_template_does(pipeline_runs, tmp_path):
    to = export(pipeline_runs["math"], tmp_path / "t", "--format", "text", "--chat-template", "qwen3")
    card = (to / "README.md").read_text()
    assert "The template `qwen3`:" in card
    assert "inserts an empty `<think></think>` block into the last assistant turn" in card
    assert "drops the thinking" in card
    to = export(pipeline_runs["math"], tmp_path / "g", "--format", "text", "--chat-template", "gemma3")
    assert "does not render `reasoning_content` at all" in (to / "README.md").read_text()


def test_local_weights_are_named_by_folder_and_digest(tmp_path):
    model = "/root/.cache/trajectory-factory/models/SmolLM2-135M-Instruct-0a1b2c"
    files = {"model.safetensors": "ab" * 32, "config.json": "cd" * 32}
    (tmp_path / "provenance.json").write_text(json.dumps([
        {"teacher": {"backend": "embedded", "model": model}, "model_path": model, "model_files": files}]))
    rows = [{"teacher": {"backend": "embedded", "model": model, "sampling": "{}"}}] * 3 + \
           [{"teacher": {"backend": "openai", "model": "Qwen/Qwen3-8B", "sampling": "{}"}}]
    table = pa.Table.from_pylist([{f.name: r.get(f.name) for f in SCHEMA} for r in rows], schema=SCHEMA)
    got = teachers.teachers(table, tmp_path)
    assert got[0] == {"backend": "embedded", "model": "SmolLM2-135M-Instruct-0a1b2c",
                      "weights": teachers.weights_digest(files), "rows": 3}
    assert got[0]["weights"].startswith("sha256:") and len(got[0]["weights"]) == 71
    assert got[1]["model"] == "Qwen/Qwen3-8B" and "endpoint" in got[1]["weights"]
    # The digest is over names and contents: another file, another digest.
    assert teachers.weights_digest({**files, "x": "00"}) != got[0]["weights"]
