"""Math verifiers: the boxed answer against the ground truth (math-verify), the plan → act →
feedback → reflect structure, and well-formed tool calls. They read only the record (messages and
`meta.answer`), so `factory verify --pipeline math FILE` works on any trajectory file."""

from __future__ import annotations

import json
import re
import threading

import jsonschema
from math_verify import parse

from factory.schema import Trajectory, Verdict
from factory.verify.math_answer import answers_match, last_boxed
from pipelines.math.tools import SCHEMAS


_WORD = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{3,}")


def is_prose(answer: str) -> bool:
    """A sentence in the box: math-verify would find a number in it and call it right."""
    return len(_WORD.findall(answer.replace("\\text", "").replace("\\mathrm", ""))) >= 3


def _final_text(t: Trajectory) -> str:
    return next((m.content for m in reversed(t.messages) if m.role == "assistant"), "")


def is_factored(answer: str) -> bool:
    main = threading.current_thread() is threading.main_thread()
    got = parse(f"${answer}$", parsing_timeout=5 if main else None)
    return bool(got) and type(got[0]).__name__ in ("Mul", "Pow")


class AnswerVerifier:
    name = "answer"

    def verify(self, t: Trajectory) -> Verdict:
        gold = t.meta.get("answer")
        if gold is None or not str(gold).strip():
            return Verdict(verifier=self.name, passed=False, reason="no_ground_truth_in_meta.answer")
        pred = last_boxed(_final_text(t))
        if pred is None:
            return Verdict(verifier=self.name, passed=False, reason="no_boxed_answer")
        if is_prose(pred):
            return Verdict(verifier=self.name, passed=False, reason="boxed_prose_not_a_value")
        if not answers_match(str(gold), pred):
            return Verdict(verifier=self.name, passed=False, reason="wrong_answer")
        if t.meta.get("form") == "factored" and not is_factored(pred):
            return Verdict(verifier=self.name, passed=False, reason="not_factored")
        return Verdict(verifier=self.name, passed=True, score=1.0)


class StructureVerifier:
    """At least one plan, one tool call with a valid result, one reflection, a final boxed answer."""

    name = "structure"

    def verify(self, t: Trajectory) -> Verdict:
        said = "\n".join(m.content for m in t.messages if m.role == "assistant")
        results = [m for m in t.messages if m.role == "tool"]
        checks = [("no_plan", "<plan>" in said and "</plan>" in said),
                  ("no_tool_call", any(m.tool_calls for m in t.messages if m.role == "assistant")),
                  ("no_valid_tool_result", any(not m.content.startswith("error:") for m in results)),
                  ("no_reflection", "<reflection>" in said and "</reflection>" in said),
                  ("no_final_answer", last_boxed(_final_text(t)) is not None)]
        missing = [why for why, ok in checks if not ok]
        return Verdict(verifier=self.name, passed=not missing, score=1 - len(missing) / len(checks),
                       reason=missing[0] if missing else "")


class ToolCallsVerifier:
    """Every call names a math tool, with arguments that match its schema, and gets a result."""

    name = "tool_calls"

    def verify(self, t: Trajectory) -> Verdict:
        answered = {m.tool_call_id for m in t.messages if m.role == "tool"}
        for m in t.messages:
            for c in m.tool_calls:
                if c.name not in SCHEMAS:
                    return Verdict(verifier=self.name, passed=False, reason=f"unknown_tool:{c.name}")
                try:
                    jsonschema.validate(json.loads(c.arguments), SCHEMAS[c.name][1])
                except (json.JSONDecodeError, jsonschema.ValidationError):
                    return Verdict(verifier=self.name, passed=False, reason=f"invalid_arguments:{c.name}")
                if c.id not in answered:
                    return Verdict(verifier=self.name, passed=False, reason="call_without_result")
        return Verdict(verifier=self.name, passed=True, score=1.0)
