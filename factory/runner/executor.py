"""Where chunks run: Ray actors (default; local or an existing cluster) or inline in the driver's
event loop (debugging). Both hand back awaitables, so the driver has one code path. Workers start
before the teacher (`attach` hands it over): their start-up overlaps the engine's load instead of
following it."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from factory import logs
from factory.config import RunConfig
from factory.errors import WorkersLost, plain_error, strip_ansi
from factory.runner.worker import ChunkResult, ChunkWorker
from factory.teacher.base import Teacher

_PACKAGES = ("factory", "pipelines", "tool_graph", "sandboxes", "tf_common")
_CLOSE_TIMEOUT_S = 60.0
log = logging.getLogger(__name__)


class InlineExecutor:
    """One worker in the driver's own event loop; its log records go straight to the run log."""

    def __init__(self, cfg: RunConfig, run_id: str, pipeline: str):
        self.workers = [ChunkWorker(cfg.model_dump(mode="json"), None, run_id, pipeline)]

    def attach(self, teacher: Teacher) -> None:
        for w in self.workers:
            w.attach(teacher)

    def submit(self, i: int, chunk_id: str, tasks: list[dict[str, Any]]) -> Awaitable[ChunkResult]:
        return self.workers[0].run_chunk(chunk_id, tasks)

    def close(self) -> list[dict[str, Any]]:
        for w in self.workers:
            w.close()
        self.workers.clear()
        return []


class RayExecutor:
    """`runner.workers` actors. A worker lost with its node (or crashed) is replaced, up to
    `runner.worker_restarts` times, and its chunks are sent again: a chunk commits only through the
    driver's manifest, so redoing one that never came back cannot duplicate a row. `close()` lets
    each worker close its pipeline (sandbox pools, helper processes) before the actor is killed, and
    returns their last log records."""

    def __init__(self, cfg: RunConfig, run_id: str, pipeline: str):
        import ray

        self.cfg, self.run_id, self.pipeline = cfg, run_id, pipeline
        self.teacher: Teacher | None = None
        self.remote = ray.remote(ChunkWorker)
        self.restarts = 0
        self.workers = [self._spawn() for _ in range(cfg.runner.workers)]

    def _spawn(self) -> Any:
        """A worker actor; one started after `attach` (a replacement) gets the teacher at once."""
        opts: dict[str, Any] = {"num_cpus": 1, "max_concurrency": 1000, "max_restarts": 0}
        if self.cfg.runner.worker_resources:
            opts["resources"] = dict(self.cfg.runner.worker_resources)
        return self.remote.options(**opts).remote(self.cfg.model_dump(mode="json"), self.teacher, self.run_id,
                                                  self.pipeline, buffer_logs=True)

    def attach(self, teacher: Teacher) -> None:
        """Hand every worker the teacher; returns when all are up (a worker whose pipeline failed to
        open raises here, before any chunk is sent)."""
        import ray

        self.teacher = teacher
        refs = [(w, w.attach.remote(teacher)) for w in self.workers]
        failed: list[BaseException] = []
        for w, ref in refs:
            try:
                ray.get(ref)
            except ray.exceptions.RayActorError as e:
                # It never opened its pipeline, so there is nothing to close: killed now, while the
                # workers that did start are closed with the run (their sandboxes, servers).
                failed.append(e)
                ray.kill(w)
                self.workers.remove(w)
        if failed:
            # Ray keeps only the text of an error raised while the actor started: its last line is
            # the cause ("module.Error: message").
            e = failed[0]
            lines = [ln.strip() for ln in strip_ansi(getattr(e, "error_msg", "") or str(e)).splitlines() if ln.strip()]
            raise WorkersLost(f"a chunk worker could not start: {lines[-1] if lines else plain_error(e)}. "
                              "Committed shards are intact; fix the cause and rerun")

    async def submit(self, i: int, chunk_id: str, tasks: list[dict[str, Any]]) -> ChunkResult:
        from ray.exceptions import ActorUnavailableError, RayActorError

        slot = i % len(self.workers)
        while True:
            worker = self.workers[slot]
            try:
                return await worker.run_chunk.remote(chunk_id, tasks)
            except (RayActorError, ActorUnavailableError) as e:
                self._replace(slot, worker, e)
                log.warning("chunk %s: its worker was lost; sent again to a new worker", chunk_id)

    def _replace(self, slot: int, dead: Any, e: BaseException) -> None:
        import ray

        if self.workers[slot] is not dead:
            return  # another chunk of the same worker already replaced it
        self.restarts += 1
        if self.restarts > self.cfg.runner.worker_restarts:
            raise WorkersLost(f"lost {self.restarts} chunk workers (runner.worker_restarts = "
                              f"{self.cfg.runner.worker_restarts}); last: {plain_error(e)}. Committed shards are "
                              "intact: check the cluster's nodes, then rerun to resume")
        log.warning("a chunk worker was lost (%s); starting another (%d of %d restarts)", plain_error(e),
                    self.restarts, self.cfg.runner.worker_restarts)
        try:
            ray.kill(dead, no_restart=True)
        except (ValueError, ray.exceptions.RayError):
            pass  # already gone with its node
        self.workers[slot] = self._spawn()

    def close(self) -> list[dict[str, Any]]:
        import ray

        records: list[dict[str, Any]] = []
        refs = [w.close.remote() for w in self.workers]
        for ref in refs:
            try:
                records.extend(ray.get(ref, timeout=_CLOSE_TIMEOUT_S))
            except (ray.exceptions.RayError, ray.exceptions.GetTimeoutError) as e:
                # A dead or stuck worker: killed below; its process and children go with it.
                log.warning("a worker could not close its pipeline cleanly: %s", plain_error(e))
        for w in self.workers:
            ray.kill(w)
        self.workers.clear()
        return records


