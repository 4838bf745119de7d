"""Problem statements. A template from the failing tests and their error lines, or a teacher's
text written from the diff and the failures; either way a statement that quotes a changed line of
the fix is cut back (lines) or refused (teacher), so the statement never holds the patch."""

from __future__ import annotations

MIN_LEAK = 8  # changed lines shorter than this (a bare `)` or `pass`) say nothing about the fix


def changed_lines(patch: str) -> set[str]:
    out = set()
    for line in patch.splitlines():
        if line.startswith(("+++", "---")) or not line.startswith(("+", "-")):
            continue
        body = line[1:].strip()
        if len(body) >= MIN_LEAK:
            out.add(body)
    return out


def leaks(text: str, patch: str) -> list[str]:
    """Changed lines of `patch` that `text` quotes."""
    norm = " ".join(text.split())
    return sorted(c for c in changed_lines(patch) if " ".join(c.split()) in norm)


def template_statement(repo: str, f2p: list[str], messages: dict[str, str], patch: str) -> str:
    shown = f2p[:5]
    lines = [f"Since the last change to {repo}, {len(f2p)} test(s) fail that used to pass:", ""]
    lines += [f"- {t}" for t in shown]
    if len(f2p) > len(shown):
        lines.append(f"- … and {len(f2p) - len(shown)} more")
    changed = changed_lines(patch)
    errors = []
    for t in shown:
        for ln in (messages.get(t) or "").splitlines():
            ln = ln.rstrip()
            if ln.startswith("E ") and not any(c in ln for c in changed) and ln not in errors:
                errors.append(ln)
    if errors:
        lines += ["", "The failures report:", "```", *errors[:12], "```"]
    lines += ["", "The tests are right; fix the library so they pass again without breaking the others."]
    return "\n".join(lines)


def teacher_prompt(repo: str, patch: str, f2p: list[str], messages: dict[str, str]) -> str:
    fails = "\n".join(f"{t}\n{(messages.get(t) or '')[-600:]}" for t in f2p[:3])
    return (f"You write GitHub issues. A bug in the Python library {repo} makes these tests fail:\n\n{fails}\n\n"
            f"The change that fixes it (do NOT quote it or say where the fix is):\n{patch[:3000]}\n\n"
            "Write the issue a user would file: what they did, what they expected, what happened. "
            "Plain prose and at most one short code example. No code from the fix.")
