"""Many sandboxes at once without exhausting the machine: a concurrency limit, and a sandbox
that stays with one trajectory across its steps (the agent edits a repo across turns)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator

from sandboxes.base import RunResult, Sandbox
from sandboxes.config import SandboxConfig
from sandboxes.select import Backend


class SandboxPool:
    def __init__(self, cfg: SandboxConfig):
        self.cfg = cfg
        self.backend = Backend(cfg)
        self._slots = threading.BoundedSemaphore(cfg.max_concurrent)
        self._alive: set[Sandbox] = set()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def sandbox(self) -> Iterator[Sandbox]:
        """A sandbox for one trajectory; blocks while `max_concurrent` are alive."""
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

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator["AsyncSandbox"]:
        """The same for asyncio callers: waiting for a slot and every call run off the event loop."""
        cm = self.sandbox()
        sb = await asyncio.to_thread(cm.__enter__)
        try:
            yield AsyncSandbox(sb)
        finally:
            await asyncio.to_thread(cm.__exit__, None, None, None)

    def close(self) -> None:
        with self._lock:
            alive, self._alive = list(self._alive), set()
        for sb in alive:
            sb.close()


class AsyncSandbox:
    def __init__(self, sb: Sandbox):
        self.sb = sb

    async def put_files(self, files: dict[str, bytes | str]) -> None:
        await asyncio.to_thread(self.sb.put_files, files)

    async def run(self, argv: list[str], **kw: object) -> RunResult:
        return await asyncio.to_thread(lambda: self.sb.run(argv, **kw))  # type: ignore[arg-type]

    async def read_file(self, path: str) -> bytes:
        return await asyncio.to_thread(self.sb.read_file, path)
