"""The teacher meter: busy time is the union of in-flight requests (two overlapping calls are not
counted twice; idle gaps are not counted), cached prompt tokens come from the backend's result, and
`take()` cuts an open interval so consecutive chunks never count the same second twice."""

import asyncio

from factory.config import SamplingConfig
from factory.teacher.base import ChatRequest, ChatResult, Completion, Teacher
from factory.teacher.meter import MeteredTeacher
from factory.trajectory import TeacherInfo


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


class Gated(Teacher):
    """Each call waits for its own event; the test moves the clock between them."""

    def __init__(self):
        self.gates: list[asyncio.Event] = []

    @property
    def info(self):
        return TeacherInfo(backend="gated", model="m")

    async def chat(self, request):
        gate = asyncio.Event()
        self.gates.append(gate)
        await gate.wait()
        return ChatResult([Completion("ok", "stop", 1)], prompt_tokens=10, seconds=0.0, extra={"cached_tokens": 4})


REQ = ChatRequest(messages=[{"role": "user", "content": "hi"}], sampling=SamplingConfig())


def test_busy_time_is_the_union_of_requests_in_flight(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("factory.teacher.meter.time.monotonic", clock)
    inner = Gated()
    meter = MeteredTeacher(inner)

    async def scenario():
        a = asyncio.create_task(meter.chat(REQ))
        await asyncio.sleep(0)
        clock.t += 2  # a alone: 2 s
        b = asyncio.create_task(meter.chat(REQ))
        await asyncio.sleep(0)
        clock.t += 3  # a and b: 3 s, counted once
        inner.gates[0].set()
        await a
        clock.t += 1  # b alone: 1 s
        mid = meter.take()  # b still in flight: cut at now
        clock.t += 4  # b alone: 4 s, in the next take
        inner.gates[1].set()
        await b
        clock.t += 10  # idle: not busy
        return mid, meter.take()

    mid, end = asyncio.run(scenario())
    assert mid["busy_s"] == {meter.id: 6.0} and mid["requests"] == 1
    assert end["busy_s"] == {meter.id: 4.0} and end["requests"] == 1
    assert mid["prompt_tokens"] + end["prompt_tokens"] == 20 and mid["cached_tokens"] + end["cached_tokens"] == 8
