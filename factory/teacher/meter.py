"""How much of the wall time the teacher had work, seen from one worker: the time with at least one
request in flight (the union, not the sum), requests, prompt tokens and how many of them the
engine's prefix cache served. At scale the teacher is the cost; a share well below 1 says tools,
verifiers or the committer keep it waiting."""

from __future__ import annotations

import time
import uuid

from factory.teacher.base import ChatRequest, ChatResult, Teacher
from factory.trajectory import TeacherInfo


class MeteredTeacher(Teacher):
    def __init__(self, inner: Teacher):
        self.inner = inner
        self.id = uuid.uuid4().hex[:8]  # one meter per worker: busy times of two workers overlap
        self._in_flight = 0
        self._since = 0.0
        self._busy = 0.0
        self._counts = {"requests": 0, "prompt_tokens": 0, "cached_tokens": 0}

    @property
    def info(self) -> TeacherInfo:
        return self.inner.info

    @property
    def tool_mode(self) -> str:
        return self.inner.tool_mode

    @property
    def thinking_budget(self) -> int:
        return self.inner.thinking_budget

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    async def chat(self, request: ChatRequest) -> ChatResult:
        if self._in_flight == 0:
            self._since = time.monotonic()
        self._in_flight += 1
        try:
            res = await self.inner.chat(request)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._busy += time.monotonic() - self._since
        self._counts["requests"] += 1
        self._counts["prompt_tokens"] += res.prompt_tokens
        self._counts["cached_tokens"] += int(res.extra.get("cached_tokens", 0) or 0)
        return res

    def take(self) -> dict[str, object]:
        """What was metered since the last call (an open busy interval is cut at now), for a chunk's
        counters: `busy_s` keyed by this meter's id so the run can tell workers apart."""
        now = time.monotonic()
        busy = self._busy + (now - self._since if self._in_flight else 0.0)
        if self._in_flight:
            self._since = now
        self._busy = 0.0
        counts, self._counts = self._counts, {k: 0 for k in self._counts}
        return {"busy_s": {self.id: round(busy, 3)}, **counts}
