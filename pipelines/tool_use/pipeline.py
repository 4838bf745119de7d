"""Per task: the request (teacher-written and checked, or the template), then one agent run with the
offered tools executed for real — Python callables in the sandbox, MCP servers confined, OpenAPI
operations simulated and marked — then the checks. A negative task handled right is `negative`."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, ClassVar

from factory.agent import episode
from factory.agent.tools import ToolBox
from factory.pipeline import Pipeline
from factory.rl.episode import Episode, NotAnRLTask, ToolEpisode
from factory.seeding import derive_seed
from factory.teacher.base import Teacher
from factory.trajectory import Message, Task, Trajectory
from factory.verify.base import Verifier
from pipelines.tool_use import PIPELINE, graph_file, request
from pipelines.tool_use.claims import ClaimsVerifier
from pipelines.tool_use.judge import JudgeVerifier, judge
from pipelines.tool_use.prompts import DEMO, SYSTEM, ToolUseGuide
from pipelines.tool_use.runtime import Runtime, TrajectoryTools
from pipelines.tool_use.tasks import Options, WalkTask, build_tasks, resolve_defaults
from pipelines.tool_use.toolset import value_pool
from pipelines.tool_use.verifiers import (
    AnswerVerifier,
    ExecutionVerifier,
    FormatVerifier,
    MoveVerifier,
    ReplayVerifier,
    TraceVerifier,
)
from sandboxes.select import check_backend
from tool_graph.graph import ToolGraph
from tool_graph.spec import ToolSpec

log = logging.getLogger(__name__)


class ToolUsePipeline(Pipeline):
    name: ClassVar[str] = "tool_use"
    description: ClassVar[str] = PIPELINE.description
    Options: ClassVar[type[Options]] = Options
    stream_option = "tasks"  # task i depends only on (seed, i): --add grows the run
    stat_keys: ClassVar[tuple[str, ...]] = ("variant", "shape", "length", "request_source")
    summary_keys: ClassVar[tuple[str, ...]] = ("variant", "length")  # request_source has a value per reason
    inspect_keys: ClassVar[tuple[str, ...]] = ("variant", "chain", "stop_reason", "request_source")
    card_keys: ClassVar[tuple[str, ...]] = ("variant", "shape", "length")
    options: Options

    def __init__(self, cfg: Any):
        super().__init__(cfg)
        self.options = resolve_defaults(self.options, cfg.teacher.backend)
        self._rt: Runtime | None = None
        self._lock = threading.Lock()
        self._graph: ToolGraph | None = None  # built by tasks(), written into the run dir by record()

    def tasks(self) -> list[Task]:
        # A saved graph or the run dir's own: no server is started to list its tools (the graph holds them).
        g, origin = graph_file.graph_for_run(self.options, self.cfg.run_dir)
        self._graph = g if origin == "built" else None
        log.info("tool graph (%s): %s", origin, g.summary())
        return build_tasks(g, self.options, self.cfg.seed, self.name, value_pool(self.options.sources))

    def record(self, run_dir: Path) -> None:
        if self._graph is not None:
            graph_file.save(self._graph, run_dir / graph_file.RUN_FILE)

    def preflight(self) -> None:
        if self.options.sources.python:
            check_backend(self.options.sandbox)

    def runtime(self) -> Runtime:
        with self._lock:
            if self._rt is None:
                self._rt = Runtime(self.options.sources.servers(), self.options.sandbox, self.options.tool_timeout_s)
            return self._rt

    def open(self) -> None:
        self.runtime()

    def close(self) -> None:
        with self._lock:
            rt, self._rt = self._rt, None
        if rt is not None:
            rt.close()

    def verifiers(self) -> list[Verifier]:
        out: list[Verifier] = [FormatVerifier(), ExecutionVerifier(), TraceVerifier(), AnswerVerifier(), ClaimsVerifier(),
                               MoveVerifier()]
        out += [ReplayVerifier(self.runtime())] if self.options.replay else []
        return out + [JudgeVerifier()] if self.options.judge else out

    @staticmethod
    def _known(p: WalkTask) -> tuple[dict[str, ToolSpec], dict[str, Any]]:
        """The specs by name (a look-alike runs the real tool it imitates; that tool's spec travels in
        the task) and what the request writer is told about each."""
        known = {s.name: s for s in p.offered}
        for fake, real in p.lookalikes.items():
            known[real] = known[fake].model_copy(update={"name": real})
        return known, {**{n: s.model_dump() for n, s in known.items()}, **p.described}

    def _meta(self, p: WalkTask, known: dict[str, ToolSpec], source: str, calls: list[dict[str, Any]]
              ) -> dict[str, Any]:
        walk, offered = p.walk, p.offered
        meta: dict[str, Any] = {
            "variant": p.variant, "shape": walk.shape, "length": len(walk.steps), "walk": walk.model_dump(mode="json"),
            "chain": " → ".join(s.tool for s in walk.steps), "offered": [s.name for s in offered],
            "lookalikes": p.lookalikes, "missing": p.missing, "fail_tool": p.fail_tool,
            "request_source": source, "calls": calls, "simulated": any(c["how"] == "simulated" for c in calls),
            "tool_sources": {s.name: {"source": s.source, "origin": s.origin, "deterministic": s.deterministic,
                                      "runs": p.lookalikes.get(s.name, s.name)} for s in offered},
            "max_turns": self.options.max_turns}
        for s in offered:  # a look-alike re-runs as the tool it really is
            real = known.get(meta["tool_sources"][s.name]["runs"])
            if real is not None:
                meta["tool_sources"][s.name].update(source=real.source, origin=real.origin,
                                                    deterministic=real.deterministic)
        return meta

    async def generate(self, task: Task, teacher: Teacher) -> list[Trajectory]:
        o, p = self.options, WalkTask.model_validate(task.payload)
        offered = p.offered
        known, describe = self._known(p)
        budget = episode.Budget.of(o)
        sampling = budget.sampling(self.cfg.teacher.sampling)
        text, source, req_usage = await request.write(
            task.payload, describe, teacher if o.request_writer == "teacher" else None, sampling,
            derive_seed(task.seed, "request"), o.guided, f"{task.id}/request")
        tools = TrajectoryTools(self.runtime(), offered, p.lookalikes, p.fail_tool, teacher, sampling,
                                derive_seed(task.seed, "simulate"), known)
        msgs = [Message(role="system", content=SYSTEM), Message(role="user", content=text)]
        try:
            res = await episode.attempt(
                teacher, msgs, tools.toolbox(), self.cfg.teacher.sampling, budget, seed=derive_seed(task.seed, "solve"),
                affinity=task.id, aside=DEMO if o.demonstration else "",
                guide=ToolUseGuide([s.schema()["function"] for s in offered], o.note_max_chars) if o.guided else None)
        finally:
            await tools.close()
        meta = self._meta(p, known, source, tools.calls)
        meta.update(episode.loop_meta(res, guided=o.guided, aside="demonstration" if o.demonstration else None))
        usage = res.usage.add(req_usage)
        if o.judge and res.finished:
            meta["judge"] = await judge(res.messages, teacher, derive_seed(task.seed, "judge"))
        return [episode.agent_row(self.name, task, res, meta, [s.schema() for s in offered], usage=usage)]

    # -- as an RL environment ---------------------------------------------------------------------
    def rl_episode(self, task: Task) -> Episode:
        """The template request with the offered tools, executed as in a run. Tools a run simulates (OpenAPI
        operations) need a teacher to answer them, which an RL environment does not have: such tasks are skipped."""
        p = WalkTask.model_validate(task.payload)
        known, describe = self._known(p)
        if any(not known.get(p.lookalikes.get(s.name, s.name), s).executable for s in p.offered):
            raise NotAnRLTask("simulated_tools_need_a_teacher")
        msgs = [Message(role="system", content=SYSTEM), Message(role="user", content=request.template(task.payload, describe))]
        holder: dict[str, TrajectoryTools] = {}

        def toolbox() -> ToolBox:
            holder["t"] = TrajectoryTools(self.runtime(), p.offered, p.lookalikes, p.fail_tool, None, self.cfg.teacher.sampling,
                                          derive_seed(task.seed, "simulate"), known)
            return holder["t"].toolbox()

        async def finish(messages: list[Message]) -> dict[str, Any]:
            return self._meta(p, known, "template", holder["t"].calls if "t" in holder else [])

        async def closer() -> None:
            if "t" in holder:
                await holder["t"].close()

        deterministic = {s.name: bool(known.get(p.lookalikes.get(s.name, s.name), s).deterministic) for s in p.offered}
        return ToolEpisode(self, task, msgs, self._meta(p, known, "template", []),
                           [s.schema() for s in p.offered], toolbox, finish=finish, closer=closer,
                           nondeterministic=lambda name: not deterministic.get(name, False))

    def rl_reward(self, row: Trajectory) -> tuple[float, str]:
        """0 for a row that games the checks (malformed or invented calls, untraceable arguments, claims
        its results contradict, forged results); else the share of task checks passed (the move, the
        answer, failures handled, the judge when on)."""
        graded = ("move", "answer", "execution", "judge")
        for v in row.verdicts:
            if not v.passed and v.verifier not in (*graded, "length"):
                return 0.0, f"{v.verifier}:{v.reason}"
        mine = [v for v in row.verdicts if v.verifier in graded]
        failed = [f"{v.verifier}:{v.reason}" for v in mine if not v.passed]
        return (round(1 - len(failed) / len(mine), 4) if mine else 0.0), ";".join(failed)

    def postprocess(self, verified: list[Trajectory]) -> list[Trajectory]:
        out = []
        for t in verified:
            if t.outcome == "error":
                out.append(t)
            elif t.reject_reason is not None:
                out.append(t.model_copy(update={"outcome": "failure"}))
            elif t.meta.get("variant") == "negative":
                out.append(t.model_copy(update={"outcome": "negative"}))
            else:
                out.append(t)
        return out
