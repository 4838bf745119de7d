from factory.config import RunConfig
from factory.teacher.families import dialect
from factory.teacher.gpu_default import MODEL, with_gpu_default


def cfg(**teacher):
    return RunConfig.model_validate({"pipeline": "math", **({"teacher": teacher} if teacher else {})})


def test_a_gpu_and_no_named_teacher_gets_the_strong_model():
    got = with_gpu_default(cfg(sampling={"temperature": 0.3}), gpu=True).teacher
    assert (got.backend, got.model, got.sampling.temperature) == ("vllm", MODEL, 0.3)
    d = dialect(got)  # its family's dialect: native calls and thinking
    assert (d.tool_parser, d.reasoning_parser) == ("hermes", "qwen3") and d.thinking_budget > 0


def test_no_gpu_or_a_named_teacher_stays_as_asked():
    assert with_gpu_default(cfg(), gpu=False).teacher.backend == "embedded"
    assert with_gpu_default(cfg(backend="embedded"), gpu=True).teacher.backend == "embedded"
    assert with_gpu_default(cfg(backend="openai", base_url="http://x/v1"), gpu=True).teacher.backend == "openai"
