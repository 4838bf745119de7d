"""The openai backend against a real OpenAI-compatible server: vLLM's own API server on
127.0.0.1, serving the embedded model."""

import asyncio
import json
import subprocess
import sys

import pytest

from factory.config import SamplingConfig, TeacherConfig
from factory.runner import driver
from factory.teacher.base import ChatRequest, Structured
from factory.teacher.build import resolve_model
from factory.teacher.openai_http import OpenAITeacher
from tests.fakes.servers import free_port, stop, wait_http

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def vllm_server():
    port = free_port()
    model = resolve_model(TeacherConfig())
    proc = subprocess.Popen([sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", model,
                             "--served-model-name", "smollm2", "--host", "127.0.0.1", "--port", str(port),
                             "--max-model-len", "2048", "--enforce-eager", "--gpu-memory-utilization", "0.3"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/v1/models", proc, 400)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop(proc)


def test_chat_n_and_structured_output(vllm_server):
    t = OpenAITeacher(TeacherConfig(backend="openai", base_url=vllm_server))

    async def go():
        try:
            a = await t.chat(ChatRequest(messages=[{"role": "user", "content": "Hi"}],
                                         sampling=SamplingConfig(max_tokens=12), n=2, seed=3))
            schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"],
                      "additionalProperties": False}
            b = await t.chat(ChatRequest(messages=[{"role": "user", "content": "A number?"}],
                                         sampling=SamplingConfig(max_tokens=32), structured=Structured(json_schema=schema)))
            return a, b
        finally:
            await t.close()

    a, b = asyncio.run(go())
    assert t.model == "smollm2"  # discovered through the health check
    assert len(a.completions) == 2 and a.completion_tokens > 0 and a.prompt_tokens > 0
    assert isinstance(json.loads(b.completions[0].text)["n"], int)


def test_pipeline_through_the_server(vllm_server, make_cfg):
    cfg = make_cfg(pipeline="agentic_cot", limit=2, teacher={"backend": "openai", "base_url": vllm_server})
    out = driver.run(cfg)
    assert out.stats["tasks"] == 2 and out.stats["usage"]["teacher_calls"] == 4
