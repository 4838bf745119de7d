"""A view of the teacher for one task that remembers the sampling of every call, so each row's
`teacher.sampling` says what was actually used (pipelines set max_tokens and temperature per call;
the run's defaults would be a guess)."""

from __future__ import annotations

import json

from factory.teacher.base import ChatRequest, ChatResult, Teacher
from factory.trajectory import TeacherInfo


class RecordingTeacher(Teacher):
    def __init__(self, inner: Teacher):
        self.inner = inner
        self.calls: dict[str, int] = {}  # sampling JSON → calls, in first-use order

    @property
    def info(self) -> TeacherInfo:
        return self.inner.info

    @property
    def tool_mode(self) -> str:
        return self.inner.tool_mode

    @property
    def thinking_budget(self) -> int:
        return self.inner.thinking_budget

    async def chat(self, request: ChatRequest) -> ChatResult:
        key = request.sampling.model_dump_json()
        self.calls[key] = self.calls.get(key, 0) + request.n
        return await self.inner.chat(request)

    def used(self) -> TeacherInfo:
        """The backend and model, with `sampling` = a JSON list of the distinct sampling settings this
        task's calls used, each with its number of completions (`[]` when it made no call)."""
        sampling = json.dumps([{**json.loads(k), "completions": n} for k, n in self.calls.items()], sort_keys=True)
        return self.inner.info.model_copy(update={"sampling": sampling})
