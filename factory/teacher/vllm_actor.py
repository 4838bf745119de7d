"""vLLM engines inside Ray actors, and the picklable client that workers use to reach them.
Requests with the same affinity key (a trajectory) go to the same replica so that each turn reuses
the prefix cache of the previous one."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from typing import Any

import ray
from ray.exceptions import ActorUnavailableError, RayActorError, RayTaskError

from factory.config import TeacherConfig
from factory.errors import TeacherError, TeacherUnavailable, plain_error
from factory.logs import LogBuffer, install
from factory.teacher.base import ChatRequest, ChatResult, Teacher
from factory.teacher.watchdog import Watchdog
from factory.trajectory import TeacherInfo

log = logging.getLogger(__name__)


@ray.remote
class VLLMTeacherActor:
    def __init__(self, cfg: dict[str, Any], model: str):
        from factory.teacher.vllm_engine import VLLMEngine

        self.logs = LogBuffer()  # handed to the driver's run.log when the actor stops
        install(self.logs)
        self.engine = VLLMEngine(TeacherConfig.model_validate(cfg), model)

    async def ready(self) -> bool:
        return True

    def dialect(self) -> tuple[bool, int]:
        """(native tool calls, thinking budget): what the workers' agent loops need to know."""
        return self.engine.dialect.native, self.engine.dialect.thinking_budget

    def drain_logs(self) -> list[dict[str, Any]]:
        return self.logs.drain()

    async def chat(self, request: dict[str, Any]) -> ChatResult:
        return await self.engine.chat(ChatRequest.model_validate(request))

    def shutdown(self) -> None:
        self.engine.shutdown()


def start_actors(cfg: TeacherConfig, model: str, gpus_per_replica: float) -> list[Any]:
    actors = []
    for _ in range(cfg.replicas):
        opts: dict[str, Any] = {"num_cpus": 0, "num_gpus": gpus_per_replica, "max_concurrency": 1000,
                                "name": None, "max_restarts": 0}
        actors.append(VLLMTeacherActor.options(**opts).remote(cfg.model_dump(), model))
    ray.get([a.ready.remote() for a in actors])
    return actors


def stop_actors(actors: list[Any], log_sink: Callable[[list[dict[str, Any]]], None] | None = None) -> None:
    for a in actors:
        try:
            if log_sink is not None:
                log_sink(ray.get(a.drain_logs.remote(), timeout=30))
            ray.get(a.shutdown.remote(), timeout=60)
        except (RayActorError, ray.exceptions.GetTimeoutError) as e:
            # Already gone (its death was reported when it happened) or stuck: killed below.
            log.warning("teacher actor did not stop cleanly: %s", plain_error(e))
        ray.kill(a)


class VLLMActorTeacher(Teacher):
    def __init__(self, cfg: TeacherConfig, model: str, actors: list[Any], backend: str, native: bool = False,
                 thinking_budget: int = 0):
        self.cfg = cfg
        self._native = native
        self._thinking = thinking_budget
        self.model = model
        self.actors = actors
        self.backend = backend
        self._watchdog: Watchdog | None = None
        self._dead: set[Any] = set()  # replicas this client saw die (each worker learns on its own)
        self._last_death = ""

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_watchdog": None}

    @property
    def info(self) -> TeacherInfo:
        return TeacherInfo(backend=self.backend, model=self.model, sampling=self.cfg.sampling.model_dump_json())

    @property
    def tool_mode(self) -> str:
        return "native" if self._native else "text"

    @property
    def thinking_budget(self) -> int:
        return self._thinking

    async def chat(self, request: ChatRequest) -> ChatResult:
        if self._watchdog is None:
            self._watchdog = Watchdog(self.cfg.watchdog_s, "vLLM teacher actor")
        while True:
            live = [a for a in self.actors if a._actor_id not in self._dead]
            if not live:
                raise TeacherUnavailable(f"every vLLM teacher replica died (last: {self._last_death})")
            actor = live[zlib.crc32(request.affinity.encode()) % len(live)]
            try:
                return await self._watchdog.guard(actor.chat.remote(request.model_dump()))
            except (RayActorError, ActorUnavailableError) as e:
                # A lost replica (its node went away): this trajectory goes on with another one; the
                # request is re-sent whole, so nothing of the conversation is lost, only its prefix cache.
                self._dead.add(actor._actor_id)
                self._last_death = plain_error(e)
                log.warning("a vLLM teacher replica is gone (%d of %d left): %s", len(live) - 1,
                            len(self.actors), self._last_death)
            except RayTaskError as e:
                # Ray wraps what the actor raised; the cause says whether the engine is gone for good.
                cause = e.cause
                if isinstance(cause, TeacherUnavailable):
                    raise TeacherUnavailable(str(cause)) from None
                if isinstance(cause, TeacherError):
                    raise TeacherError(str(cause)) from None
                raise
