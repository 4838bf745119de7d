import json
import logging
import os
import signal
import subprocess
import sys

import pytest

from factory.errors import UserError
from factory.runner import driver
from factory.runner.lock import LOCK_FILE, RunLock

# A second process that takes the lock, says so, and holds it until killed or told to stop.
HOLDER = """
import sys
from pathlib import Path
from factory.runner.lock import RunLock
with RunLock(Path(sys.argv[1]), command="holder"):
    print("locked", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def holder(tmp_path):
    procs = []

    def start(run_dir):
        p = subprocess.Popen([sys.executable, "-c", HOLDER, str(run_dir)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "locked"
        procs.append(p)
        return p

    yield start
    for p in procs:
        p.kill()
        p.wait()


def test_second_writer_fails_at_once_naming_the_holder(tmp_path, holder):
    run_dir = tmp_path / "runs" / "nightly"
    p = holder(run_dir)
    with pytest.raises(UserError) as e:
        with RunLock(run_dir):
            pass
    msg = str(e.value)
    assert f"pid {p.pid}" in msg and "holder" in msg and "\n" not in msg
    # the holder ends cleanly: the lock is free and nothing is "taken over"
    p.communicate("\n")
    with RunLock(run_dir) as lock:
        assert lock.taken_over is None
        assert json.loads((run_dir / LOCK_FILE).read_text())["pid"] == os.getpid()
    assert (run_dir / LOCK_FILE).read_text() == ""


def test_lock_of_a_killed_holder_is_taken_over_and_said(tmp_path, holder, caplog):
    run_dir = tmp_path / "run"
    p = holder(run_dir)
    p.send_signal(signal.SIGKILL)
    p.wait()
    with caplog.at_level(logging.WARNING, "factory.runner.lock"), RunLock(run_dir) as lock:
        assert lock.taken_over["pid"] == p.pid
    assert f"pid {p.pid}" in caplog.text and "took over" in caplog.text


def test_run_refuses_a_directory_another_process_writes(make_cfg, scripted_toy, holder):
    cfg = make_cfg(limit=2)
    holder(cfg.run_dir)
    with pytest.raises(UserError, match="being written by pid"):
        driver.run(cfg, teacher=scripted_toy)
    assert not (cfg.run_dir / "manifest.json").exists()  # nothing was touched
