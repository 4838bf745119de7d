"""Per question: (1) the teacher reasons freely; (2) a second pass extracts the five phases under a
JSON schema, so the format holds even for a small teacher; (3) assembly writes the tagged turn."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from factory.config import SamplingConfig
from factory.schema import Message, Task, Trajectory
from factory.seeding import derive_seed
from factory.teacher.base import ChatRequest, Structured, Teacher
from factory.verify.base import Verifier
from factory.verify.bounded import Bounded
from factory.verify.math_answer import last_boxed
from pipelines.agentic_cot import prompts
from pipelines.agentic_cot.tasks import Options, load_tasks
from pipelines.agentic_cot.verifiers import AnswerVerifier, ConciseVerifier, PhasesVerifier
from pipelines.base import Pipeline


class AgenticCoT(Pipeline):
    name: ClassVar[str] = "agentic_cot"
    description: ClassVar[str] = "five-phase structured reasoning (analysis/plan/action/reflection/summary)"
    Options: ClassVar[type[Options]] = Options
    stat_keys: ClassVar[tuple[str, ...]] = ("variant", "has_reference")
    options: Options

    def __init__(self, cfg: Any):
        super().__init__(cfg)
        self._bounded = Bounded(timeout_s=10.0)

    def tasks(self) -> list[Task]:
        return load_tasks(self.options, self.cfg.seed)

    def verifiers(self) -> list[Verifier]:
        return [PhasesVerifier(self.options.min_phase_words), AnswerVerifier(self._bounded), ConciseVerifier()]

    def _sampling(self, max_tokens: int, temperature: float | None = None) -> SamplingConfig:
        base = self.cfg.teacher.sampling
        upd: dict[str, object] = {"max_tokens": max_tokens}
        if temperature is not None:
            upd["temperature"] = temperature
        return base.model_copy(update=upd)

    async def generate(self, task: Task, teacher: Teacher) -> list[Trajectory]:
        o = self.options
        q, ref = task.payload["question"], task.payload.get("answer")
        meta: dict[str, object] = {"variant": "thinking", "reference_answer": ref, "has_reference": ref is not None}
        first = await teacher.chat(ChatRequest(
            messages=[{"role": "system", "content": prompts.REASON_SYSTEM}, {"role": "user", "content": q}],
            sampling=self._sampling(o.reasoning_max_tokens), seed=derive_seed(task.seed, "reason"),
            affinity=task.id))
        raw = first.completions[0].text
        meta["raw_reasoning"] = raw
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
            why = "length" if second.completions[0].finish_reason == "length" else "invalid"
            meta["failure_reason"] = f"malformed:extraction_{why}"
            meta["extraction_raw"] = second.completions[0].text[:4000]
            return [Trajectory(pipeline=self.name, task_id=task.id, outcome="failure", usage=usage, meta=meta,
                               messages=[user, Message(role="assistant", content="")])]
        final = str(fields.get("final_answer") or "").strip() or (last_boxed(raw) or "")
        text = prompts.assemble({p: fields[p] for p in prompts.PHASES}, final)
        return [Trajectory(pipeline=self.name, task_id=task.id, usage=usage, meta=meta,
                           messages=[user, Message(role="assistant", content=text)])]

    def postprocess(self, verified: list[Trajectory]) -> list[Trajectory]:
        """Outcome = whether the answer held up; and for dual-mode SFT each accepted thinking sample
        also yields an answer-only sample."""
        out = [t.model_copy(update={"outcome": "failure"}) if _answer_failed(t) else t for t in verified]
        if not self.options.non_thinking_variant:
            return out
        for t in list(out):
            if not t.accepted or t.meta.get("variant") != "thinking":
                continue
            answer = last_boxed(t.last_assistant())
            reply = f"\\boxed{{{answer}}}" if answer else _summary(t.last_assistant())
            meta = {**t.meta, "variant": "non_thinking", "thinking_id": t.id}
            meta.pop("raw_reasoning", None)
            out.append(t.model_copy(update={
                "id": "", "meta": meta, "usage": t.usage.model_copy(update={"teacher_calls": 0, "prompt_tokens": 0,
                                                                            "completion_tokens": 0, "wall_seconds": 0.0}),
                "messages": [t.messages[0], Message(role="assistant", content=reply)]}).with_content_id())
        return out


def _answer_failed(t: Trajectory) -> bool:
    return any(v.verifier == "answer" and not v.passed for v in t.verdicts)


def _summary(text: str) -> str:
    start, end = text.find("<summary>"), text.find("</summary>")
    return text[start + len("<summary>"):end].strip() if start >= 0 < end else text
