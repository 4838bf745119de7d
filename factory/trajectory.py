"""The record schema (docs/architecture.md, "Records"): one row = one trajectory, in OpenAI/HF chat format so a training
job can feed `messages` straight into a chat template."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import Field, model_validator

from tf_common import Strict

Role = Literal["system", "user", "assistant", "tool"]
Outcome = Literal["success", "failure", "negative", "error"]


class FunctionCall(Strict):
    name: str
    arguments: str = Field(description="JSON-encoded arguments, as in the OpenAI format")


class ToolCall(Strict):
    """A call in the OpenAI shape `{id, type: "function", function: {name, arguments}}`. Schema
    version 1 stored it flat (`{id, name, arguments}`); that form is still read."""

    id: str
    type: Literal["function"] = "function"
    function: FunctionCall

    @model_validator(mode="before")
    @classmethod
    def _flat_form(cls, data: Any) -> Any:
        if isinstance(data, dict) and "function" not in data and "name" in data:
            rest = {k: v for k, v in data.items() if k not in ("name", "arguments")}
            return {**rest, "function": {"name": data["name"], "arguments": data.get("arguments", "{}")}}
        return data

    @property
    def name(self) -> str:
        return self.function.name

    @property
    def arguments(self) -> str:
        return self.function.arguments


class Message(Strict):
    role: Role
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
    reasoning_content: str | None = Field(
        None, description="assistant: the teacher's thinking, kept apart from `content` (the key the Qwen3 and "
        "DeepSeek chat templates and TRL read); never judged as the model's visible output")

    def to_chat(self) -> dict[str, Any]:
        """The dict a chat template expects (no empty optional keys)."""
        d: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.reasoning_content:
            d["reasoning_content"] = self.reasoning_content
        if self.tool_calls:
            d["tool_calls"] = [c.model_dump() for c in self.tool_calls]
        if self.tool_call_id is not None:
            d["tool_call_id"] = self.tool_call_id
        if self.name is not None:
            d["name"] = self.name
        return d


class Verdict(Strict):
    verifier: str
    passed: bool
    score: float = 0.0
    reason: str = ""


class Branch(Strict):
    parent_id: str | None = None
    fork_step: int | None = None
    kind: Literal["root", "branch", "step"] = "root"
    parent_outcome: str | None = None


class Usage(Strict):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    teacher_calls: int = 0
    wall_seconds: float = 0.0

    def add(self, other: "Usage") -> "Usage":
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            teacher_calls=self.teacher_calls + other.teacher_calls,
            wall_seconds=self.wall_seconds + other.wall_seconds,
        )


class TeacherInfo(Strict):
    backend: str = ""
    model: str = ""
    sampling: str = "{}"


class Task(Strict):
    """One unit of work. `id` is stable across runs: it is derived from the pipeline, the task's
    parameters and the run seed, never from position or time."""

    id: str
    pipeline: str
    seed: int
    payload: dict[str, Any] = Field(default_factory=dict)


class Trajectory(Strict):
    id: str = ""
    run_id: str = ""
    pipeline: str
    task_id: str
    seed: int = 0
    messages: list[Message]
    tools: str = ""
    branch: Branch = Field(default_factory=Branch)
    outcome: Outcome = "success"
    reward: float = 0.0
    verdicts: list[Verdict] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)
    usage: Usage = Field(default_factory=Usage)
    teacher: TeacherInfo = Field(default_factory=TeacherInfo)
    reject_reason: str | None = None

    def with_content_id(self, meta_keys: tuple[str, ...] = ()) -> "Trajectory":
        """Set `id` to a hash of what the row says, so identical content gets the same id.
        `meta_keys` are the meta fields that tell apart rows with identical messages (the pipeline
        declares them as `id_meta_keys`)."""
        h = hashlib.sha256()
        h.update(self.pipeline.encode())
        h.update(self.task_id.encode())
        for k in meta_keys:
            h.update(json.dumps([k, self.meta.get(k)], sort_keys=True, ensure_ascii=False).encode())
        h.update(json.dumps(self.branch.model_dump(), sort_keys=True).encode())
        for m in self.messages:
            # A message without reasoning hashes as it did before the field existed: ids stay stable.
            d = m.model_dump(exclude={"reasoning_content"} if m.reasoning_content is None else None)
            h.update(json.dumps(d, sort_keys=True, ensure_ascii=False).encode())
        return self.model_copy(update={"id": h.hexdigest()[:32]})

    @property
    def accepted(self) -> bool:
        return self.reject_reason is None and self.outcome != "error"

    def text(self) -> str:
        """All message text, in order (the repetition check reads it; dedup compares `dedup_text`)."""
        parts = []
        for m in self.messages:
            parts.append(m.content)
            parts.extend(f"{c.name} {c.arguments}" for c in m.tool_calls)
        return "\n".join(parts)

    def last_assistant(self) -> str:
        for m in reversed(self.messages):
            if m.role == "assistant":
                return m.content
        return ""
