"""vLLM engines inside Ray actors, and the picklable client that workers use to reach them.
Requests with the same affinity key (a trajectory) go to the same replica so that each turn reuses
the prefix cache of the previous one."""

from __future__ import annotations

import zlib
from typing import Any

import ray
from ray.exceptions import RayActorError, RayTaskError

from factory.config import TeacherConfig
from factory.errors import TeacherError, TeacherUnavailable
from factory.schema import TeacherInfo
from factory.teacher.base import ChatRequest, ChatResult, Teacher
from factory.teacher.watchdog import Watchdog


@ray.remote
class VLLMTeacherActor:
    def __init__(self, cfg: dict[str, Any], model: str):
        from factory.teacher.vllm_engine import VLLMEngine

        self.engine = VLLMEngine(TeacherConfig.model_validate(cfg), model)

    async def ready(self) -> bool:
        return True

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


def stop_actors(actors: list[Any]) -> None:
    for a in actors:
        try:
            ray.get(a.shutdown.remote(), timeout=60)
        except (RayActorError, ray.exceptions.GetTimeoutError):
            pass  # already gone: nothing left to shut down
        ray.kill(a)


class VLLMActorTeacher(Teacher):
    def __init__(self, cfg: TeacherConfig, model: str, actors: list[Any], backend: str):
        self.cfg = cfg
        self.model = model
        self.actors = actors
        self.backend = backend
        self._watchdog: Watchdog | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_watchdog": None}

    @property
    def info(self) -> TeacherInfo:
        return TeacherInfo(backend=self.backend, model=self.model, sampling=self.cfg.sampling.model_dump_json())

    async def chat(self, request: ChatRequest) -> ChatResult:
        if self._watchdog is None:
            self._watchdog = Watchdog(self.cfg.watchdog_s, "vLLM teacher actor")
        actor = self.actors[zlib.crc32(request.affinity.encode()) % len(self.actors)]
        try:
            return await self._watchdog.guard(actor.chat.remote(request.model_dump()))
        except RayActorError as e:
            raise TeacherUnavailable(f"the vLLM teacher actor died: {e}") from None
        except RayTaskError as e:
            # Ray wraps what the actor raised; the cause says whether the engine is gone for good.
            cause = e.cause
            if isinstance(cause, TeacherUnavailable):
                raise TeacherUnavailable(str(cause)) from None
            if isinstance(cause, TeacherError):
                raise TeacherError(str(cause)) from None
            raise
