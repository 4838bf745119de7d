"""Engine settings chosen from the config and the hardware, without starting an engine."""

from factory.config import TeacherConfig
from factory.teacher import vllm_engine
from factory.teacher.vllm_engine import cpu_has_native_bf16, engine_dtype

AVX2_ONLY = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n"
WITH_BF16 = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16\n"
ARM_BF16 = "processor\t: 0\nFeatures\t: fp asimd bf16 amx_bf16\n"


def test_bf16_detection_reads_cpu_flags():
    assert not cpu_has_native_bf16(AVX2_ONLY)
    assert cpu_has_native_bf16(WITH_BF16)
    assert cpu_has_native_bf16(ARM_BF16)
    assert not cpu_has_native_bf16("")


def test_auto_dtype_on_cpu_avoids_emulated_bf16(monkeypatch):
    monkeypatch.setattr(vllm_engine, "cpu_has_native_bf16", lambda: False)
    assert engine_dtype(TeacherConfig(), cuda=False) == "float32"
    monkeypatch.setattr(vllm_engine, "cpu_has_native_bf16", lambda: True)
    assert engine_dtype(TeacherConfig(), cuda=False) == "bfloat16"


def test_explicit_dtype_and_gpu_keep_their_choice(monkeypatch):
    monkeypatch.setattr(vllm_engine, "cpu_has_native_bf16", lambda: False)
    assert engine_dtype(TeacherConfig(dtype="bfloat16"), cuda=False) == "bfloat16"
    assert engine_dtype(TeacherConfig(), cuda=True) == "auto"


def test_engine_kwargs_carry_the_dtype(monkeypatch):
    monkeypatch.setattr(vllm_engine, "has_cuda", lambda: False)
    monkeypatch.setattr(vllm_engine, "cpu_has_native_bf16", lambda: False)
    kw = vllm_engine.engine_kwargs(TeacherConfig(max_model_len=2048), "/m")
    assert kw["dtype"] == "float32" and kw["enable_chunked_prefill"] is False
    assert kw["max_num_batched_tokens"] >= 2048
