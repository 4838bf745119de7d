"""Model-family presets: which of vLLM's tool and reasoning parsers read a family's replies, and how
many tokens its thinking needs on top of a pipeline's per-turn answer budget. One table, so a user
names a family (or a model whose name gives it away) instead of four settings. docs/teachers.md
shows it with how each family is tested."""

from __future__ import annotations

import re
from dataclasses import dataclass

from factory.config import TeacherConfig
from factory.errors import UserError


@dataclass(frozen=True)
class Family:
    name: str
    tool_parser: str | None  # vLLM's `--tool-call-parser` name
    reasoning_parser: str | None  # vLLM's `--reasoning-parser` name
    thinking_budget: int  # extra tokens per request for the thinking (0: the model does not think)
    examples: str
    pattern: str  # matched against the lower-cased model name, to guess the family


FAMILIES: dict[str, Family] = {f.name: f for f in [
    Family("qwen3_6", "qwen3_coder", "qwen3", 4096, "Qwen3.5/3.6 (XML tool calls, thinking opened by the template)",
           r"qwen3\.[5-9]"),
    Family("qwen3", "hermes", "qwen3", 4096, "Qwen3-8B/32B/235B-A22B, Qwen3-*-Thinking-2507", r"qwen3(?!-coder)|qwq"),
    Family("qwen3_coder", "qwen3_coder", None, 0, "Qwen3-Coder-30B-A3B/480B-A35B", r"qwen3-coder"),
    Family("hermes", "hermes", None, 0, "Qwen2.5-*-Instruct, Hermes-3-Llama-3.1", r"qwen2\.5|hermes"),
    Family("deepseek_r1", "deepseek_v3", "deepseek_r1", 8192, "DeepSeek-R1-0528 and its distills",
           r"deepseek-r1"),
    Family("deepseek_v3", "deepseek_v3", None, 0, "DeepSeek-V3-0324", r"deepseek-v3"),
    Family("llama3", "llama3_json", None, 0, "Llama-3.1/3.2/3.3-*-Instruct", r"llama-?3"),
    Family("mistral", "mistral", None, 0, "Mistral-Small-3.2, Ministral, Devstral",
           r"mistral|ministral|devstral|magistral"),
    Family("gpt_oss", "openai", "openai_gptoss", 2048, "gpt-oss-20b/120b (harmony)", r"gpt-oss"),
    Family("glm45", "glm45", "glm45", 4096, "GLM-4.5/4.6", r"glm-4\.[5-9]"),
    Family("kimi_k2", "kimi_k2", "kimi_k2", 4096, "Kimi-K2-Instruct/Thinking", r"kimi-k2"),
]}


def guess(model: str | None) -> Family | None:
    name = (model or "").lower()
    for f in FAMILIES.values():
        if re.search(f.pattern, name):
            return f
    return None


def family_of(cfg: TeacherConfig) -> Family | None:
    if cfg.family is None:
        return guess(cfg.model)
    if cfg.family not in FAMILIES:
        raise UserError(f"teacher.family: '{cfg.family}' is not a known family; expected one of "
                        f"{', '.join(FAMILIES)} (or leave it out and set tool_parser / reasoning_parser)")
    return FAMILIES[cfg.family]


@dataclass(frozen=True)
class Dialect:
    """What a teacher config resolves to: the settings a backend acts on."""
    family: str | None
    tool_parser: str | None
    reasoning_parser: str | None
    thinking_budget: int


def dialect(cfg: TeacherConfig) -> Dialect:
    f = family_of(cfg)
    return Dialect(
        family=f.name if f else None,
        tool_parser=cfg.tool_parser or (f.tool_parser if f else None),
        reasoning_parser=cfg.reasoning_parser or (f.reasoning_parser if f else None),
        thinking_budget=cfg.thinking_budget if cfg.thinking_budget is not None else (f.thinking_budget if f else 0))


def check_budget(thinking_budget: int, context: int | None, where: str) -> None:
    """A thinking budget that leaves (almost) no room in the context fails every request: say so once."""
    if context and thinking_budget and thinking_budget + 256 > context:
        raise UserError(f"teacher.thinking_budget {thinking_budget} leaves no room for the prompt and the answer in "
                        f"{where}'s context of {context} tokens; lower teacher.thinking_budget or give the model a "
                        "longer context (teacher.max_model_len / vllm serve --max-model-len)")
