"""One agent run in one sandbox: a fresh workspace (or one restored from a snapshot), the tools,
the loop, a snapshot of /work/repo before every teacher turn, and the final diff."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from factory.agent import episode
from factory.agent.episode import Budget
from factory.agent.loop import LoopResult
from factory.config import SamplingConfig
from factory.teacher.base import Teacher
from factory.trajectory import Message
from pipelines.swe.instances import Instance
from pipelines.swe.prompts import SweGuide
from pipelines.swe.tools import SweTools, key_action
from pipelines.swe.workspace import Workspace, env_for
from sandboxes.pool import SandboxPool

# a malformed call is an observation the model can correct, a few times; the row then fails `calls`
MALFORMED_OBSERVATIONS = 3


@dataclass
class Snapshot:
    tar: bytes
    hash: str
    baseline: str


@dataclass
class Rollout:
    result: LoopResult
    patch: str
    submitted: bool
    tools: list[dict]
    answer: str | None
    start_hash: str
    snapshots: dict[int, Snapshot] = field(default_factory=dict)  # message index → workspace before that turn


@dataclass
class Settings:
    base: SamplingConfig  # the run's teacher sampling; `budget` sets each turn's tokens and temperature
    budget: Budget
    guided: bool
    thought_max_chars: int
    bash_timeout_s: float
    max_output_chars: int


async def rollout(inst: Instance, pool: SandboxPool, teacher: Teacher, messages: list[Message], s: Settings, *,
                  seed: int, affinity: str, first_turn: int = 0, max_turns: int | None = None,
                  restore: Snapshot | None = None, keep_snapshots: bool = False, probe: bool = False,
                  answer: bool = False) -> Rollout:
    """`answer`: a question about the code, finished with the `answer` tool (static tasks)."""
    async with pool.session() as sb:
        ws = Workspace(sb, env_for(inst.python_path))
        if restore is None:
            await ws.init(inst.setup_patch)
        else:
            await ws.restore(restore.tar, restore.baseline)
        start_hash = await ws.content_hash()
        tools = SweTools(ws, timeout_s=s.bash_timeout_s, max_output_chars=s.max_output_chars)
        box = tools.toolbox(answer=answer)
        snaps: dict[int, Snapshot] = {}

        async def before_turn(turn: int, msgs: list[Message]) -> None:
            if keep_snapshots:
                snaps[len(msgs)] = Snapshot(await ws.snapshot(), await ws.content_hash(), ws.baseline)

        res = await episode.attempt(teacher, messages, box, s.base, s.budget, seed=seed, affinity=affinity,
                                    max_turns=max_turns, first_turn=first_turn, on_turn=before_turn,
                                    guide=(SweGuide(box.schemas(), s.thought_max_chars, submit_on_last=probe is False,
                                                    finish="answer" if answer else "submit") if s.guided else None))
        patch = tools.submitted if tools.submitted is not None else await ws.diff()
    return Rollout(res, patch, tools.submitted is not None, box.schemas(), tools.answered, start_hash, snaps)


def key_points(messages: list[Message], snapshots: dict[int, Snapshot]) -> list[int]:
    """Message indices where an assistant turn with a key action (an edit, a test run) starts."""
    out = []
    for i, m in enumerate(messages):
        if m.role != "assistant" or i not in snapshots:
            continue
        for c in m.tool_calls:
            try:
                args = json.loads(c.arguments)
            except json.JSONDecodeError:
                continue
            if isinstance(args, dict) and key_action(c.name, args):
                out.append(i)
                break
    return out
