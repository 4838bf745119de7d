"""factory.teacher.watchdog: a teacher that stops answering fails the run; a slow one does not."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from factory.errors import TeacherUnavailable
from factory.teacher.watchdog import Watchdog


def test_answers_pass_through_and_idle_time_without_calls_does_not_count():
    async def main():
        w = Watchdog(0.2, "teacher")
        assert await w.guard(asyncio.sleep(0, result="a")) == "a"
        await asyncio.sleep(0.3)  # nothing pending: not a stall
        assert await w.guard(asyncio.sleep(0.05, result="b")) == "b"
    asyncio.run(main())


def test_a_hung_call_trips_it_and_every_later_call_fails_at_once():
    async def main():
        w = Watchdog(0.2, "http://x/v1")
        with pytest.raises(TeacherUnavailable) as e:
            await w.guard(asyncio.Event().wait())
        assert "http://x/v1 returned nothing" in str(e.value) and "watchdog" in str(e.value)
        ran = []

        async def call():
            ran.append(1)
        later = call()
        with pytest.raises(TeacherUnavailable):
            await w.guard(later)
        await asyncio.sleep(0)
        # Refused before it started, and closed (no "coroutine was never awaited" at exit).
        assert ran == [] and inspect.getcoroutinestate(later) == inspect.CORO_CLOSED
    asyncio.run(main())


def test_steady_answers_keep_a_long_batch_alive():
    async def main():
        w = Watchdog(0.2, "teacher")
        # Ten calls of 0.1 s each, one after another, behind one long-pending call: progress keeps coming.
        slow = asyncio.ensure_future(w.guard(asyncio.sleep(0.6, result="slow")))
        for _ in range(8):
            await w.guard(asyncio.sleep(0.08))
        assert await slow == "slow"
    asyncio.run(main())


def test_an_error_from_the_call_is_the_callers_not_a_trip():
    async def main():
        w = Watchdog(0.2, "teacher")

        async def bad():
            raise ValueError("boom")
        with pytest.raises(ValueError):
            await w.guard(bad())
        assert await w.guard(asyncio.sleep(0, result=1)) == 1
    asyncio.run(main())
