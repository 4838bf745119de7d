"""Grading without running code. A repair: the patch may touch only the broken function's lines, and
the function it leaves must equal the original after normalisation (docstrings dropped, local names
renamed in order of first use, formatting and comments gone with the AST), everything else in the
module unchanged. A localisation: `file::qualname` exactly. A question: the answer's items as a set
(callers, exceptions) or the value (a repr, compared as a Python literal where it is one)."""

from __future__ import annotations

import ast
import copy
import re
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pipelines.swe import sources
from pipelines.swe.static.task import StaticTask

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.S)
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")


@dataclass
class StaticGrade:
    resolved: bool
    reason: str  # "resolved" or why not
    given: str = ""  # the answer or the patch's file list, for the row

    def to_meta(self) -> dict[str, Any]:
        return asdict(self)


def answer_in(text: str) -> str | None:
    found = _ANSWER.findall(text)
    return found[-1].strip() if found else None


class _Rename(ast.NodeTransformer):
    """Parameters and local names → v0, v1 … in order of first appearance; attributes and globals kept."""

    def __init__(self, local: set[str]) -> None:
        self.local, self.names = local, {}  # type: ignore[var-annotated]

    def _new(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}") if name in self.local else name

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self._new(node.arg)
        node.annotation = None
        return node

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._new(node.id)
        return node


def normalised(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    fn = ast.parse(ast.unparse(fn)).body[0]  # a copy
    assert isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        fn.body = body[1:] or [ast.Pass()]
    local = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    fn.returns = None
    return ast.dump(_Rename(local).visit(fn), include_attributes=False)


def _find(tree: ast.Module, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    parts, body = qualname.split("."), tree.body
    for i, part in enumerate(parts):
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            return None
        if i == len(parts) - 1:
            return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        body = node.body
    return None


def _without(tree: ast.Module, qualname: str) -> str:
    """The module's AST with the function's body emptied: what must not change (on a copy)."""
    tree = copy.deepcopy(tree)
    fn = _find(tree, qualname)
    if fn is not None:
        fn.body, fn.decorator_list, fn.returns = [ast.Pass()], [], None
        fn.args = ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])
    return ast.dump(tree, include_attributes=False)


def patch_files(patch: str) -> list[str]:
    out = []
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            m = re.match(r"diff --git a/(.+?) b/(.+)$", line)
            if m:
                out += [m.group(1), m.group(2)]
    return sorted(set(out))


def touched_old_lines(patch: str) -> list[int]:
    """Lines of the old file a patch removes, and the line before which it inserts (1-based)."""
    out: list[int] = []
    old = 0
    for line in patch.splitlines():
        m = _HUNK.match(line)
        if m:
            old = int(m.group(1)) if m.group(2) != "0" else int(m.group(1)) + 1
            continue
        if not old or line.startswith(("+++", "---", "diff ", "index ", "\\")):
            continue
        if line.startswith("-"):
            out.append(old)
            old += 1
        elif line.startswith("+"):
            out.append(old)
        else:
            old += 1
    return out


def _apply(text: str, rel: str, patch: str) -> str | None:
    """`text` (the file at `rel`) with `patch` applied by `git apply`, in a scratch directory; None when
    it does not apply. Nothing is run but git."""
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text, encoding="utf-8")
        (Path(tmp) / ".p.diff").write_text(patch, encoding="utf-8")
        p = subprocess.run(["git", "apply", "--whitespace=nowarn", "--unsafe-paths", ".p.diff"], cwd=tmp,
                           capture_output=True, text=True)
        return f.read_text(encoding="utf-8") if p.returncode == 0 else None


def repair(t: StaticTask, patch: str) -> StaticGrade:
    if not patch.strip():
        return StaticGrade(False, "empty_patch")
    files = patch_files(patch)
    given = ",".join(files)
    if files != [t.file]:
        others = [f for f in files if f != t.file] or files
        return StaticGrade(False, f"touches_other_files:{','.join(others)[:120]}", given)
    original = (sources.materialize(t.source, sha256=t.source_sha256) / t.file).read_text(encoding="utf-8")
    buggy = _apply(original, t.file, t.setup_patch) if t.setup_patch else original
    if buggy is None:
        return StaticGrade(False, "environment:setup_patch_does_not_apply", given)
    fixed = _apply(buggy, t.file, patch)
    if fixed is None:
        return StaticGrade(False, "patch_does_not_apply", given)
    try:
        before, after, gold = ast.parse(buggy), ast.parse(fixed), ast.parse(original)
    except SyntaxError:
        return StaticGrade(False, "does_not_parse", given)
    target = _find(before, t.function)
    assert target is not None, f"{t.instance_id}: {t.function} not in the task's file"
    first = min([target.lineno, *(d.lineno for d in target.decorator_list)])
    if any(not first <= n <= (target.end_lineno or target.lineno) + 1 for n in touched_old_lines(patch)):
        return StaticGrade(False, "touches_outside_function", given)
    mine, want = _find(after, t.function), _find(gold, t.function)
    if mine is None or want is None:
        return StaticGrade(False, "function_removed", given)
    if _without(after, t.function) != _without(gold, t.function):
        return StaticGrade(False, "changes_outside_function", given)
    if normalised(mine) == normalised(want):
        return StaticGrade(True, "resolved", given)
    return StaticGrade(False, "bug_still_there" if normalised(mine) == normalised(target) else "function_differs",
                       given)


def _items(text: str) -> set[str]:
    return {re.sub(r"^\./|^`|`$", "", x.strip()).strip("` ") for x in re.split(r"[,\n]", text) if x.strip()}


def _literal(text: str) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def answer(t: StaticTask, reply: str) -> StaticGrade:
    got = answer_in(reply)
    if got is None:
        return StaticGrade(False, "no_answer")
    if t.kind == "localisation":
        ok = _items(got) == {t.answer}
        return StaticGrade(ok, "resolved" if ok else "wrong_location", got[:200])
    if t.question in ("callers", "raises"):
        want = _items(t.answer)
        mine = _items(got) if t.question == "callers" else {x.rsplit(".", 1)[-1] for x in _items(got)}
        ok = mine == want
        return StaticGrade(ok, "resolved" if ok else f"wrong_answer:{len(mine & want)}/{len(want)}", got[:200])
    a, b = _literal(got), _literal(t.answer)
    ok = got.strip() == t.answer.strip() or (a[0] and b[0] and type(a[1]) is type(b[1]) and a[1] == b[1])
    return StaticGrade(ok, "resolved" if ok else "wrong_answer", got[:200])
