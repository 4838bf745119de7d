"""Model families end to end through a real `vllm serve` on CPU: the embedded weights behind each
family's own chat template (as TRL ships it) and vLLM's own tool and reasoning parsers, the math
pipeline run through the `openai` backend, the stored rows read back. Each family's row must hold
the calls, their results and (where the family thinks) the reasoning, and `factory verify` must
reach the run's verdicts on it. gpt-oss (harmony) and Mistral cannot be served this way: their
parsers are tested on recorded replies in test_dialects.py."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from factory.cli.app import app
from factory.manifest import load_manifest
from factory.records import from_row
from factory.runner import driver
from tests.fakes.family_model import family_model, template
from tests.fakes.servers import free_port, stop, wait_http

pytestmark = pytest.mark.engine

PROBLEMS = [{"question": "What is 2 + 3?", "answer": "5"}]

# family → (chat template, vLLM tool parser, reasoning parser, teacher settings, pipeline settings)
FAMILIES = {
    # Qwen3 in its non-thinking mode: the template closes an empty <think> block in the prompt.
    "qwen3": ("qwen3", "hermes", "qwen3", {"chat_template_kwargs": {"enable_thinking": False}, "thinking_budget": 0},
              {"guided": False}),
    # Qwen3.6: XML tool calls and a thinking block the template opens; the budget closes it.
    "qwen3_6": ("qwen3_6", "qwen3_coder", "qwen3", {"enforce_thinking_budget": True, "thinking_budget": 24,
                                                    "sampling": {"min_tokens": 32}}, {"guided": False}),
    # DeepSeek-R1 (distill template: opens <think>, renders no tools): text format, guided turns that
    # start once the thinking budget closes the thinking.
    "deepseek_r1": ("deepseek_r1_distill", None, "deepseek_r1",
                    {"enforce_thinking_budget": True, "thinking_budget": 24, "tool_format": "text",
                     "sampling": {"min_tokens": 32}}, {"guided": True, "note_max_chars": 40, "turn_max_tokens": 160}),
    # Llama 3.1: JSON tool calls, no thinking.
    "llama3": ("llama3_1", "llama3_json", None, {}, {"guided": False}),
}


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return family_model(tmp_path_factory.mktemp("family-model"))


@pytest.fixture
def server(request, models):
    name = request.param
    tmpl, tool_parser, reasoning_parser, teacher_over, _ = FAMILIES[name]
    # Guided turns (text format) need llguidance, as the in-process engine uses (xgrammar refuses the
    # guide's schema); native forced calls need xgrammar (llguidance refuses vLLM's structural tags).
    backend = "guidance" if teacher_over.get("tool_format") == "text" else "xgrammar"
    port = free_port()
    cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(models),
           "--served-model-name", name, "--host", "127.0.0.1", "--port", str(port), "--max-model-len", "4096",
           "--enforce-eager", "--gpu-memory-utilization", "0.3", "--no-enable-chunked-prefill",
           "--chat-template", str(template(tmpl)),
           # forced calls follow the tools' argument schemas too, not only the call envelope
           "--tool-strict-level", "parameter",
           # compact JSON under guided decoding, as the in-process engine is configured
           "--structured-outputs-config", json.dumps({"backend": backend, "disable_any_whitespace": True})]
    if tool_parser:
        cmd += ["--enable-auto-tool-choice", "--tool-call-parser", tool_parser]
    if reasoning_parser:
        cmd += ["--reasoning-parser", reasoning_parser, "--reasoning-config", "{}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/v1/models", proc, 400)
        yield name, f"http://127.0.0.1:{port}/v1"
    finally:
        stop(proc)


def _rows(run_dir):
    m = load_manifest(run_dir)
    return [r for side in ("accepted", "rejected") for s in m.shards(side)
            for r in pq.read_table(run_dir / s.path).to_pylist()]


@pytest.mark.parametrize("server", list(FAMILIES), indirect=True)
def test_family_row_keeps_calls_results_and_reasoning(server, make_cfg, tmp_path):
    name, url = server
    _, tool_parser, reasoning_parser, teacher_over, opts = FAMILIES[name]
    teacher_over = dict(teacher_over)
    problems = tmp_path / "p.jsonl"
    problems.write_text("\n".join(json.dumps(p) for p in PROBLEMS))
    teacher = {"backend": "openai", "base_url": url, "family": name, "tool_choice": "required", "max_retries": 0,
               "sampling": {"temperature": 0.0, **teacher_over.pop("sampling", {})}, **teacher_over}
    cfg = make_cfg(pipeline="math", teacher=teacher, pipeline_options={
        "problems": str(problems), "generated_problems": 0, "attempts": 1, "max_turns": 2,
        "demonstration": False, "sandbox": {"backend": "bwrap"}, **{"turn_max_tokens": 96, **opts}})
    out = driver.run(cfg)
    rows = _rows(out.run_dir)
    assert len(rows) == 1, rows
    row = rows[0]
    t = from_row(row)
    meta = t.meta
    native = teacher.get("tool_format") != "text"
    assert meta["teacher_format"] == ("openai-tools/1" if native else "hermes-tools/1"), (meta, t.messages)
    calls = [c for m in t.messages if m.role == "assistant" for c in m.tool_calls]
    assert calls, (name, meta["stop_reason"], [m.model_dump() for m in t.messages])
    results = {m.tool_call_id: m.content for m in t.messages if m.role == "tool"}
    # The call's result, answered by the sandbox.
    assert calls[0].id in results and results[calls[0].id], (meta["stop_reason"], t.messages)
    if native:
        assert not calls[0].id.startswith("call_")  # the server's own id, kept
    thoughts = [m.reasoning_content for m in t.messages if m.role == "assistant" and m.reasoning_content]
    if teacher_over.get("enforce_thinking_budget"):
        assert thoughts, (name, [m.model_dump() for m in t.messages])
        assert all("<think>" not in m.content and "</think>" not in m.content for m in t.messages)
    # `factory verify` reaches the run's verdicts on the stored row.
    shard = tmp_path / "row.jsonl"
    shard.write_text(json.dumps({"messages": [m.model_dump() for m in t.messages], "tools": t.tools,
                                 "meta": meta}) + "\n")
    got = CliRunner().invoke(app, ["verify", str(shard), "--pipeline", "math"])
    assert got.exit_code == 0, got.output
    line = json.loads(got.output.strip().splitlines()[-1])
    stored = {v.verifier: v.passed for v in t.verdicts}
    assert {v["verifier"]: v["passed"] for v in line["verdicts"]} == stored
