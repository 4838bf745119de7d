"""Choose and start the teacher a run config asks for."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from factory.config import TeacherConfig
from factory.teacher.base import ChatRequest, ChatResult, Teacher
from factory.trajectory import TeacherInfo


class LocalVLLMTeacher(Teacher):
    """The engine in this very process (inline executor, tests, benchmarks). AsyncLLM binds to
    the event loop it first runs on, so it gets a loop thread of its own and callers on any loop
    (each `asyncio.run`) reach it through that thread. Not picklable."""

    def __init__(self, cfg: TeacherConfig, model: str, backend: str):
        from factory.teacher.vllm_engine import VLLMEngine

        self.cfg = cfg
        self.backend = backend
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="vllm-engine-loop", daemon=True)
        self.thread.start()

        async def make() -> VLLMEngine:
            return VLLMEngine(cfg, model)

        self.engine = asyncio.run_coroutine_threadsafe(make(), self.loop).result()

    @property
    def info(self) -> TeacherInfo:
        return TeacherInfo(backend=self.backend, model=self.engine.model,
                           sampling=self.cfg.sampling.model_dump_json())

    @property
    def tool_mode(self) -> str:
        return "native" if self.engine.dialect.native else "text"

    @property
    def thinking_budget(self) -> int:
        return self.engine.dialect.thinking_budget

    async def chat(self, request: ChatRequest) -> ChatResult:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.engine.chat(request), self.loop))

    def shutdown(self) -> None:
        async def stop() -> None:  # on the engine's loop, so its output task ends cleanly
            self.engine.shutdown()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=120)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)


@dataclass
class TeacherHandle:
    teacher: Teacher
    _stop: list[Callable[[], None]] = field(default_factory=list)
    model_path: str | None = None  # local weights, for provenance (None: a served or injected model)

    def close(self) -> None:
        for stop in self._stop:
            stop()
        self._stop.clear()


def resolve_model(cfg: TeacherConfig) -> str:
    if cfg.backend == "embedded":
        from factory.teacher.embedded import ensure_embedded_model

        return str(ensure_embedded_model())
    from factory.teacher.vllm_engine import check_model_path

    assert cfg.model
    check_model_path(cfg.model)
    return cfg.model


def preflight(cfg: TeacherConfig) -> None:
    """Cheap checks that turn a wrong endpoint or model path into one clear line before anything
    (Ray, engines, the run directory) is started or written."""
    if cfg.backend == "openai":
        from factory.teacher.openai_http import OpenAITeacher

        asyncio.run(_check(OpenAITeacher(cfg, probe_tools=False)))  # the teacher that runs asks, once
    elif cfg.backend == "embedded":
        from factory.teacher.embedded import find_gguf

        find_gguf()
    else:
        from factory.teacher.vllm_engine import check_model_path

        assert cfg.model
        check_model_path(cfg.model)
    if cfg.backend != "openai" and cfg.chat_template:
        from factory.teacher.vllm_engine import read_template

        read_template(cfg.chat_template)


def build_teacher(cfg: TeacherConfig, *, use_ray: bool,
                  log_sink: Callable[[list[dict[str, Any]]], None] | None = None) -> TeacherHandle:
    """`log_sink` receives the teacher actors' log records when they stop (for run.log)."""
    if cfg.backend == "openai":
        from factory.teacher.openai_http import OpenAITeacher

        t = OpenAITeacher(cfg)
        asyncio.run(_check(t))  # fail before any task is dispatched
        return TeacherHandle(t)
    model = resolve_model(cfg)
    if not use_ray:
        local = LocalVLLMTeacher(cfg, model, cfg.backend)
        return TeacherHandle(local, [local.shutdown], model)
    import ray

    from factory.teacher.vllm_actor import VLLMActorTeacher, start_actors, stop_actors

    # The driver may sit on a CPU-only head node: ask the cluster, not this machine.
    gpus = float(cfg.tensor_parallel_size) if ray.cluster_resources().get("GPU", 0) > 0 else 0.0
    actors = start_actors(cfg, model, gpus)
    native, thinking = ray.get(actors[0].dialect.remote())
    client = VLLMActorTeacher(cfg, model, actors, cfg.backend, native=native, thinking_budget=thinking)
    return TeacherHandle(client, [lambda: stop_actors(actors, log_sink)], model)


async def _check(t: Teacher) -> None:
    try:
        await t.start()
    finally:
        await t.close()
