"""Per instance: a root trajectory graded in a fresh sandbox; if it resolved the task, `branches`
continuations forked at its key actions (each rolled out to the end and graded); if not, one
alternative next step probed at each of up to `step_probes` key actions, labelled by running the
tests on the state after that step. A fork restores the workspace from the snapshot taken before
the parent's turn, never by replaying commands."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from typing import Any, ClassVar

from factory.agent import episode
from factory.pipeline import Pipeline
from factory.rl.episode import Episode
from factory.seeding import derive_seed, rng_for
from factory.teacher.base import ChatRequest, Teacher
from factory.trajectory import Branch, Message, Task, Trajectory
from factory.verify.base import Verifier
from pipelines.swe import PIPELINE, issue, rl, sources
from pipelines.swe.grading import Report, grade
from pipelines.swe.instances import Instance
from pipelines.swe.prompts import SYSTEM, user_prompt
from pipelines.swe.rollout import MALFORMED_OBSERVATIONS, Rollout, Settings, key_points, rollout
from pipelines.swe.static import licence
from pipelines.swe.static import run as static_run
from pipelines.swe.tasks import Options, image_for, load_tasks
from pipelines.swe.verifiers import (
    CallsVerifier,
    GradeCache,
    PatchVerifier,
    StaticVerifier,
    TestEditsVerifier,
    TestsVerifier,
)
from sandboxes.config import SandboxConfig
from sandboxes.pool import SandboxPool
from sandboxes.select import check_backend


class SwePipeline(Pipeline):
    name: ClassVar[str] = "swe"
    description: ClassVar[str] = PIPELINE.description
    Options: ClassVar[type[Options]] = Options
    stat_keys: ClassVar[tuple[str, ...]] = ("verification", "profile", "modifier", "kind", "static_kind")
    summary_keys: ClassVar[tuple[str, ...]] = ("verification", "kind", "static_kind")  # profile: a value per repo
    inspect_keys: ClassVar[tuple[str, ...]] = ("instance_id", "kind", "resolved", "grade_reason", "stop_reason")
    card_keys: ClassVar[tuple[str, ...]] = ("verification", "profile", "modifier", "kind", "static_kind")
    options: Options

    def __init__(self, cfg: Any):
        super().__init__(cfg)
        if self.options.guided is None:
            self.options.guided = cfg.teacher.backend == "embedded"
        self.grades = GradeCache()
        self._pools: dict[str, SandboxPool] = {}
        self._images: dict[tuple, SandboxConfig] = {}
        self._building: dict[tuple, threading.Lock] = {}
        self._licences: dict[tuple, str | None] = {}
        self._lock = threading.Lock()

    # -- tasks and resources ----------------------------------------------------------------
    def tasks(self) -> list[Task]:
        return load_tasks(self.options, self.cfg.seed, self.name)

    def verifiers(self) -> list[Verifier]:
        return [CallsVerifier(), PatchVerifier(), TestEditsVerifier(), TestsVerifier(self.grades, self.image_cfg),
                StaticVerifier()]

    def preflight(self) -> None:
        check_backend(self.options.sandbox)

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for p in pools:
            p.close()

    def image_cfg(self, inst: Instance) -> SandboxConfig:
        """The sandbox config of the instance's image (built once per source)."""
        key = inst.code_key()
        with self._lock:
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one build per image, whatever number of tasks ask for it at once
            with self._lock:
                cfg = self._images.get(key)
            if cfg is None:
                cfg = image_for(inst, self.options.sandbox)
                with self._lock:
                    self._images[key] = cfg
        return cfg

    def licence_of(self, inst: Instance) -> str | None:
        """The repository's licence as its source distribution states it (cached per source)."""
        key = inst.code_key()
        if key not in self._licences:
            tree = sources.materialize(inst.source, sha256=inst.source_sha256, commit=inst.base_commit or None)
            self._licences[key] = licence.of_tree(tree, inst.source)
        return self._licences[key]

    def pool_for(self, inst: Instance) -> SandboxPool:
        cfg = self.image_cfg(inst)
        with self._lock:
            assert cfg.image is not None
            if cfg.image not in self._pools:
                self._pools[cfg.image] = SandboxPool(cfg)
            return self._pools[cfg.image]

    def _settings(self) -> Settings:
        o = self.options
        budget = episode.Budget.of(o, context_chars=o.context_chars, malformed_observations=MALFORMED_OBSERVATIONS)
        # A guided thought may take at most half the turn's tokens (a token can be a single character):
        # longer, a rambling thought is cut by the token limit before the schema can force the call.
        thought = min(o.thought_max_chars, max(20, o.turn_max_tokens // 2))
        return Settings(self.cfg.teacher.sampling, budget, bool(o.guided), thought, o.bash_timeout_s,
                        o.max_output_chars)

    # -- generation ---------------------------------------------------------------------------
    async def generate(self, task: Task, teacher: Teacher) -> list[Trajectory]:
        if task.payload.get("verification") == "static":
            return await static_run.generate(self, task, teacher)
        inst = Instance.model_validate(task.payload)
        pool = await asyncio.to_thread(self.pool_for, inst)
        statement, issue_meta = await self._statement(inst, teacher, task)
        msgs = [Message(role="system", content=SYSTEM),
                Message(role="user", content=user_prompt(statement, inst.FAIL_TO_PASS))]
        s = self._settings()
        root = await rollout(inst, pool, teacher, msgs, s, seed=derive_seed(task.seed, "root"), affinity=task.id,
                             keep_snapshots=True)
        report = await self._grade(inst, root.patch, pool)
        row = self._row(task, inst, root, report, Branch(), {**issue_meta, "kind": "root"})
        rows = [row.model_copy(update={"meta": {**row.meta, "dedup_key": _dedup_key(inst, root.patch)}})]
        parent_id = rows[0].with_content_id(self.id_meta_keys).id
        points = key_points(root.result.messages, root.snapshots)
        rng = rng_for(task.seed, "forks")
        if report.resolved and self.options.branches:
            chosen = sorted(rng.sample(points, min(self.options.branches, len(points))))
            rows += await asyncio.gather(*(self._branch(task, inst, pool, teacher, root, m, parent_id, issue_meta)
                                           for m in chosen))
        elif not report.resolved and report.environment_error is None and self.options.step_probes:
            chosen = sorted(rng.sample(points, min(self.options.step_probes, len(points))))
            rows += await asyncio.gather(*(self._probe(task, inst, pool, teacher, root, m, parent_id, issue_meta)
                                           for m in chosen))
        rows[0].meta["fork_hashes"] = {str(m): root.snapshots[m].hash for m in points}
        return rows

    async def _branch(self, task: Task, inst: Instance, pool: SandboxPool, teacher: Teacher, root: Rollout,
                      m: int, parent_id: str, issue_meta: dict[str, Any]) -> Trajectory:
        prefix = root.result.messages[:m]
        done = sum(x.role == "assistant" for x in prefix)
        s = self._settings()
        run = await rollout(inst, pool, teacher, prefix, s, seed=derive_seed(task.seed, "branch", m),
                            affinity=task.id, first_turn=done, max_turns=max(1, s.budget.max_turns - done),
                            restore=root.snapshots[m])
        report = await self._grade(inst, run.patch, pool)
        return self._row(task, inst, run, report, Branch(parent_id=parent_id, fork_step=m, kind="branch",
                                                         parent_outcome="success"), {**issue_meta, "kind": "branch"})

    async def _probe(self, task: Task, inst: Instance, pool: SandboxPool, teacher: Teacher, root: Rollout,
                     m: int, parent_id: str, issue_meta: dict[str, Any]) -> Trajectory:
        prefix = root.result.messages[:m]
        done = sum(x.role == "assistant" for x in prefix)
        run = await rollout(inst, pool, teacher, prefix, self._settings(), seed=derive_seed(task.seed, "step", m),
                            affinity=task.id, first_turn=done, max_turns=1, restore=root.snapshots[m], probe=True)
        report = await self._grade(inst, run.patch, pool, allow_empty=True)
        return self._row(task, inst, run, report, Branch(parent_id=parent_id, fork_step=m, kind="step",
                                                         parent_outcome="failure"), {**issue_meta, "kind": "step"})

    async def _grade(self, inst: Instance, patch: str, pool: SandboxPool, allow_empty: bool = False) -> Report:
        report = await grade(inst, patch, pool, allow_empty=allow_empty)
        self.grades.put(inst.instance_id, patch, allow_empty, report)
        return report

    async def _statement(self, inst: Instance, teacher: Teacher, task: Task) -> tuple[str, dict[str, Any]]:
        """The task's problem statement; a teacher-written one for synthesised tasks when asked."""
        if self.options.issue_text != "teacher" or not inst.setup_patch:
            return inst.problem_statement, {"issue_text": inst.issue_text or "given"}
        prompt = issue.teacher_prompt(inst.repo, inst.patch, inst.FAIL_TO_PASS, inst.meta.get("failures") or {})
        req = ChatRequest(
            messages=[{"role": "user", "content": prompt}],
            sampling=episode.Budget.of(self.options).sampling(self.cfg.teacher.sampling),
            seed=derive_seed(task.seed, "issue"), affinity=task.id)
        out = await teacher.chat(req)
        text = out.completions[0].text.strip()
        leaked = issue.leaks(text, inst.patch)
        if len(text) < 40 or leaked:
            why = "leaks_patch" if leaked else "too_short"
            return inst.problem_statement, {"issue_text": f"template(teacher_refused:{why})"}
        return text, {"issue_text": "teacher"}

    def _row(self, task: Task, inst: Instance, run: Rollout, report: Report, branch: Branch,
             extra: dict[str, Any]) -> Trajectory:
        res = run.result
        meta: dict[str, Any] = {
            "verification": "tests", "instance_id": inst.instance_id, "profile": inst.profile or inst.repo, "repo": inst.repo,
            "modifier": inst.modifier, "instance": inst.model_dump(exclude_none=True), "patch": run.patch,
            "submitted": run.submitted, "grading": report.to_meta(), "resolved": report.resolved,
            "grade_reason": report.reason, "start_hash": run.start_hash, "licence": self.licence_of(inst), **extra}
        # A failure step ends where its budget does by design; only a broken turn fails it.
        failed = (res.stop_reason.startswith(("malformed", "teacher_error")) if branch.kind == "step"
                  else not res.finished)
        meta.update(episode.loop_meta(res, guided=bool(self.options.guided), failed=failed))
        return episode.agent_row(self.name, task, res, meta, run.tools, branch=branch)

    def rl_episode(self, task: Task) -> Episode:
        return rl.SweEpisode(self, task)

    def rl_reward(self, row: Trajectory) -> tuple[float, str]:
        return rl.reward(row)

    def postprocess(self, verified: list[Trajectory]) -> list[Trajectory]:
        out = []
        for t in verified:
            g = t.meta.get("grading") or {}
            if g.get("environment_error"):
                out.append(t.model_copy(update={"outcome": "error", "reward": 0.0}))
                continue
            outcome = "success" if t.meta.get("resolved") else "failure"
            static = t.meta.get("verification") == "static"
            reward = (1.0 if t.meta.get("resolved") else 0.0) if static else _reward(g)
            out.append(t.model_copy(update={"outcome": outcome, "reward": reward}))
        return out


def _reward(g: dict[str, Any]) -> float:
    return Report(**{k: g[k] for k in ("resolved", "reason", "f2p_passed", "f2p_total", "p2p_broken", "p2p_total")
                     if k in g}).reward() if g else 0.0


def normalise_patch(patch: str) -> str:
    """A patch without index lines and trailing spaces: two fixes that read the same match."""
    keep = [ln.rstrip() for ln in patch.splitlines() if not ln.startswith("index ")]
    return "\n".join(ln for ln in keep if ln)


def _dedup_key(inst: Instance, patch: str) -> str:
    return "swe:" + hashlib.sha256(f"{inst.instance_id}\x1f{normalise_patch(patch)}".encode()).hexdigest()[:32]
