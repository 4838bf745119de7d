"""Rows of every pipeline rendered through real models' chat templates (Qwen3 and Gemma 3 from
their npm tokenizer packages, fetched at set-up; the embedded SmolLM2's own): the tools block once,
each call in the template's call syntax with its arguments intact, each result after its call,
no stray tags. And the `text` export built on it."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pytest

from factory.export import formats, templates
from tests.factory.conftest import export

CALL = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.S)


@pytest.fixture(scope="module", params=["qwen3", "gemma3", "embedded"])
def template(request):
    return templates.load(request.param)


def _accepted_rows(run):
    return [r for f in sorted((run / "accepted").glob("*.parquet")) for r in pq.read_table(f).to_pylist()]


def test_the_template_kinds_are_told_apart():
    assert templates.load("qwen3").native_tools  # renders tools and tool_calls itself
    assert not templates.load("gemma3").native_tools and not templates.load("embedded").native_tools


@pytest.mark.parametrize("pipeline", ["math", "agentic_cot"])
def test_rows_render_once_and_intact(pipeline_runs, template, pipeline):
    rows = _accepted_rows(pipeline_runs[pipeline])
    assert rows
    for row in rows:
        msgs, tools = formats.chat_messages(row["messages"]), formats.tool_list(row["tools"])
        text = template.render(msgs, tools)
        for t in tools:  # the tools block exactly once: the stored prompt no longer carries its own
            assert text.count(t["function"]["description"]) == 1, t["function"]["name"]
        calls = [(c["function"]["name"], c["function"]["arguments"]) for m in msgs for c in m.get("tool_calls", [])]
        # Real calls, not the tool instructions' own `{"name": <function-name>, ...}` example.
        blocks = [b for b in CALL.finditer(text) if "<function-name>" not in b.group(1)]
        assert [(json.loads(b.group(1))["name"], json.loads(b.group(1))["arguments"]) for b in blocks] == calls
        results = [m["content"] for m in msgs if m["role"] == "tool"]
        user = next(m["content"] for m in msgs if m["role"] == "user")
        talk = text[text.index(user):]  # after the system prompt and the template's tool instructions
        assert talk.count("<tool_call>") == talk.count("</tool_call>") == len(calls)
        assert talk.count("<tool_response>") == talk.count("</tool_response>") == len(results)
        ends = [b.end() for b in blocks] + [len(text)]
        assert not blocks or text.index(user) < blocks[0].start()
        for k, result in enumerate(results):  # call k → its result → call k+1 (one call per turn here)
            at = text.index(result.strip(), ends[k])
            assert k + 1 >= len(blocks) or at < blocks[k + 1].start()
        for tag in ("plan", "reflection", "analysis", "summary"):
            assert text.count(f"<{tag}>") == text.count(f"</{tag}>")


def test_text_export_counts_tokens_per_pipeline(pipeline_runs, tmp_path):
    for name, run in pipeline_runs.items():
        out = export(run, tmp_path / name, "--format", "text", "--chat-template", "qwen3")
        table = pq.read_table(out / "data" / "part-00000.parquet")
        texts, tokens = table.column("text").to_pylist(), table.column("tokens").to_pylist()
        assert texts and all(t.startswith("<|im_start|>") for t in texts) and all(n > 20 for n in tokens)
        tok = templates.load("qwen3")
        assert tokens == [tok.tokens(t) for t in texts]
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["tokens"] == {"total": sum(tokens), "by_pipeline": {name: sum(tokens)}}
        card = (out / "README.md").read_text()
        assert "format: `text`" in card and f"{sum(tokens):,} tokens in all" in card and "qwen3" in card


def test_a_template_that_cannot_render_a_row_stops_the_export(pipeline_runs, tmp_path):
    bad = tmp_path / "strict.jinja"
    bad.write_text("{% if messages|length > 2 %}{{ raise_exception('two messages at most') }}{% endif %}"
                   "{% for m in messages %}{{ m.content }}{% endfor %}")
    from typer.testing import CliRunner

    from factory.cli.app import app

    r = CliRunner().invoke(app, ["export", str(pipeline_runs["math"]), "--to", str(tmp_path / "t"),
                                 "--format", "text", "--chat-template", str(bad)])
    assert r.exit_code != 0 and "cannot render" in str(r.exception) and "two messages at most" in str(r.exception)
    assert not (tmp_path / "t" / "data").exists()  # nothing half-written
