"""Prompts and the extraction schema."""

from __future__ import annotations

from typing import Any

PHASES = ("analysis", "plan", "action", "reflection", "summary")

# Dual-mode rows say which mode they are in with the system-prompt flags that Qwen3-style chat
# templates understand: "/think" (reason in the five phases) and "/no_think" (answer directly).
THINK, NO_THINK = "/think", "/no_think"
THINKING_SYSTEM = f"Reason through the question in five phases, then give the final answer. {THINK}"
NON_THINKING_SYSTEM = f"Answer the question directly with the final answer. {NO_THINK}"


def mode(messages: list) -> str:
    """'non_thinking' when the row's system prompt carries the /no_think flag, else 'thinking'."""
    for m in messages:
        role = m.role if hasattr(m, "role") else m.get("role")
        content = m.content if hasattr(m, "content") else m.get("content", "")
        if role == "system" and NO_THINK in (content or "").split():
            return "non_thinking"
    return "thinking"

REASON_SYSTEM = ("You are a careful problem solver. Think step by step about the question, check your "
                 "work, and end with the final answer written as \\boxed{answer}.")

EXTRACT_SYSTEM = (
    "You rewrite a reasoning transcript into five short phases, keeping only what matters:\n"
    "analysis: what the question asks and the key facts.\n"
    "plan: the steps to take.\n"
    "action: the steps carried out, with the computations.\n"
    "reflection: a check of the result, noting any mistake.\n"
    "summary: the conclusion in one or two sentences.\n"
    "final_answer: the final answer alone (a number or short expression), or empty if there is none.\n"
    "Answer with JSON only.")


def extract_user(question: str, reasoning: str) -> str:
    return f"Question:\n{question}\n\nReasoning transcript:\n{reasoning}"


def extraction_schema(max_chars: int) -> dict[str, Any]:
    props: dict[str, Any] = {p: {"type": "string", "minLength": 1, "maxLength": max_chars} for p in PHASES}
    props["final_answer"] = {"type": "string", "maxLength": 60}
    return {"type": "object", "properties": props, "required": [*PHASES, "final_answer"],
            "additionalProperties": False}


def assemble(phases: dict[str, str], final_answer: str) -> str:
    parts = {p: " ".join(phases[p].split()) for p in PHASES}
    if final_answer and "\\boxed{" not in parts["summary"]:
        parts["summary"] = f"{parts['summary']} The final answer is \\boxed{{{final_answer}}}.".strip()
    return "\n".join(f"<{p}>{parts[p]}</{p}>" for p in PHASES)
