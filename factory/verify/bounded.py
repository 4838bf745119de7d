"""CPU-bound checks on teacher output (sympy / math-verify) in a helper process with a hard
timeout. A pathological answer can keep sympy busy for hours (seen: nested `evalf_mul` on a model's
"answer" stalled a worker for minutes), and math-verify's own timeouts use SIGALRM, which works only
on a main thread, not in the worker's asyncio thread. pebble kills and replaces the helper on timeout."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

T = TypeVar("T")


class CheckTimedOut(Exception):
    pass


class Bounded:
    def __init__(self, timeout_s: float = 10.0, workers: int = 1):
        self.timeout_s, self.workers = timeout_s, workers
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:  # travels to Ray workers before use
        return {"timeout_s": self.timeout_s, "workers": self.workers}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in the helper; `CheckTimedOut` if it runs too long or the helper dies.
        `fn` must be importable (module level)."""
        with self._lock:
            if self._pool is None:
                # forkserver: the caller has threads (Ray, the vLLM loop), which fork does not copy safely.
                self._pool = ProcessPool(max_workers=self.workers, context=multiprocessing.get_context("forkserver"))
            pool = self._pool
        future = pool.schedule(fn, args=args, timeout=self.timeout_s)
        try:
            return future.result()
        except FutureTimeout:
            raise CheckTimedOut(f"timed out after {self.timeout_s:g}s") from None
        except (ProcessExpired, BrokenProcessPool) as e:
            with self._lock:  # a broken pool never recovers: the next call starts a new one
                if self._pool is pool:
                    self._pool = None
            pool.stop()
            raise CheckTimedOut(f"the check process died ({e})") from None

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            pool.join(timeout=10)
