"""The teacher the chaos runs talk to: the embedded model behind vLLM's OpenAI-compatible server (so
that the server itself can be killed and restarted), or any server a caller starts (the short
variant in `make test` passes its stand-in)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Protocol

import httpx


class Server(Protocol):
    base_url: str

    def start(self) -> None: ...
    def kill(self) -> None: ...


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"teacher server exited with {proc.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


class ProcessServer:
    """A server process started in its own session, killed with its children (vLLM's engine core)."""

    def __init__(self, argv: list[str], port: int, env: dict[str, str] | None = None, cwd: Path | None = None,
                 ready_s: float = 300):
        self.argv, self.port, self.env, self.cwd, self.ready_s = argv, port, env, cwd, ready_s
        self.base_url = f"http://127.0.0.1:{port}/v1"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, env={**os.environ, **(self.env or {})}, cwd=self.cwd,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_ready(f"{self.base_url}/models", self.proc, self.ready_s)

    def kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=60)
        self.proc = None


def embedded_server(port: int | None = None) -> ProcessServer:
    """docs/teachers.md's local CPU server line, on the embedded model (converted on first use)."""
    from factory.teacher.embedded import ensure_embedded_model

    port = port or free_port()
    model = ensure_embedded_model()
    argv = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(model), "--port", str(port),
            "--host", "127.0.0.1", "--enforce-eager", "--no-enable-chunked-prefill",
            "--max-num-batched-tokens", "8192", "--dtype", "float32", "--max-model-len", "4096"]
    return ProcessServer(argv, port, env={"VLLM_CPU_KVCACHE_SPACE": "2"})
