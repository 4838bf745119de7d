"""One trial: a run directory, the `factory` CLI in its own session, and the checks every fault
must pass afterwards (every task exactly once, no duplicate id, files as the manifest says, nothing
left running, no temp dir left)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pyarrow.parquet as pq
import yaml

from factory.manifest import load_manifest
from factory.shards.integrity import check_run

ROOT = Path(__file__).resolve().parents[1]


class Failed(Exception):
    """The promise did not hold; the message says how."""


@dataclass
class Scenario:
    """What each trial runs: a small pipeline against `base_url`."""
    base_url: str
    tasks: int = 24
    executor: str = "ray"
    pipeline: str = "agentic_cot"
    pipeline_options: dict[str, Any] = field(default_factory=dict)
    teacher: dict[str, Any] | None = None  # default: the openai backend at base_url

    def config(self, out: Path, name: str) -> dict[str, Any]:
        cfg = {"pipeline": self.pipeline, "name": name, "output_dir": str(out), "limit": self.tasks,
               "pipeline_options": self.pipeline_options,
               # The watchdog is for a hung server; on a 2-core box a CPU server answering a rerun
               # beside other work went 60 s without a completion, which is slowness, not a fault.
               "teacher": self.teacher or {"backend": "openai", "base_url": self.base_url, "max_retries": 2,
                                           "watchdog_s": 180},
               "runner": {"executor": self.executor, "workers": 2, "chunk_size": 2, "chunks_in_flight": 2},
               "shards": {"rows_per_shard": 4, "flush_seconds": 0.5}}
        return cfg


class Trial:
    def __init__(self, scenario: Scenario, workdir: Path, name: str, out: Path | None = None):
        self.scenario, self.name = scenario, name
        self.dir = workdir / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.out = out or self.dir / "runs"
        self.config = self.dir / "run.yaml"
        self.config.write_text(yaml.safe_dump(scenario.config(self.out, name)))
        self.run_dir = self.out / name
        self.ray_dirs_before = _ray_dirs()
        self.sessions: list[int] = []  # process groups this trial started, checked for leftovers

    def factory(self, *args: str) -> subprocess.Popen:
        log = (self.dir / f"cmd-{len(self.sessions)}.err").open("w")
        p = subprocess.Popen([sys.executable, "-m", "factory.cli.app", *args], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=log, text=True, start_new_session=True)
        p.err_path = log.name  # type: ignore[attr-defined]
        self.sessions.append(p.pid)
        return p

    def run(self) -> subprocess.Popen:
        return self.factory("run", "--config", str(self.config))

    def finish(self, p: subprocess.Popen, timeout: float = 900) -> tuple[int, str]:
        try:
            p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            raise Failed(f"{' '.join(p.args[3:5])} did not end within {timeout:.0f} s") from None
        return p.returncode, Path(p.err_path).read_text()  # type: ignore[attr-defined]

    def complete(self, timeout: float = 900) -> None:
        """Rerun until the config's tasks are all committed; one rerun must be enough."""
        code, err = self.finish(self.run(), timeout)
        if code != 0:
            raise Failed(f"the rerun exited {code}: {last_line(err)}")
        self.check(complete=True)

    def wait_commits(self, p: subprocess.Popen, n: int, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if p.poll() is not None:
                return
            try:
                m = load_manifest(self.run_dir) if (self.run_dir / "manifest.json").exists() else None
            except Exception:  # noqa: BLE001 — a manifest mid-rename is retried
                m = None
            if m is not None and len(m.commits) >= n:
                return
            time.sleep(0.05)
        raise Failed(f"no {n} commit(s) within {timeout:.0f} s")

    def check(self, complete: bool) -> int:
        m = load_manifest(self.run_dir)
        if m is None:
            if complete:
                raise Failed("no manifest after the rerun")
            return 0  # killed before the run directory was made: nothing to account for

        tasks = [t for c in m.commits for t in c.task_ids]
        if len(tasks) != len(set(tasks)):
            raise Failed("a task was committed twice")
        damage = check_run(self.run_dir, m)
        if damage:
            raise Failed(f"committed file damaged: {damage[0].line()}")
        ids, seen = [], set()
        for side in ("accepted", "rejected"):
            for s in m.shards(side):
                t = pq.read_table(self.run_dir / s.path, columns=["id", "task_id"])
                ids += t.column("id").to_pylist()
                seen |= set(t.column("task_id").to_pylist())
        if len(ids) != len(set(ids)):
            raise Failed("duplicate row id across committed shards")
        if seen != set(tasks):
            raise Failed("rows and the manifest's task list disagree")
        if complete and len(tasks) != self.scenario.tasks:
            raise Failed(f"{len(tasks)} of {self.scenario.tasks} tasks committed after the rerun")
        return len(tasks)

    def leftovers(self) -> list[str]:
        """Processes of this trial still alive, Ray temp dirs it left, uncommitted files it left."""
        out = []
        deadline = time.monotonic() + 15  # daemons of a session that just shut down take a moment
        while True:
            alive = [p for p in psutil.process_iter(["pid", "cmdline"]) if _sid(p.pid) in self.sessions]
            if not alive or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        out += [f"process {p.pid} ({' '.join((p.info['cmdline'] or [])[:3])[:100]})" for p in alive]
        out += [f"temp dir {d}" for d in sorted(_ray_dirs() - self.ray_dirs_before) if not self._others(d)]
        staging = self.run_dir / "staging"
        if staging.is_dir() and any(staging.iterdir()):
            out.append(f"staging not empty: {sorted(p.name for p in staging.iterdir())}")
        return out

    def _others(self, ray_dir: Path) -> bool:
        """A Ray temp dir whose owner (the pid in its name) is alive outside this trial: another run's."""
        pid = ray_dir.name.split("-")[2] if ray_dir.name.count("-") >= 3 else ""
        return pid.isdigit() and psutil.pid_exists(int(pid)) and _sid(int(pid)) not in self.sessions

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _sid(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except (ProcessLookupError, PermissionError):
        return None


def _ray_dirs() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("tf-ray-*"))


def last_line(err: str) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    return lines[-1][:300] if lines else "(nothing on stderr)"


def one_line_error(code: int, err: str, expect: int) -> str:
    """The run's console ended with exactly one `error:` line and no traceback."""
    if code != expect:
        raise Failed(f"exited {code}, expected {expect}: {last_line(err)}")
    if "Traceback" in err:
        raise Failed("a traceback on the console")
    errors = [x for x in err.splitlines() if x.startswith("error:")]
    if len(errors) != 1:
        raise Failed(f"{len(errors)} error lines on the console, expected one")
    return errors[0]
