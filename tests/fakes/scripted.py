"""A scripted teacher with canned replies. Tests only: never importable from the product."""

from __future__ import annotations

from collections.abc import Callable

from factory.errors import TeacherUnavailable
from factory.schema import TeacherInfo
from factory.teacher.base import ChatRequest, ChatResult, Completion, Teacher


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
