"""The client of the vLLM replicas: a replica lost with its node is skipped and the request goes to
another one; only when every replica is gone is the teacher unavailable (the run then exits 3)."""

from __future__ import annotations

import asyncio

import pytest
from ray.exceptions import ActorUnavailableError, RayActorError

from factory.config import SamplingConfig, TeacherConfig
from factory.errors import TeacherUnavailable
from factory.teacher.base import ChatRequest, ChatResult, Completion
from factory.teacher.vllm_actor import VLLMActorTeacher


class FakeReplica:
    """Stands for a Ray actor handle: `chat.remote(...)` is awaitable; a dead one raises what Ray raises."""

    def __init__(self, name: str, dead: BaseException | None = None):
        self._actor_id, self.dead, self.calls = name, dead, 0
        self.chat = self

    def remote(self, request):
        async def answer():
            self.calls += 1
            if self.dead is not None:
                raise self.dead
            return ChatResult([Completion(f"from {self._actor_id}", "stop", 2)], prompt_tokens=1, seconds=0.0)
        return answer()


def ask(teacher, *affinities):
    """One event loop for all calls, as in a worker."""
    async def go():
        return [(await teacher.chat(ChatRequest(messages=[{"role": "user", "content": "hi"}], sampling=SamplingConfig(),
                                                affinity=a))).completions[0].text for a in affinities]
    return asyncio.run(go())


def test_a_lost_replica_sends_its_trajectories_to_the_others():
    lost = FakeReplica("a", RayActorError())
    gone = FakeReplica("b", ActorUnavailableError("node died", b"b" * 16))
    live = FakeReplica("c")
    teacher = VLLMActorTeacher(TeacherConfig(), "m", [lost, gone, live], "vllm")
    answers = set(ask(teacher, *(f"traj-{i}" for i in range(6))))
    assert answers == {"from c"}
    assert lost.calls <= 1 and gone.calls <= 1 and lost.calls + gone.calls >= 1  # tried once at most, then skipped
    assert live.calls == 6


def test_every_replica_gone_is_teacher_unavailable_without_ray_wrapping():
    teacher = VLLMActorTeacher(TeacherConfig(), "m", [FakeReplica("a", RayActorError()),
                                                      FakeReplica("b", RayActorError())], "vllm")
    with pytest.raises(TeacherUnavailable, match="every vLLM teacher replica died") as e:
        ask(teacher, "t")
    assert "\x1b[" not in str(e.value) and "\n" not in str(e.value)
