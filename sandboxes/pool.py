"""Many sandboxes at once without exhausting the machine: a concurrency limit, and a sandbox
that stays with one trajectory across its steps (the agent edits a repo across turns)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sandboxes.base import RunResult, Sandbox, SandboxError
from sandboxes.config import SandboxConfig
from sandboxes.select import Backend

T = TypeVar("T")


class SandboxPool:
    def __init__(self, cfg: SandboxConfig):
        self.cfg = cfg
        self.backend = Backend(cfg)
        self._slots = threading.BoundedSemaphore(cfg.max_concurrent)
        self._alive: set[Sandbox] = set()
        self._lock = threading.Lock()
        # asyncio callers wait for a slot here, on the event loop, never in a thread: threads that
        # block on the slot semaphore could take every executor thread, and the sandboxes holding
        # the slots would then have no thread left to run or close in (a deadlock seen on 2 cores).
        self._async_slots: asyncio.Semaphore | None = None
        # Sandbox calls get their own threads, so they neither starve nor are starved by other
        # users of the loop's default executor.
        self._executor = ThreadPoolExecutor(max_workers=2 * cfg.max_concurrent, thread_name_prefix="sandbox")
        self._closed = False

    @contextlib.contextmanager
    def sandbox(self) -> Iterator[Sandbox]:
        """A sandbox for one trajectory; blocks while `max_concurrent` are alive."""
        if self._closed:
            raise SandboxError("this sandbox pool is closed")
        with self._slots:
            sb = self.backend.open()
            with self._lock:
                self._alive.add(sb)
            try:
                yield sb
            finally:
                sb.close()
                with self._lock:
                    self._alive.discard(sb)

    async def _offload(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator["AsyncSandbox"]:
        """The same for asyncio callers: waiting for a slot on the loop, every call off it."""
        if self._async_slots is None:
            self._async_slots = asyncio.Semaphore(self.cfg.max_concurrent)
        async with self._async_slots:
            cm = self.sandbox()
            sb = await self._offload(cm.__enter__)
            try:
                yield AsyncSandbox(sb, self._offload)
            finally:
                await self._offload(cm.__exit__, None, None, None)

    def close(self) -> None:
        """Close every sandbox, including those of callers that were cancelled mid-call (a failed
        run abandons its trajectories): first let the threads finish what they were doing (each
        call is bounded by its timeout), so that no sandbox is created after the sweep."""
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            alive, self._alive = list(self._alive), set()
        for sb in alive:
            sb.close()
        self.backend.close()


class AsyncSandbox:
    def __init__(self, sb: Sandbox, offload: Callable[..., Any]):
        self.sb = sb
        self._offload = offload

    async def put_files(self, files: dict[str, bytes | str]) -> None:
        await self._offload(self.sb.put_files, files)

    async def run(self, argv: list[str], **kw: object) -> RunResult:
        return await self._offload(lambda: self.sb.run(argv, **kw))  # type: ignore[arg-type]

    async def read_file(self, path: str) -> bytes:
        return await self._offload(self.sb.read_file, path)
