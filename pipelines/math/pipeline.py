"""Per problem, k attempts. Each attempt is one agent run: the module's system prompt and tools,
plan → tool call → result → reflection … → boxed answer, tools executed in a sandbox. Every
attempt is a row (`meta.attempt`), solved or not, so pass@k and rejection sampling come from the data."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, ClassVar

from factory.agent import episode
from factory.pipeline import Pipeline
from factory.rl.episode import Episode, ToolEpisode
from factory.seeding import derive_seed
from factory.teacher.base import Teacher
from factory.trajectory import Message, Task, Trajectory
from factory.verify.base import Verifier
from factory.verify.bounded import Bounded
from pipelines.math import PIPELINE
from pipelines.math.catalogue import shipped_catalogue
from pipelines.math.prompts import DEMO, MathGuide, system_prompt
from pipelines.math.tasks import Options, Problem, load_tasks
from pipelines.math.tools import SCHEMAS, SandboxedTools
from pipelines.math.verifiers import AnswerVerifier, StructureVerifier, ToolCallsVerifier
from sandboxes.pool import SandboxPool
from sandboxes.select import check_backend

META_KEYS = ("ability", "root", "category", "difficulty", "module", "source", "form")


class MathPipeline(Pipeline):
    name: ClassVar[str] = "math"
    description: ClassVar[str] = PIPELINE.description
    Options: ClassVar[type[Options]] = Options
    stat_keys: ClassVar[tuple[str, ...]] = ("root", "category", "ability", "difficulty")
    summary_keys: ClassVar[tuple[str, ...]] = ("root", "category", "difficulty")  # 111 abilities: `stats --by`
    attempt_key: ClassVar[str] = "attempt"
    inspect_keys: ClassVar[tuple[str, ...]] = ("ability", "difficulty", "attempt", "answer", "stop_reason")
    highlight_tags: ClassVar[tuple[str, ...]] = ("plan", "reflection")
    card_keys: ClassVar[tuple[str, ...]] = ("root", "category", "difficulty")
    rl_form_verifiers: ClassVar[tuple[str, ...]] = ("structure",)  # plan/reflection tags: SFT form, not the answer
    # Generated problem i depends only on (seed, i): --add raises generated_problems and the run grows.
    stream_option: ClassVar[str | None] = "generated_problems"
    options: Options

    def __init__(self, cfg: Any):
        super().__init__(cfg)
        if self.options.difficulty is None:
            # The embedded 135M teacher solves almost nothing above the easiest level; a default run should
            # show a user accepted rows. Any other teacher gets each ability's whole range.
            self.options.difficulty = [1] if cfg.teacher.backend == "embedded" else []
        self.catalogue = shipped_catalogue()
        self._pool: SandboxPool | None = None
        self._pool_lock = threading.Lock()  # attempts ask for the pool from several threads at once
        self._bounded = Bounded(timeout_s=10.0)

    def tasks(self) -> list[Task]:
        return load_tasks(self.options, self.catalogue, self.cfg.seed)

    def verifiers(self) -> list[Verifier]:
        return [AnswerVerifier(self._bounded), StructureVerifier(), ToolCallsVerifier()]

    def preflight(self) -> None:
        """Resolve the sandbox backend (building the image the first time) before the teacher starts;
        the workers open their own pools."""
        check_backend(self.options.sandbox)

    def open(self) -> None:
        self.pool()

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
        self._bounded.close()

    def pool(self) -> SandboxPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = SandboxPool(self.options.sandbox)
            return self._pool

    async def generate(self, task: Task, teacher: Teacher) -> list[Trajectory]:
        return list(await asyncio.gather(*(self._attempt(task, a, teacher) for a in range(self.options.attempts))))

    async def _attempt(self, task: Task, attempt: int, teacher: Teacher) -> Trajectory:
        o, p = self.options, Problem.model_validate(task.payload)
        module = self.catalogue.modules[p.module]
        toolbox = SandboxedTools(await asyncio.to_thread(self.pool), o.tool_timeout_s).toolbox(module.tools)
        msgs = [Message(role="system", content=system_prompt(module.focus)),
                Message(role="user", content=p.question)]
        res = await episode.attempt(teacher, msgs, toolbox, self.cfg.teacher.sampling, episode.Budget.of(o),
                                    seed=derive_seed(task.seed, "attempt", attempt), affinity=f"{task.id}/{attempt}",
                                    guide=MathGuide(module.tools, o.note_max_chars, p.form) if o.guided else None,
                                    aside=DEMO if o.demonstration else "")
        meta: dict[str, Any] = {k: getattr(p, k) for k in META_KEYS}
        meta.update({"answer": p.answer, "attempt": attempt, "attempts": o.attempts},
                    **episode.loop_meta(res, guided=o.guided, aside="demonstration" if o.demonstration else None))
        return episode.agent_row(self.name, task, res, meta, toolbox.schemas())

    def rl_episode(self, task: Task) -> Episode:
        """The problem with its module's system prompt and sandboxed tools; the answer verifier rewards."""
        p = Problem.model_validate(task.payload)
        module = self.catalogue.modules[p.module]
        msgs = [Message(role="system", content=system_prompt(module.focus)), Message(role="user", content=p.question)]
        schemas = [{"type": "function", "function": {"name": n, "description": SCHEMAS[n][0],
                                                      "parameters": SCHEMAS[n][1]}} for n in module.tools]
        reference = {k: getattr(p, k) for k in META_KEYS} | {"answer": p.answer}
        return ToolEpisode(self, task, msgs, reference, schemas,
                           lambda: SandboxedTools(self.pool(), self.options.tool_timeout_s).toolbox(module.tools))

    def postprocess(self, verified: list[Trajectory]) -> list[Trajectory]:
        """Outcome = whether the answer was right, whatever else rejected the row."""
        return [t if _solved(t) or t.outcome == "error" else t.model_copy(update={"outcome": "failure"})
                for t in verified]


def _solved(t: Trajectory) -> bool:
    return any(v.verifier == "answer" and v.passed for v in t.verdicts)
