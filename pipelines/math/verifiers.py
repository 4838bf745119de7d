"""Math verifiers: the boxed answer against the ground truth (math-verify), the plan → act →
feedback → reflect structure, and well-formed tool calls. They read only the record (messages and
`meta.answer`), so `factory verify --pipeline math FILE` works on any trajectory file."""

from __future__ import annotations

import json
import re

import jsonschema

from factory.trajectory import Trajectory, Verdict
from factory.verify.bounded import Bounded, CheckTimedOut
from factory.verify.math_answer import answers_match, last_boxed
from pipelines.math import forms, units
from pipelines.math.tools import SCHEMAS

_WORD = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{2,}")
# Letter runs that are mathematics, not words (function names written without a backslash).
_MATH_WORDS = {"sin", "cos", "tan", "sec", "csc", "cot", "log", "ln", "exp", "lim", "max", "min", "gcd", "lcm",
               "mod", "det", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "pi", "inf", "infty", "oo",
               "sqrt", "frac", "dfrac", "tfrac", "cdot", "times", "left", "right", "text", "mathrm", "le", "ge", "ne"}
_ENGLISH_2 = {"is", "it", "so", "be", "as", "or", "of", "to", "an", "at", "by", "if", "in", "on", "we", "no"}


def is_prose(answer: str, gold: str = "") -> bool:
    """Words in the box: math-verify would find a number in a sentence and call it right. A word the
    ground truth itself contains (a `\\text{yes}` answer) is the answer, not prose."""
    allowed = {w.lower() for w in _WORD.findall(gold)}
    for w in _WORD.findall(answer):
        low = w.lower()
        if low in _MATH_WORDS or low in allowed:
            continue
        if len(w) >= 3 or low in _ENGLISH_2:
            return True
    return False


def _final_text(t: Trajectory) -> str:
    return next((m.content for m in reversed(t.messages) if m.role == "assistant"), "")


def _question(t: Trajectory) -> str:
    return next((m.content for m in t.messages if m.role == "user"), "")


def compare_answers(gold: str, pred: str, form: str | None, question: str = "") -> str:
    """'' when `pred` is right, else the reason. Module level: it runs in the bounded helper. A box
    with a unit, % or ° is right when its bare value is (`units.readings`); the reason given for a
    wrong one is that of the box as written."""
    reasons = []
    for reading in units.readings(pred, gold, question):
        why = _judge_one(gold, reading, form, question)
        if not why:
            return ""
        reasons.append(why)
    return reasons[min(1, len(reasons) - 1)]


def _judge_one(gold: str, pred: str, form: str | None, question: str) -> str:
    if is_prose(pred, gold):
        return "boxed_prose_not_a_value"
    if question and forms.restates(pred, gold, question):
        return "restates_question"
    if not answers_match(gold, pred):
        return "wrong_answer"
    return forms.check(pred, gold, form, question)


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
        args = (str(gold), pred, t.meta.get("form"), _question(t))
        try:
            why = self.bounded.call(compare_answers, *args) if self.bounded else compare_answers(*args)
        except CheckTimedOut as e:
            why = f"check_timeout:{e}"
        return Verdict(verifier=self.name, passed=not why, score=0.0 if why else 1.0, reason=why)


_TAG = {tag: re.compile(rf"<{tag}>(.*?)</{tag}>", re.S) for tag in ("plan", "reflection")}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
MIN_NOTE_WORDS = 3  # "ok", "fine." or a space is not a plan; "Evaluate it, then check" is


def _substantial(texts: list[str]) -> bool:
    return any(len(t.split()) >= MIN_NOTE_WORDS and len(t.strip()) >= 12 for t in texts)


def _used(result: str, later: str) -> bool:
    """Whether later assistant text draws on a tool result: one of its numbers, or the result itself."""
    nums = {n for n in _NUMBER.findall(result) if len(n.lstrip("-")) >= 2 or n == result.strip()}
    if nums:
        return any(re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", later) for n in nums)
    short = result.strip()
    return bool(short) and len(short) <= 60 and short in later


_STRAY = re.compile(r"</?(tool_response|tool_call|tools)>")


class StructureVerifier:
    """A plan and a reflection with substance, a tool call whose result was non-empty, not an error,
    and used by what came after it, and a final boxed answer."""

    name = "structure"

    def verify(self, t: Trajectory) -> Verdict:
        said = [m.content for m in t.messages if m.role == "assistant"]
        text = "\n".join(said)
        plans = _TAG["plan"].findall(text)
        reflections = _TAG["reflection"].findall(text)
        good_results = []
        for i, m in enumerate(t.messages):
            if m.role == "tool" and m.content.strip() and not m.content.startswith("error:"):
                later = "\n".join(x.content for x in t.messages[i + 1:] if x.role == "assistant")
                good_results.append(_used(m.content, later))
        checks = [("empty_plan", _substantial(plans)),
                  ("no_tool_call", any(m.tool_calls for m in t.messages if m.role == "assistant")),
                  ("no_valid_tool_result", bool(good_results)),
                  ("empty_reflection", _substantial(reflections)),
                  ("tool_result_unused", any(good_results)),
                  ("no_final_answer", last_boxed(_final_text(t)) is not None),
                  # Wrapper tags the teacher saw (tool results, the tools block) echoed into its own
                  # text would teach a student to emit them.
                  ("stray_tag", not _STRAY.search(text))]
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
