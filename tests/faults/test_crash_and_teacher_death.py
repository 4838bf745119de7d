"""Fault tests through the real CLI, the Ray runner and the openai backend, against a canned
OpenAI-compatible server (tests/fakes): kill -9 mid-run, and the teacher dying mid-run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq

from factory.manifest import load_manifest
from factory.shards.writer import sha256_file
from tests.fakes.servers import ROOT, free_port, start_fake, stop

N_TASKS = 40


def write_config(tmp_path: Path, port: int, watchdog: float = 300, executor: str = "ray") -> Path:
    cfg = tmp_path / "run.yaml"
    cfg.write_text(f"""pipeline: agentic_cot
name: faults
output_dir: {tmp_path / 'runs'}
limit: {N_TASKS}
teacher:
  backend: openai
  base_url: http://127.0.0.1:{port}/v1
  max_retries: 2
  watchdog_s: {watchdog}
runner:
  executor: {executor}
  chunk_size: 2
  chunks_in_flight: 2
shards:
  rows_per_shard: 4
  flush_seconds: 0.5
""")
    return cfg


def start_run(cfg: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "factory.cli.app", "run", "--config", str(cfg)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def check_accounting(run_dir: Path, complete: bool) -> int:
    m = load_manifest(run_dir)
    assert m is not None
    task_ids = [t for c in m.commits for t in c.task_ids]
    assert len(task_ids) == len(set(task_ids)), "a task was committed twice"
    ids, tasks_in_rows = [], set()
    for side in ("accepted", "rejected"):
        for s in m.shards(side):
            f = run_dir / s.path
            assert sha256_file(f) == s.sha256
            table = pq.read_table(f)
            assert table.num_rows == s.rows
            ids += table.column("id").to_pylist()
            tasks_in_rows |= set(table.column("task_id").to_pylist())
    assert len(ids) == len(set(ids)), "duplicate row ids"
    assert tasks_in_rows == set(task_ids)
    on_disk = {f"{p.parent.name}/{p.name}" for p in run_dir.glob("*ed/*.parquet")}
    assert m.shard_paths() <= on_disk  # every committed shard exists (orphans may, until the next run)
    if complete:
        assert len(task_ids) == N_TASKS and on_disk == m.shard_paths()
    return len(task_ids)


def test_kill_9_then_rerun_accounts_for_every_task_once(tmp_path):
    port = free_port()
    server = start_fake(port, "--delay", "0.1")
    try:
        cfg = write_config(tmp_path, port)
        ray_dirs_before = set(Path(tempfile.gettempdir()).glob("tf-ray-*"))
        proc = start_run(cfg)
        run_dir = tmp_path / "runs" / "faults"
        # kill once some chunks are committed and others are in flight: a random moment in that window
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (run_dir / "manifest.json").exists():
            time.sleep(0.2)
        while time.monotonic() < deadline:
            m = load_manifest(run_dir)
            if m and m.commits:
                break
            time.sleep(0.1)
        time.sleep(random.Random(os.getpid()).uniform(0, 1.5))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_dirs = set(Path(tempfile.gettempdir()).glob("tf-ray-*")) - ray_dirs_before
        partial = check_accounting(run_dir, complete=False)
        assert partial < N_TASKS, "the run finished before it could be killed: slow the server down"
        again = start_run(cfg)
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err
        check_accounting(run_dir, complete=True)
        assert "accepted" in out
        # the killed run's Ray temp dir was reaped by the rerun; the rerun removed its own
        assert set(Path(tempfile.gettempdir()).glob("tf-ray-*")) <= ray_dirs_before
        # and no process of the killed run (driver, Ray's daemons and workers) is still alive
        assert killed_dirs, "the killed run had started Ray"
        alive = [p.pid for p in psutil.process_iter(["cmdline"])
                 if any(str(d) in " ".join(p.info["cmdline"] or []) for d in killed_dirs)]
        assert alive == [], f"processes of the killed run still alive: {alive}"
    finally:
        stop(server)


def test_teacher_dying_fails_loudly_and_rerun_finishes(tmp_path):
    port = free_port()
    server = start_fake(port, "--delay", "0.05", "--hang-after", "30")
    try:
        cfg = write_config(tmp_path, port, watchdog=4)
        proc = start_run(cfg)
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 3, err
        assert "teacher stopped answering" in err and "rerun the same command" in err
        error_line = next(line for line in err.splitlines() if line.startswith("error:"))
        assert "rerun the same command" in error_line and "ray::" not in error_line  # one line, no remote traceback
        run_dir = tmp_path / "runs" / "faults"
        done = check_accounting(run_dir, complete=False)
        assert 0 < done < N_TASKS
    finally:
        stop(server)
    # the teacher is back (on the same address): the rerun finishes the rest
    server = start_fake(port)
    try:
        again = start_run(cfg)
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err
        check_accounting(run_dir, complete=True)
    finally:
        stop(server)


def test_a_dead_vllm_engine_is_one_line_pointing_at_the_server_log(tmp_path):
    port = free_port()
    server = start_fake(port, "--dead-after", "12")
    try:
        proc = start_run(write_config(tmp_path, port, executor="inline"))
        out, err = proc.communicate(timeout=120)
    finally:
        stop(server)
    assert proc.returncode == 3, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "engine" in errors[0] and "server's log" in errors[0], err
    assert "--no-enable-chunked-prefill" in errors[0] and "Traceback" not in err, err
    check_accounting(tmp_path / "runs" / "faults", complete=False)
