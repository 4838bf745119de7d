"""The teacher interface every backend implements: chat with n samples, sampling parameters, a
seed and optional structured output."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any

from pydantic import model_validator

from factory.config import SamplingConfig, Strict
from factory.trajectory import TeacherInfo, ToolCall, Usage


class Structured(Strict):
    """Constrain the output. Exactly one field is set."""

    json_schema: dict[str, Any] | None = None
    regex: str | None = None
    grammar: str | None = None
    choice: list[str] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Structured":
        if sum(v is not None for v in (self.json_schema, self.regex, self.grammar, self.choice)) != 1:
            raise ValueError("set exactly one of json_schema, regex, grammar, choice")
        return self


class ChatRequest(Strict):
    messages: list[dict[str, Any]]
    sampling: SamplingConfig
    n: int = 1
    seed: int | None = None
    structured: Structured | None = None
    affinity: str = ""  # requests with the same key go to the same replica (prefix cache reuse)
    tools: list[dict[str, Any]] | None = None
    """OpenAI function schemas offered natively (`messages` then use `tool_calls` / role `tool`); only
    sent to a teacher whose `tool_mode` is "native" — in text mode the tools are in the system prompt"""
    tool_choice: str | dict[str, Any] | None = None
    """"auto" | "none" | "required" | {"type": "function", "function": {"name": …}}; None: the server's default"""


@dataclass
class Completion:
    text: str
    """the visible reply: thinking split out, native calls not rendered into it"""
    finish_reason: str | None
    completion_tokens: int
    reasoning: str | None = None
    """the teacher's thinking (a reasoning parser's field, or a `<think>` block split out of the text)"""
    tool_calls: list[ToolCall] | None = None
    """calls the server or engine parsed (native tool calling); None when it did not parse any, so the
    text may still hold calls in the prompt-level format"""
    thinking_unterminated: bool = False
    """the reply stopped inside its thinking: nothing after it is an answer"""


@dataclass
class ChatResult:
    completions: list[Completion]
    prompt_tokens: int
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def completion_tokens(self) -> int:
        return sum(c.completion_tokens for c in self.completions)

    def usage(self) -> Usage:
        return Usage(prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens,
                     teacher_calls=1, wall_seconds=self.seconds)


class Teacher(abc.ABC):
    """Backends must be picklable before `start()` so they can travel to Ray workers."""

    @property
    @abc.abstractmethod
    def info(self) -> TeacherInfo: ...

    @property
    def tool_mode(self) -> str:
        """"native": tools go in `ChatRequest.tools` and calls come back in `Completion.tool_calls`;
        "text": tools are offered in the system prompt and calls written inline (Hermes format)."""
        return "text"

    @property
    def thinking_budget(self) -> int:
        """Tokens the backend adds to every request's `max_tokens` for the teacher's thinking, so
        that a pipeline's per-turn budget stays the answer's."""
        return 0

    async def start(self) -> None:
        """Called once in the process that will use the teacher (health check, connections)."""

    @abc.abstractmethod
    async def chat(self, request: ChatRequest) -> ChatResult: ...

    async def close(self) -> None:
        """Release connections; idempotent."""
