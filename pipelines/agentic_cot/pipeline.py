"""Per question: (1) the teacher reasons freely; (2) a second pass extracts the five phases under a
JSON schema, so the format holds even for a small teacher; (3) assembly writes the tagged turn."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from factory.config import SamplingConfig
from factory.pipeline import Pipeline
from factory.rl.episode import Episode, NotAnRLTask
from factory.seeding import derive_seed
from factory.teacher.base import ChatRequest, Structured, Teacher
from factory.trajectory import Message, Task, Trajectory
from factory.verify.base import Verifier
from factory.verify.bounded import Bounded
from factory.verify.math_answer import last_boxed
from pipelines.agentic_cot import PIPELINE, prompts
from pipelines.agentic_cot.tasks import Options, SeedQuestion, load_tasks
from pipelines.agentic_cot.verifiers import AnswerVerifier, ConciseVerifier, FaithfulVerifier, PhasesVerifier


class AgenticCoT(Pipeline):
    name: ClassVar[str] = "agentic_cot"
    description: ClassVar[str] = PIPELINE.description
    Options: ClassVar[type[Options]] = Options
    stat_keys: ClassVar[tuple[str, ...]] = ("variant", "has_reference")
    inspect_keys: ClassVar[tuple[str, ...]] = ("variant", "reference_answer")
    highlight_tags: ClassVar[tuple[str, ...]] = prompts.PHASES
    id_meta_keys: ClassVar[tuple[str, ...]] = ("variant",)  # a variant may repeat its source's messages
    # the five tagged phases, brevity against the raw reasoning, faithfulness to it: the form of SFT rows
    rl_form_verifiers: ClassVar[tuple[str, ...]] = ("phases", "concise", "faithful")
    options: Options

    def __init__(self, cfg: Any):
        super().__init__(cfg)
        self._bounded = Bounded(timeout_s=10.0)

    def close(self) -> None:
        self._bounded.close()

    def tasks(self) -> list[Task]:
        return load_tasks(self.options, self.cfg.seed)

    def verifiers(self) -> list[Verifier]:
        return [PhasesVerifier(self.options.min_phase_words), AnswerVerifier(self._bounded), ConciseVerifier(),
                FaithfulVerifier(self._bounded)]

    def rl_episode(self, task: Task) -> Episode:
        """The question alone; only questions with a reference answer can be rewarded."""
        given = SeedQuestion.model_validate(task.payload)
        if given.answer is None:
            raise NotAnRLTask("no_reference_answer")
        return Episode(self, task, [Message(role="user", content=given.question)],
                       {"reference_answer": given.answer, "has_reference": True, "variant": "rl"})

    def _sampling(self, max_tokens: int, temperature: float | None = None) -> SamplingConfig:
        base = self.cfg.teacher.sampling
        upd: dict[str, object] = {"max_tokens": max_tokens}
        if temperature is not None:
            upd["temperature"] = temperature
        return base.model_copy(update=upd)

    async def generate(self, task: Task, teacher: Teacher) -> list[Trajectory]:
        o = self.options
        given = SeedQuestion.model_validate(task.payload)
        q, ref = given.question, given.answer
        meta: dict[str, object] = {"variant": "thinking", "reference_answer": ref, "has_reference": ref is not None}
        system = Message(role="system", content=prompts.THINKING_SYSTEM)
        first = await teacher.chat(ChatRequest(
            messages=[{"role": "system", "content": prompts.REASON_SYSTEM}, {"role": "user", "content": q}],
            sampling=self._sampling(o.reasoning_max_tokens), seed=derive_seed(task.seed, "reason"),
            affinity=task.id))
        c = first.completions[0]
        # A reasoning model's thinking is the raw reasoning (its content is the final answer alone).
        raw = f"{c.reasoning}\n\n{c.text}".strip() if c.reasoning else c.text
        meta["raw_reasoning"] = raw
        meta["raw_answer"] = last_boxed(c.text) or last_boxed(raw)  # kept by derived rows, which drop the reasoning
        if c.reasoning and c.text.strip():
            # The teacher's own reply after its thinking: the non-thinking variant's answer (same split).
            meta["reply_after_thinking"] = c.text.strip()
        if c.thinking_unterminated or not raw.strip():
            meta["failure_reason"] = ("malformed:truncated_in_thinking" if c.thinking_unterminated
                                      else "malformed:empty_reasoning")
            return [Trajectory(pipeline=self.name, task_id=task.id, outcome="failure", usage=first.usage(), meta=meta,
                               messages=[system, Message(role="user", content=q), Message(role="assistant", content="")])]
        second = await teacher.chat(ChatRequest(
            messages=[{"role": "system", "content": prompts.EXTRACT_SYSTEM},
                      {"role": "user", "content": prompts.extract_user(q, raw)}],
            sampling=self._sampling(o.extract_max_tokens, o.extract_temperature),
            seed=derive_seed(task.seed, "extract"),
            structured=Structured(json_schema=prompts.extraction_schema(o.phase_max_chars)), affinity=task.id))
        usage = first.usage().add(second.usage())
        user = Message(role="user", content=q)
        try:
            fields = json.loads(second.completions[0].text)
            if not isinstance(fields, dict) or any(not isinstance(fields.get(p), str) for p in prompts.PHASES):
                raise ValueError("fields")
        except ValueError:
            why = ("truncated_in_thinking" if second.completions[0].thinking_unterminated else
                   "length" if second.completions[0].finish_reason == "length" else "invalid")
            meta["failure_reason"] = f"malformed:extraction_{why}"
            meta["extraction_raw"] = second.completions[0].text[:4000]
            return [Trajectory(pipeline=self.name, task_id=task.id, outcome="failure", usage=usage, meta=meta,
                               messages=[system, user, Message(role="assistant", content="")])]
        final = str(fields.get("final_answer") or "").strip() or (last_boxed(raw) or "")
        text = prompts.assemble({p: fields[p] for p in prompts.PHASES}, final)
        return [Trajectory(pipeline=self.name, task_id=task.id, usage=usage, meta=meta,
                           messages=[system, user, Message(role="assistant", content=text)])]

    def postprocess(self, verified: list[Trajectory]) -> list[Trajectory]:
        """Outcome = whether the answer held up; and for dual-mode SFT each accepted thinking sample
        also yields an answer-only sample (its id is set by the engine: it has none yet)."""
        out = [t.model_copy(update={"outcome": "failure"}) if _answer_failed(t) else t for t in verified]
        if not self.options.non_thinking_variant:
            return out
        for t in list(out):
            if not t.accepted or t.meta.get("variant") != "thinking":
                continue
            answer = last_boxed(t.last_assistant())
            reply = f"\\boxed{{{answer}}}" if answer else _summary(t.last_assistant())
            own = t.meta.get("reply_after_thinking")
            if own and answer and last_boxed(own) == answer:
                reply = own  # what the teacher itself answered once its thinking was split off, same answer
            meta = {**t.meta, "variant": "non_thinking", "thinking_id": t.id}
            meta.pop("raw_reasoning", None)
            out.append(t.model_copy(update={
                "id": "", "meta": meta, "usage": t.usage.model_copy(update={"teacher_calls": 0, "prompt_tokens": 0,
                                                                            "completion_tokens": 0, "wall_seconds": 0.0}),
                "messages": [Message(role="system", content=prompts.NON_THINKING_SYSTEM), _user(t),
                             Message(role="assistant", content=reply)]}))
        return out


def _user(t: Trajectory) -> Message:
    return next(m for m in t.messages if m.role == "user")


def _answer_failed(t: Trajectory) -> bool:
    return any(v.verifier == "answer" and not v.passed for v in t.verdicts)


def _summary(text: str) -> str:
    start, end = text.find("<summary>"), text.find("</summary>")
    return text[start + len("<summary>"):end].strip() if start >= 0 < end else text
