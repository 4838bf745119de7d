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
from factory.verify.bounded import Bounded, CheckTimedOut
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


def judge(gold: str, pred: str, form: str | None) -> str:
    """'' when `pred` is right, else the reason. Module level: it runs in the bounded helper."""
    if is_prose(pred):
        return "boxed_prose_not_a_value"
    if not answers_match(gold, pred):
        return "wrong_answer"
    if form == "factored" and not is_factored(pred):
        return "not_factored"
    return ""


class AnswerVerifier:
    """With `bounded`, sympy runs in a helper process with a hard timeout (what runs use); without,
    in this thread (unit tests of the answer table)."""

    name = "answer"

    def __init__(self, bounded: Bounded | None = None):
        self.bounded = bounded

    def verify(self, t: Trajectory) -> Verdict:
        gold = t.meta.get("answer")
        if gold is None or not str(gold).strip():
            return Verdict(verifier=self.name, passed=False, reason="no_ground_truth_in_meta.answer")
        pred = last_boxed(_final_text(t))
        if pred is None:
            return Verdict(verifier=self.name, passed=False, reason="no_boxed_answer")
        args = (str(gold), pred, t.meta.get("form"))
        try:
            why = self.bounded.call(judge, *args) if self.bounded else judge(*args)
        except CheckTimedOut as e:
            why = f"check_timeout:{e}"
        return Verdict(verifier=self.name, passed=not why, score=0.0 if why else 1.0, reason=why)


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


_VALIDATORS = {n: jsonschema.Draft202012Validator(s[1]) for n, s in SCHEMAS.items()}  # built once: 10x faster


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
                    valid = _VALIDATORS[c.name].is_valid(json.loads(c.arguments))
                except json.JSONDecodeError:
                    valid = False
                if not valid:
                    return Verdict(verifier=self.name, passed=False, reason=f"invalid_arguments:{c.name}")
                if c.id not in answered:
                    return Verdict(verifier=self.name, passed=False, reason="call_without_result")
        return Verdict(verifier=self.name, passed=True, score=1.0)
