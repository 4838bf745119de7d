"""Start/stop helpers for test servers on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from chaos import teachers

ROOT = Path(__file__).resolve().parents[2]


# One implementation of "a free port" and "wait until it answers", shared with the chaos harness.
free_port = teachers.free_port
wait_http = teachers.wait_ready


def start_fake(port: int, *args: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.openai_server", str(port), *args], cwd=ROOT,
                            start_new_session=True)
    wait_http(f"http://127.0.0.1:{port}/v1/models", proc, 30)
    return proc


def stop(proc: subprocess.Popen) -> None:
    """Kill the server and everything it started (vLLM's engine runs in child processes)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
