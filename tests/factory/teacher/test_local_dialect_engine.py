"""The in-process engine speaking a family's dialect, as `vllm serve` does: the embedded weights with
the family's markers (tests/fakes/family_model.py), the family's template given as
teacher.chat_template, vLLM's parsers by name. One engine: Qwen3.6's dialect (XML calls, a thinking
block the template opens), so one trajectory shows native calls, their results and the thinking."""

import asyncio

import pytest

from factory.agent.loop import NATIVE_FORMAT, LoopLimits, run_agent
from factory.config import SamplingConfig, TeacherConfig
from factory.trajectory import Message
from tests.factory.agent.test_loop import BOX
from tests.fakes.family_model import family_model, template

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def qwen36(tmp_path_factory):
    from factory.teacher.build import LocalVLLMTeacher

    model = family_model(tmp_path_factory.mktemp("fm"))
    cfg = TeacherConfig(backend="vllm", model=str(model), family="qwen3_6", chat_template=str(template("qwen3_6")),
                        thinking_budget=24, enforce_thinking_budget=True, tool_choice="required", max_model_len=4096)
    teacher = LocalVLLMTeacher(cfg, str(model), "vllm")
    yield teacher
    teacher.shutdown()


def test_in_process_native_calls_with_thinking(qwen36):
    d = qwen36.engine.dialect
    assert qwen36.tool_mode == "native" and qwen36.thinking_budget == 24, (d.tool_parser, type(d.tokenizer),
                                                                          d.tokenizer.chat_template[:80])
    res = asyncio.run(run_agent(qwen36, [Message(role="user", content="What is 2 + 3? Use the add tool.")], BOX,
                                SamplingConfig(max_tokens=64, temperature=0.0, min_tokens=32), seed=1,
                                limits=LoopLimits(max_turns=2, max_completion_tokens=128), affinity="t"))
    assert res.teacher_format == NATIVE_FORMAT
    first = res.messages[1]
    assert first.role == "assistant" and first.tool_calls and first.tool_calls[0].id == "call_0_n0"
    assert first.reasoning_content and "</think>" not in first.content
    assert res.messages[2].role == "tool" and res.messages[2].tool_call_id == "call_0_n0"