_TMP_PREFIX, _OWNER = "tf-ray-", "owner.pid"
# Actors' stdout/stderr reach the driver (log_to_driver) and go to run.log (logs.route_worker_output),
# not the console. vLLM's periodic statistics would still drown the log, so its own logging shows errors only.
_ACTOR_ENV = {"VLLM_LOGGING_LEVEL": "ERROR"}


def reap_stale_temp_dirs() -> list[str]:
    """Remove what local Ray sessions whose driver died left behind: a kill -9 of the driver alone
    leaves Ray's daemons (GCS, raylet, dashboard and runtime-env agents) running, and its temp dir."""
    import psutil

    removed = []
    for d in Path(tempfile.gettempdir()).glob(_TMP_PREFIX + "*"):
        try:
            # The name carries the owner's pid too: a driver killed between creating the dir and
            # writing owner.pid must not leave a dir nobody may reap.
            owner = int((d / _OWNER).read_text()) if (d / _OWNER).exists() else int(d.name.split("-")[2])
            if d.stat().st_uid != os.getuid():
                continue
            # A live process with that pid started after the dir was made is not its owner (pid reuse).
            if psutil.Process(owner).create_time() <= d.stat().st_mtime + 1:
                continue
        except psutil.NoSuchProcess:
            pass  # owner gone
        except (OSError, ValueError, IndexError, psutil.Error):
            continue  # not ours to judge (no owner to read)
        _kill_session_processes(str(d))
        shutil.rmtree(d, ignore_errors=True)
        removed.append(str(d))
    return removed


def _kill_session_processes(temp_dir: str) -> None:
    """Ray's daemons and workers of a local session keep their logs open in its temp dir; that is
    how they are found (they rename themselves, and setting a title clobbers their environment)."""
    import psutil

    victims = []
    for p in psutil.process_iter(["uids"]):
        try:
            if p.pid != os.getpid() and p.info["uids"] and p.info["uids"].real == os.getuid() \
                    and _uses(p.pid, temp_dir):
                victims.append(p)
        except psutil.Error:
            continue
    for p in victims:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            p.kill()
    psutil.wait_procs(victims, timeout=10)
    if victims:
        log.info("killed %d process(es) left by a dead run's Ray session (%s)", len(victims), temp_dir)


def _uses(pid: int, temp_dir: str) -> bool:
    prefix = temp_dir.rstrip("/") + "/"
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(prefix):
                return True
    return False


class RaySession:
    """Owns `ray.init`/`ray.shutdown`. A local session gets its own temp dir, removed afterwards."""

    def __init__(self, cfg: RunConfig):
        self.cfg = cfg
        self.tmp: str | None = None

    def __enter__(self) -> "RaySession":
        import ray

        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        if self.cfg.runner.address:
            env: dict[str, Any] = {"env_vars": _ACTOR_ENV}
            if self.cfg.runner.ship_code:
                root = Path(__file__).resolve().parents[2]
                env["py_modules"] = [str(root / p) for p in _PACKAGES if (root / p).is_dir()]
            ray.init(address=self.cfg.runner.address, runtime_env=env, log_to_driver=True)
        else:
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # Ray 2.60 defaults to token auth
            reap_stale_temp_dirs()
            self.tmp = tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-")
            (Path(self.tmp) / _OWNER).write_text(str(os.getpid()))
            ray.init(num_cpus=max(2, os.cpu_count() or 2), include_dashboard=False, _temp_dir=self.tmp,
                     runtime_env={"env_vars": _ACTOR_ENV}, log_to_driver=True, configure_logging=True,
                     logging_level="WARNING")
        logs.route_worker_output()
        return self

    def __exit__(self, *exc: object) -> None:
        import ray

        ray.shutdown()
        if self.tmp:
            # Agents still flushing logs would repopulate the dir while it is removed.
            _kill_session_processes(self.tmp)
            shutil.rmtree(self.tmp, ignore_errors=True)
