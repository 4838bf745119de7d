"""Answer equivalence with math-verify (1/2 = 0.5 = \\frac{1}{2}; x = 2 vs 2; sets, intervals)."""

from __future__ import annotations

import threading

from math_verify import parse, verify


def last_boxed(text: str) -> str | None:
    """Content of the last \\boxed{...}, braces balanced; None when there is none."""
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    i, depth = start + len("\\boxed{"), 1
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i:j].strip()
    return None


def _as_latex(answer: str) -> str:
    answer = answer.strip()
    return answer if "\\boxed" in answer or answer.startswith("$") else f"${answer}$"


def answers_match(gold: str, predicted: str) -> bool:
    # math-verify's timeouts use SIGALRM, which only exists on the main thread; Ray runs async
    # actor methods on another thread, where we go without (answers here are short).
    main = threading.current_thread() is threading.main_thread()
    t = 5 if main else None
    g = parse(_as_latex(gold), parsing_timeout=t)
    p = parse(_as_latex(predicted), parsing_timeout=t)
    if not g or not p:
        return gold.strip() == predicted.strip() and bool(gold.strip())
    return bool(verify(g, p, timeout_seconds=t))
