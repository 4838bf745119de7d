"""Per task: one agent run with search/open/find over the corpus (closed tasks on perturbed results,
reverse tasks with their source hidden), then for open tasks the "think twice" phases, for failed
closed ones the teacher's failure analysis (a lesson) and, configurable, a second attempt with it."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any, ClassVar

from factory.agent import episode
from factory.pipeline import Pipeline
from factory.rl.episode import Episode, NotAnRLTask, ToolEpisode
from factory.seeding import derive_seed
from factory.teacher.base import Teacher
from factory.trajectory import Message, Task, Trajectory, Usage
from factory.verify.base import Verifier, apply_verifiers
from pipelines.research import PIPELINE, prompts, think
from pipelines.research import evidence as ev
from pipelines.research.corpora.library import Library
from pipelines.research.guide import ResearchGuide
from pipelines.research.perturb import describe
from pipelines.research.replay import ReplayVerifier
from pipelines.research.tasks import Options, Question, build_tasks, resolve_defaults
from pipelines.research.tools import ResearchTools, schemas
from pipelines.research.verifiers import (
    AnswerVerifier,
    CallsVerifier,
    CitationVerifier,
    EvidenceVerifier,
    JudgeVerifier,
    RecallVerifier,
    ThinkTwiceVerifier,
)

log = logging.getLogger(__name__)


class ResearchPipeline(Pipeline):
    name: ClassVar[str] = "research"
    description: ClassVar[str] = PIPELINE.description
    Options: ClassVar[type[Options]] = Options
    stream_option = "tasks"  # task i depends only on (seed, i): --add grows the run
    stat_keys: ClassVar[tuple[str, ...]] = ("mode", "hops", "fact", "attempt")
    inspect_keys: ClassVar[tuple[str, ...]] = ("mode", "fact", "stop_reason", "lesson")
    id_meta_keys: ClassVar[tuple[str, ...]] = ("attempt",)
    repetition_per_message: ClassVar[bool] = True  # the report restates the checked notes
    options: Options

    def __init__(self, cfg: Any):
        super().__init__(cfg)
        self.options = resolve_defaults(self.options, cfg.teacher.backend)
        self._libs: dict[tuple[str, str], Library] = {}
        self._lock = threading.Lock()

    def library(self, corpus: str | None = None, engine: str | None = None, built: str | None = None) -> Library:
        key = (corpus or self.options.corpus, engine or self.options.engine, built)
        with self._lock:
            if key not in self._libs:
                self._libs[key] = Library(*key)
            return self._libs[key]

    def lib_for(self, meta: dict[str, Any]) -> Library:
        """The corpus a row names (so a file re-verifies against what it was made from)."""
        c = meta.get("corpus") or {}
        if not c.get("corpus") or (c.get("corpus"), c.get("key")) == (self.options.corpus, None):
            return self.library()
        lib = self.library()
        if c.get("key") == lib.meta["key"] and c.get("engine") in (None, lib.engine):
            return lib
        return self.library(c["corpus"], c.get("engine"), c.get("key"))

    def tasks(self) -> list[Task]:
        return build_tasks(self.library(), self.options, self.cfg.seed, self.name)

    def preflight(self) -> None:
        self.library()  # builds the corpus and its index once, in the driver, before any worker starts

    def open(self) -> None:
        self.library()

    def close(self) -> None:
        with self._lock:
            libs, self._libs = list(self._libs.values()), {}
        for lib in libs:
            lib.close()

    def verifiers(self) -> list[Verifier]:
        o = self.options
        out: list[Verifier] = [CallsVerifier(self.lib_for), AnswerVerifier(self.lib_for),
                               EvidenceVerifier(self.lib_for, o.min_gold_share), ThinkTwiceVerifier(),
                               CitationVerifier(self.lib_for, o.min_support),
                               RecallVerifier(self.lib_for, o.min_recall), ReplayVerifier(self.lib_for, o.page_chars)]
        return out + [JudgeVerifier()] if o.judge else out

    async def generate(self, task: Task, teacher: Teacher) -> list[Trajectory]:
        first = await self._attempt(task, teacher, 1, "")
        if first.meta["mode"] != "closed" or not self.options.lessons:
            return [first]
        checked = apply_verifiers(first, self.verifiers())
        if checked.reject_reason is None:
            return [first]
        lesson, usage = await self._lesson(task, teacher, first, checked)
        first = first.model_copy(update={"meta": {**first.meta, "lesson": lesson}, "usage": first.usage.add(usage)})
        if not self.options.lesson_retry or lesson is None:
            return [first]
        second = await self._attempt(task, teacher, 2, prompts.RETRY.format(lesson=lesson))
        return [first, second.model_copy(update={"meta": {**second.meta, "lesson_applied": lesson}})]

    async def _attempt(self, task: Task, teacher: Teacher, attempt: int, lesson: str) -> Trajectory:
        o, p = self.options, Question.model_validate(task.payload)
        lib = self.library()
        mode = p.mode
        plan = p.perturbation if mode == "closed" else None
        tools = ResearchTools(lib, o.page_chars, frozenset([p.source]) if mode == "reverse" and p.source else frozenset(),
                              plan, frozenset(p.chain))
        box = tools.toolbox()
        budget = episode.Budget.of(o, context_chars=6 * o.page_chars)
        sampling = budget.sampling(self.cfg.teacher.sampling)
        after = {"closed": {"answer": {"type": "string", "minLength": 1, "maxLength": 80}},
                 "reverse": {"sources": {"type": "array", "minItems": 1, "maxItems": 8,
                                         "items": {"type": "string", "maxLength": 120}}}}.get(mode)
        guide = ResearchGuide(tools, o.note_max_chars, after) if o.guided else None
        aside = "\n\n".join(x for x in (prompts.DEMO if o.demonstration and mode == "closed" else "", lesson) if x)
        seed = derive_seed(task.seed, "solve", attempt)
        msgs = [Message(role="system", content=prompts.SYSTEM[mode]), Message(role="user", content=p.question)]
        res = await episode.attempt(teacher, msgs, box, self.cfg.teacher.sampling, budget, seed=seed,
                                    affinity=task.id, guide=guide, aside=aside)
        messages, usage, stop = res.messages, res.usage, res.stop_reason
        opened = list(ev.read(Trajectory(pipeline=self.name, task_id=task.id, messages=messages)).opened)
        if mode == "open" and not opened:
            stop = "nothing_opened"  # no source to think about: the phases would only cite nothing
        elif mode == "open":
            if messages[-1].role == "assistant" and not messages[-1].tool_calls:
                messages = messages[:-1]  # the gathering's own closing words give way to the phases
            messages, u, why = await think.think_twice(teacher, messages, lib, opened, sampling, seed, task.id,
                                                       o.guided, o.note_max_chars)
            usage, stop = usage.add(u), why or "final"
        meta: dict[str, Any] = {
            "mode": mode, "attempt": attempt, "corpus": p.corpus, "licence": lib.meta.get("licence"),
            "question": p.question,
            "queries": tools.queries, "page_chars": o.page_chars,
            **episode.loop_meta(res, guided=o.guided, stop_reason=stop,
                                aside="demonstration" if aside and not lesson else ("lesson" if lesson else None))}
        if mode == "closed":
            meta.update(chain=p.chain, fact=p.fact, hops=p.hops, perturbation=describe(plan))
        elif mode == "open":
            meta["cluster"] = p.cluster
        else:
            meta["source"] = p.source
        if mode == "open" and self.options.judge and stop == "final":
            meta["judge"], u = await think.judge_claims(teacher, messages[-1].content, lib,
                                                        derive_seed(task.seed, "judge", attempt))
            usage = usage.add(u)
        return episode.agent_row(self.name, task, res, meta, [{"type": "function", "function": {"name": n, **s}}
                                                              for n, s in schemas(o.page_chars).items()],
                                 messages=messages, usage=usage)

    async def _lesson(self, task: Task, teacher: Teacher, row: Trajectory, checked: Trajectory
                      ) -> tuple[str | None, Usage]:
        lib = self.library()
        steps = "; ".join(f"{c.function.name}({c.function.arguments})" for m in row.messages for c in m.tool_calls)
        reasons = ", ".join(f"{v.verifier}: {v.reason}" for v in checked.verdicts if not v.passed)
        end = lib.docs[row.meta["chain"][-1]]
        prompt = prompts.LESSON.format(question=row.meta["question"], steps=steps[:1500] or "no tool calls",
                                       reply=ev.final(row)[:400] or "(none)", reasons=reasons,
                                       answer=end.facts.get(row.meta["fact"], "?"),
                                       chain=" → ".join(f"{lib.docs[d].title} [{d}]" for d in row.meta["chain"]))
        sampling = self.cfg.teacher.sampling.model_copy(update={"max_tokens": 160, "temperature": 0.3})
        schema = {"type": "object", "properties": {"lesson": {"type": "string", "minLength": 20, "maxLength": 400}},
                  "required": ["lesson"], "additionalProperties": False} if self.options.guided else None
        text, usage = await think.ask(teacher, [], prompt, sampling, derive_seed(task.seed, "lesson"), task.id, schema)
        if text is not None and schema is not None:
            try:
                text = str(json.loads(text)["lesson"]).strip()
            except (json.JSONDecodeError, KeyError, TypeError):
                text = None
        return (text or None), usage

    # -- as an RL environment ---------------------------------------------------------------------
    def rl_episode(self, task: Task) -> Episode:
        """Closed and reverse questions with the corpus tools; an open question's reward needs the
        teacher-written "think twice" phases, so open tasks are skipped."""
        o, p = self.options, Question.model_validate(task.payload)
        if p.mode == "open":
            raise NotAnRLTask("open_mode_is_written_in_phases")
        lib = self.library()
        plan = p.perturbation if p.mode == "closed" else None
        hidden = frozenset([p.source]) if p.mode == "reverse" and p.source else frozenset()
        tools = ResearchTools(lib, o.page_chars, hidden, plan, frozenset(p.chain))
        reference: dict[str, Any] = {"mode": p.mode, "attempt": 1, "corpus": p.corpus,
                                     "licence": lib.meta.get("licence"), "question": p.question,
                                     "page_chars": o.page_chars}
        if p.mode == "closed":
            reference.update(chain=p.chain, fact=p.fact, hops=p.hops, perturbation=describe(plan))
        else:
            reference["source"] = p.source

        async def finish(messages: list[Message]) -> dict[str, Any]:
            last = messages[-1]
            done = last.role == "assistant" and not last.tool_calls
            return {"queries": tools.queries, "stop_reason": "final" if done else "max_turns"}

        msgs = [Message(role="system", content=prompts.SYSTEM[p.mode]), Message(role="user", content=p.question)]
        return ToolEpisode(self, task, msgs, reference, [{"type": "function", "function": {"name": n, **s}}
                                                         for n, s in schemas(o.page_chars).items()],
                           tools.toolbox, finish=finish)

    def postprocess(self, verified: list[Trajectory]) -> list[Trajectory]:
        return [t.model_copy(update={"outcome": "failure"}) if t.outcome != "error" and t.reject_reason else t
                for t in verified]
