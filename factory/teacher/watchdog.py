"""Fails the run loudly when the teacher stops answering: a hung server must not hang the run."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import TypeVar

from factory.errors import TeacherUnavailable

T = TypeVar("T")
log = logging.getLogger(__name__)


class Watchdog:
    """Tracks calls in flight; if none has completed for `limit_s` while some are pending, every
    pending and future call raises `TeacherUnavailable`."""

    def __init__(self, limit_s: float, what: str):
        self.limit_s = limit_s
        self.what = what
        self._warned_at: float | None = None  # the stall already warned about
        self._last_progress = time.monotonic()
        self._in_flight = 0
        self._tripped: str | None = None
        self._trip_event: asyncio.Event | None = None

    def _event(self) -> asyncio.Event:
        if self._trip_event is None:
            self._trip_event = asyncio.Event()
        return self._trip_event

    async def guard(self, call: Awaitable[T]) -> T:
        if self._tripped:
            if asyncio.iscoroutine(call):
                call.close()  # never started: closed now, not left to warn "never awaited" at exit
            raise TeacherUnavailable(self._tripped)
        if self._in_flight == 0:
            self._last_progress = time.monotonic()
        self._in_flight += 1
        task = asyncio.ensure_future(call)
        waiter = asyncio.ensure_future(self._watch())
        try:
            done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                self._last_progress = time.monotonic()
                return task.result()
            task.cancel()
            raise TeacherUnavailable(self._tripped or f"{self.what}: watchdog fired")
        finally:
            waiter.cancel()
            self._in_flight -= 1
            if not task.done():
                task.cancel()
            elif not task.cancelled():
                # Mark it retrieved: a call that failed as its caller was cancelled (the run stopping on
                # a dead teacher) would otherwise print "Task exception was never retrieved".
                task.exception()

    async def _watch(self) -> None:
        event = self._event()
        while not self._tripped:
            idle = time.monotonic() - self._last_progress
            if idle >= self.limit_s / 2 and self._warned_at != self._last_progress:
                self._warned_at = self._last_progress
                log.warning("%s is slow: nothing back for %.0fs with %d call(s) pending (the run fails at %.0fs)",
                            self.what, idle, self._in_flight, self.limit_s)
            if idle >= self.limit_s:
                self._tripped = (f"{self.what} returned nothing for {idle:.0f}s with calls pending "
                                 f"(watchdog {self.limit_s:.0f}s): is the server alive?")
                event.set()
                return
            try:
                next_check = self.limit_s / 2 - idle if idle < self.limit_s / 2 else self.limit_s - idle
                await asyncio.wait_for(event.wait(), timeout=min(next_check, 5.0) + 0.01)
            except TimeoutError:
                continue
