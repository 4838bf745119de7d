"""The static graders against what an agent that wants to pass would write, and against right answers
in forms nobody asked for."""

import ast
import re
import textwrap

import pytest

from pipelines.swe import sources
from pipelines.swe.modifiers import file_patch
from pipelines.swe.static import grade
from pipelines.swe.static.grade import _apply, _find


@pytest.fixture(scope="module")
def repair(by_kind):
    t = by_kind["repair"]
    original = (sources.materialize(t.source) / t.file).read_text()
    buggy = _apply(original, t.file, t.setup_patch)
    return t, original, buggy


def _span(text, qualname):
    fn = _find(ast.parse(text), qualname)
    return min([fn.lineno, *(d.lineno for d in fn.decorator_list)]) - 1, fn.end_lineno


def _with_function(text, qualname, new_src):
    lines = text.splitlines(keepends=True)
    a, b = _span(text, qualname)
    return "".join(lines[:a]) + new_src + "".join(lines[b:])


def _function(text, qualname):
    a, b = _span(text, qualname)
    return "".join(text.splitlines(keepends=True)[a:b])


def test_the_gold_fix_resolves(repair):
    t, _, _ = repair
    assert grade.repair(t, t.patch).reason == "resolved"


def test_a_fix_in_another_form_resolves(repair):
    t, original, buggy = repair
    src = _function(original, t.function)
    fn = ast.parse(textwrap.dedent(src)).body[0]
    names = sorted({a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)} - {"self", "cls"})
    renamed = src
    for i, n in enumerate(names):  # every parameter renamed, plus a comment: the same function
        renamed = re.sub(rf"\b{n}\b", f"renamed_{i}", renamed)
    renamed = renamed.replace(":\n", ":  # restored\n", 1)
    fixed = _with_function(buggy, t.function, renamed)
    assert grade.repair(t, file_patch(t.file, buggy, fixed)).reason == "resolved"


def test_leaving_the_bug_is_not_a_fix(repair):
    t, _, buggy = repair
    src = _function(buggy, t.function).replace(":\n", ":  # looked at it\n", 1)
    assert grade.repair(t, file_patch(t.file, buggy, _with_function(buggy, t.function, src))).reason == "bug_still_there"


def test_rewriting_the_whole_file_is_refused(repair):
    t, original, buggy = repair
    whole = "\n".join(line.rstrip() + "  " if line.strip() else line for line in original.splitlines()) + "\n"
    assert grade.repair(t, file_patch(t.file, buggy, whole)).reason == "touches_outside_function"


def test_touching_another_function_is_refused(repair):
    t, original, buggy = repair
    tree = ast.parse(original)
    other = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name != t.function.split(".")[-1]
                 and n.end_lineno - n.lineno > 2)
    lines = t.patch and original.splitlines(keepends=True)
    lines[other.end_lineno - 1] = lines[other.end_lineno - 1].rstrip("\n") + "  # tweak\n"
    both = "".join(lines)
    assert grade.repair(t, file_patch(t.file, buggy, both)).reason == "touches_outside_function"


def test_copying_a_neighbouring_function_is_refused(repair):
    t, _, buggy = repair
    tree = ast.parse(buggy)
    mine = _find(tree, t.function)
    neighbour = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n is not mine
                     and ast.dump(n.args) != "" and n.name != mine.name)
    body = ast.get_source_segment(buggy, neighbour).split("\n", 1)[1]
    indent = " " * (mine.body[0].col_offset - neighbour.body[0].col_offset)
    header = _function(buggy, t.function).split(":\n", 1)[0] + ":\n"
    copied = header + "".join(indent + ln + "\n" if ln.strip() else "\n" for ln in body.splitlines())
    fixed = _with_function(buggy, t.function, copied)
    r = grade.repair(t, file_patch(t.file, buggy, fixed))
    assert not r.resolved and r.reason in ("function_differs", "does_not_parse")


def test_a_patch_in_another_file_or_none_is_refused(repair):
    t, _, buggy = repair
    other = file_patch("README.md", "a\n", "b\n")
    assert grade.repair(t, t.patch + other).reason.startswith("touches_other_files:README.md")
    assert grade.repair(t, "").reason == "empty_patch"
    broken = t.patch.replace("\n ", "\n X", 1)
    assert grade.repair(t, broken).reason in ("patch_does_not_apply", "touches_outside_function")


def test_adding_code_after_the_function_is_refused(repair):
    t, original, buggy = repair
    a, b = _span(original, t.function)
    lines = original.splitlines(keepends=True)
    indent = " " * (len(lines[a]) - len(lines[a].lstrip()))
    extra = lines[:b] + [f"{indent}EXTRA = 1\n"] + lines[b:]
    r = grade.repair(t, file_patch(t.file, buggy, "".join(extra)))
    assert r.reason in ("changes_outside_function", "touches_outside_function")


def test_answers_in_the_forms_a_model_writes(by_kind):
    loc = by_kind["localisation"]
    assert grade.answer(loc, f"It is <answer>./{loc.answer}</answer>").resolved
    assert grade.answer(loc, f"<answer>`{loc.answer}`</answer>").resolved
    assert grade.answer(loc, "<answer>setup.py::main</answer>").reason == "wrong_location"
    assert grade.answer(loc, loc.answer).reason == "no_answer"
    callers = by_kind["callers"]
    shuffled = "\n".join(reversed([x.strip() for x in callers.answer.split(",")]))
    assert grade.answer(callers, f"<answer>{shuffled}</answer>").resolved
    raises = by_kind["raises"]
    assert grade.answer(raises, f"<answer>{', '.join('builtins.' + x for x in raises.answer.split(', '))}</answer>").resolved
    assert not grade.answer(raises, "<answer>KeyError, " + raises.answer + "</answer>").resolved


def test_a_returned_value_is_compared_as_a_value(by_kind):
    t = by_kind["returns"].model_copy(update={"answer": "[1, 2]"})
    assert grade.answer(t, "<answer>[1,2]</answer>").resolved
    assert not grade.answer(t, "<answer>(1, 2)</answer>").resolved
    t = t.model_copy(update={"answer": "1"})
    assert not grade.answer(t, "<answer>1.0</answer>").resolved and grade.answer(t, "<answer> 1 </answer>").resolved
