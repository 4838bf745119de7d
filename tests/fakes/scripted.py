"""A scripted teacher with canned replies. Tests only: never importable from the product."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from factory.errors import TeacherUnavailable
from factory.teacher.base import ChatRequest, ChatResult, Completion, Teacher
from factory.trajectory import TeacherInfo


class ScriptedTeacher(Teacher):
    def __init__(self, reply: Callable[[ChatRequest], str], die_after: int | None = None):
        self.reply = reply
        self.calls: list[ChatRequest] = []
        self.die_after = die_after

    @property
    def info(self) -> TeacherInfo:
        return TeacherInfo(backend="scripted", model="script")

    async def chat(self, request: ChatRequest) -> ChatResult:
        if self.die_after is not None and len(self.calls) >= self.die_after:
            raise TeacherUnavailable("scripted teacher died")
        self.calls.append(request)
        text = self.reply(request)
        return ChatResult([Completion(text, "stop", max(1, len(text.split())))] * request.n,
                          prompt_tokens=sum(len(str(m.get("content", "")).split()) for m in request.messages),
                          seconds=0.0)


class SlowTeacher(ScriptedTeacher):
    """The scripted teacher after a model-like delay per call, so that a run is still going when a
    test injects a fault."""

    def __init__(self, reply: Callable[[ChatRequest], str], delay_s: float = 0.25):
        super().__init__(reply)
        self.delay_s = delay_s

    async def chat(self, request: ChatRequest) -> ChatResult:
        await asyncio.sleep(self.delay_s)
        return await super().chat(request)


class CompletionTeacher(ScriptedTeacher):
    """Scripted at the level of a parsed reply: `reply` returns a Completion (native calls, reasoning,
    a finish reason), as a backend hands it to the agent loop. `tool_mode` as a native server's."""

    def __init__(self, reply: Callable[[ChatRequest], Completion], tool_mode: str = "native", thinking_budget: int = 0):
        super().__init__(lambda req: "")
        self.completion_reply = reply
        self._mode, self._thinking = tool_mode, thinking_budget

    @property
    def tool_mode(self) -> str:
        return self._mode

    @property
    def thinking_budget(self) -> int:
        return self._thinking

    async def chat(self, request: ChatRequest) -> ChatResult:
        self.calls.append(request)
        return ChatResult([self.completion_reply(request)], prompt_tokens=1, seconds=0.0)
