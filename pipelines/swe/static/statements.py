"""What the agent is asked, per kind. A repair names the function and the kind of symptom (there is no
test to run); a localisation describes the broken function by what it is documented to do or what it
takes, never by its name; questions say exactly what form the answer takes."""

from __future__ import annotations

import re

from pipelines.swe.static.repo import Function

SYMPTOM = {
    "control_flow": "its branches seem to run in the wrong cases",
    "statements": "a step of it seems to be missing or to happen in the wrong order",
    "removal": "part of what it should do is no longer done",
    "operators": "an operator in it seems to be wrong",
    "constants": "a constant in it seems to be off",
    "chains": "an expression in it seems to stop short",
}
ANSWER = "Give your answer inside <answer></answer> at the end of your final message."


def _family(modifier: str) -> str:
    from pipelines.swe.modifiers import MODIFIERS

    return MODIFIERS[modifier].family


def repair(repo: str, fn: Function, modifier: str) -> str:
    return (f"In the repository {repo} (at /work/repo), the function `{fn.qualname}` in `{fn.file}` no longer does "
            f"what it should: {SYMPTOM[_family(modifier)]}. There are no tests to run. Read the code around it, "
            "restore the function and change nothing else; then call `submit`.")


def _summary(fn: Function) -> str:
    first = fn.docstring.strip().split("\n\n")[0]
    return " ".join(first.split())[:300]


def localisation(repo: str, fn: Function, modifier: str) -> str | None:
    """None when the function cannot be described without its name (no docstring, no parameters)."""
    doc = _summary(fn)
    if doc and not re.search(rf"\b{re.escape(fn.name)}\b", doc, re.I):
        what = f"the one documented as: \"{doc}\""
    elif [p for p in fn.params if p not in ("self", "cls")]:
        shown = ", ".join(p for p in fn.params if p not in ("self", "cls"))
        kind = "method" if fn.is_method else "function"
        what = f"a {kind} taking ({shown})"
    else:
        return None
    if re.search(rf"\b{re.escape(fn.name)}\b", what):
        return None
    return (f"A user of {repo} (at /work/repo) reports a bug: in `{fn.file}`, {what} misbehaves — "
            f"{SYMPTOM[_family(modifier)]}. Find the function. Do not fix it. {ANSWER} Write it as "
            "`path/to/file.py::Name` (methods as `Class.method`), e.g. <answer>pkg/mod.py::Parser.feed</answer>.")


def callers(repo: str, fn: Function) -> str:
    how = (f"`self.{fn.name}(...)` or `cls.{fn.name}(...)` from a method of its class" if fn.is_method
           else f"`{fn.name}(...)`")
    return (f"In the repository {repo} (at /work/repo), which functions call `{fn.qualname}` (defined in `{fn.file}`) "
            f"directly, as {how} in their own body? List each as `path/to/file.py::Name` "
            f"(methods as `Class.method`), separated by commas. {ANSWER}")


def raises(repo: str, fn: Function) -> str:
    return (f"In the repository {repo} (at /work/repo), which exception classes can escape `{fn.qualname}` in "
            f"`{fn.file}` through its own `raise` statements (not those of functions it calls; an exception its own "
            f"`try` catches does not escape)? Give the class names, separated by commas. {ANSWER}")


def returns(repo: str, fn: Function, call: str) -> str:
    return (f"In the repository {repo} (at /work/repo), what does `{call}` return, with `{fn.name}` as defined in "
            f"`{fn.file}`? Give the value as Python would print its repr(). {ANSWER}")
