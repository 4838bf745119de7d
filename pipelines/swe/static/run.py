"""One static task through the agent loop: the repository (no environment, the bug applied for repair
and localisation) in a sandbox with bash and the editor, finished by `submit` (repair) or `answer`
(the others); graded by reading code. A resolved repair forks branches at its key actions like a
test-graded task; questions have no key actions to fork at."""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING, Any

from factory.agent import episode
from factory.seeding import derive_seed, rng_for
from factory.trajectory import Branch, Message, Task, Trajectory
from pipelines.swe.prompts import STATIC_SYSTEM
from pipelines.swe.rollout import Rollout, key_points, rollout
from pipelines.swe.static import grade
from pipelines.swe.static.task import StaticTask

if TYPE_CHECKING:
    from pipelines.swe.pipeline import SwePipeline


def reply_of(messages: list[Message]) -> str:
    return next((m.content for m in reversed(messages) if m.role == "assistant" and m.content.strip()), "")


def graded(t: StaticTask, run_patch: str, answered: str | None, messages: list[Message]) -> grade.StaticGrade:
    if t.kind == "repair":
        return grade.repair(t, run_patch)
    text = f"<answer>{answered}</answer>" if answered is not None else reply_of(messages)
    return grade.answer(t, text)


def _row(p: "SwePipeline", task: Task, t: StaticTask, run: Rollout, g: grade.StaticGrade, branch: Branch,
         kind: str) -> Trajectory:
    res = run.result
    meta: dict[str, Any] = {
        "verification": "static", "static": t.model_dump(), "instance_id": t.instance_id, "profile": t.repo,
        "repo": t.repo, "licence": t.licence, "modifier": t.modifier, "kind": kind,
        "static_kind": t.question or t.kind, "patch": run.patch if t.kind == "repair" else "",
        "submitted": run.submitted, "answer_given": run.answer, "grading": g.to_meta(), "resolved": g.resolved,
        "grade_reason": g.reason, "start_hash": run.start_hash,
        "dedup_key": "swe-static:" + hashlib.sha256(
            f"{t.instance_id}\x1f{run.patch if t.kind == 'repair' else run.answer}".encode()).hexdigest()[:32]}
    meta.update(episode.loop_meta(res, guided=bool(p.options.guided), failed=not res.finished))
    return episode.agent_row(p.name, task, res, meta, run.tools, branch=branch)


async def generate(p: "SwePipeline", task: Task, teacher: Any) -> list[Trajectory]:
    t = StaticTask.model_validate(task.payload)
    pool = await asyncio.to_thread(p.pool_for, t)  # type: ignore[arg-type]
    msgs = [Message(role="system", content=STATIC_SYSTEM), Message(role="user", content=t.problem_statement)]
    s = p._settings()
    ask = t.kind != "repair"
    root = await rollout(t, pool, teacher, msgs, s, seed=derive_seed(task.seed, "root"), affinity=task.id,  # type: ignore[arg-type]
                         keep_snapshots=not ask, answer=ask)
    g = await asyncio.to_thread(graded, t, root.patch, root.answer, root.result.messages)
    rows = [_row(p, task, t, root, g, Branch(), "root")]
    points = key_points(root.result.messages, root.snapshots)
    if g.resolved and p.options.branches and points:
        parent_id = rows[0].with_content_id(p.id_meta_keys).id
        chosen = sorted(rng_for(task.seed, "forks").sample(points, min(p.options.branches, len(points))))
        for m in chosen:
            prefix = root.result.messages[:m]
            done = sum(x.role == "assistant" for x in prefix)
            run = await rollout(t, pool, teacher, prefix, s, seed=derive_seed(task.seed, "branch", m),  # type: ignore[arg-type]
                                affinity=task.id, first_turn=done, max_turns=max(1, s.budget.max_turns - done),
                                restore=root.snapshots[m])
            gb = await asyncio.to_thread(graded, t, run.patch, run.answer, run.result.messages)
            rows.append(_row(p, task, t, run, gb, Branch(parent_id=parent_id, fork_step=m, kind="branch",
                                                          parent_outcome="success"), "branch"))
    return rows
