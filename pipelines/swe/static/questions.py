"""Code-understanding questions whose answers a program reads from the code: who calls a function,
which exceptions escape a function's own `raise` statements, and what a pure function returns for
given inputs (found by running that function alone in a sandbox, see `returns`)."""

from __future__ import annotations

import ast
import builtins
import random
from typing import Any

from pipelines.swe.static.repo import Function, Module

_CATCH_ALL = {"Exception", "BaseException"}


# Names that are also methods of built-in types: `s.strip()` is not a call of a function named strip.
_BUILTIN_METHODS = {n for t in (str, bytes, list, dict, set, tuple, int, float) for n in dir(t)}


class CallIndex:
    """Who calls what, read once per repository: name → functions calling `name(...)`, and
    name → functions calling `self.name(...)` / `cls.name(...)`."""

    def __init__(self, mods: list[Module]):
        self.by_name: dict[str, list[Function]] = {}
        self.by_self: dict[str, list[Function]] = {}
        for m in mods:
            for f in m.functions:
                names, selfs = set(), set()
                for n in ast.walk(f.node):
                    if not isinstance(n, ast.Call):
                        continue
                    if isinstance(n.func, ast.Name):
                        names.add(n.func.id)
                    elif (isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
                          and n.func.value.id in ("self", "cls")):
                        selfs.add(n.func.attr)
                for x in names:
                    self.by_name.setdefault(x, []).append(f)
                for x in selfs:
                    self.by_self.setdefault(x, []).append(f)

    def callers(self, target: Function) -> list[str]:
        """`path::qualname` of every function calling `target` directly: `name(...)` for a function,
        `self.name(...)` / `cls.name(...)` from a method of the same class for a method."""
        if target.is_method:
            cls = target.qualname.rsplit(".", 1)[0]
            found = [f for f in self.by_self.get(target.name, [])
                     if f.file == target.file and f.qualname.startswith(cls + ".")]
        else:
            found = self.by_name.get(target.name, [])
        return sorted(f"{f.file}::{f.qualname}" for f in found if f is not target and not _nested_in(f, target))


def _nested_in(f: Function, target: Function) -> bool:
    return f.file == target.file and f.qualname.startswith(target.qualname + ".")


def unique_names(mods: list[Module]) -> dict[str, Function]:
    """Functions whose bare name is defined once in the repository: a call by name means them."""
    seen: dict[str, list[Function]] = {}
    for m in mods:
        for f in m.functions:
            seen.setdefault(f.name, []).append(f)
    return {k: v[0] for k, v in seen.items()
            if len(v) == 1 and not k.startswith("__") and k not in _BUILTIN_METHODS}


def _exc_name(e: ast.expr | None) -> str | None:
    if isinstance(e, ast.Call):
        e = e.func
    if isinstance(e, ast.Name):
        return e.id
    if isinstance(e, ast.Attribute):
        return e.attr
    return None


def _handled(name: str, handlers: list[ast.ExceptHandler]) -> bool:
    for h in handlers:
        if h.type is None:
            return True
        types = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type]
        if any(_exc_name(t) in (name, *_CATCH_ALL) for t in types):
            return True
    return False


def escaping(fn: Function) -> list[str] | None:
    """Exception class names raised by `fn`'s own raise statements and not caught around them in `fn`;
    None when a raise is not by a plain name (a variable, a bare re-raise), so no exact answer exists."""
    found: set[str] = set()

    def walk(node: ast.AST, guards: list[list[ast.ExceptHandler]]) -> bool:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Try):
                for part in child.body:
                    if not walk_one(part, [*guards, child.handlers]):
                        return False
                for part in (*child.handlers, *child.orelse, *child.finalbody):
                    if not walk_one(part, guards):
                        return False
                continue
            if not walk_one(child, guards):
                return False
        return True

    def walk_one(child: ast.AST, guards: list[list[ast.ExceptHandler]]) -> bool:
        if isinstance(child, ast.Raise):
            name = _exc_name(child.exc)
            if name is None or child.exc is None or not name[:1].isupper():
                return False
            if not any(_handled(name, g) for g in guards):
                found.add(name)
            return True
        return walk(child, guards)

    if not walk(fn.node, []):
        return None
    return sorted(found)


# -- returns: a pure function run alone ------------------------------------------------------------

_SAFE_CALLS = {"len", "min", "max", "sorted", "sum", "abs", "range", "str", "int", "float", "list", "dict", "set",
               "tuple", "enumerate", "zip", "reversed", "any", "all", "isinstance", "round", "bool", "repr", "ord",
               "chr", "divmod", "map", "filter", "frozenset", "hex", "bin", "oct", "pow", "format", "hash"}
_BANNED = (ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom, ast.Await, ast.Import, ast.ImportFrom,
           ast.With, ast.AsyncWith, ast.Delete, ast.ClassDef, ast.Lambda, ast.Try)
INPUTS: dict[str, list[Any]] = {
    "int": [0, 1, 3, 7, 12, -4], "str": ["abc", "Hello World", "a,b,c", "x_y"], "list": [[3, 1, 2], ["b", "a"]],
    "bool": [True, False], "float": [0.5, 2.0, -1.25],
}
_BY_NAME = {"n": "int", "i": "int", "k": "int", "count": "int", "size": "int", "num": "int", "number": "int",
            "width": "int", "index": "int", "x": "int", "y": "int", "s": "str", "text": "str", "string": "str",
            "name": "str", "word": "str", "line": "str", "prefix": "str", "suffix": "str", "sep": "str",
            "items": "list", "seq": "list", "values": "list", "lst": "list", "xs": "list", "flag": "bool"}
_ANNOTATION = {"int": "int", "str": "str", "list": "list", "bool": "bool", "float": "float"}


def pure(fn: Function) -> bool:
    """A module-level function whose body uses only its parameters, its own locals and safe builtins:
    running it alone (its source and a call) gives what it gives in the repository."""
    if fn.is_method or "." in fn.qualname or fn.node.decorator_list or isinstance(fn.node, ast.AsyncFunctionDef):
        return False
    a = fn.node.args
    if a.vararg or a.kwarg or a.posonlyargs or a.kwonlyargs or not a.args:
        return False
    local = set(fn.params)
    for n in ast.walk(fn.node):
        if isinstance(n, _BANNED):
            return False
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            local.add(n.id)
        if isinstance(n, ast.arg):
            local.add(n.arg)
    for n in ast.walk(fn.node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local:
            if n.id not in _SAFE_CALLS and n.id not in ("None", "True", "False") and not hasattr(builtins, n.id):
                return False
            if n.id not in _SAFE_CALLS and callable(getattr(builtins, n.id, None)) and n.id[0].islower():
                return False  # open, print, eval, input, exec, __import__ …
        if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store):
            return False
        if isinstance(n, ast.Attribute) and n.attr.startswith("_"):
            return False
    return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(fn.node))


def arguments(fn: Function, rng: random.Random) -> list[Any] | None:
    """Seeded inputs by each parameter's annotation, default or name; None when one cannot be typed."""
    a = fn.node.args
    defaults: list[ast.expr | None] = [None] * (len(a.args) - len(a.defaults)) + list(a.defaults)
    out = []
    for arg, default in zip(a.args, defaults, strict=True):
        kind = None
        if isinstance(arg.annotation, ast.Name):
            kind = _ANNOTATION.get(arg.annotation.id)
        if kind is None and isinstance(default, ast.Constant) and default.value is not None:
            kind = _ANNOTATION.get(type(default.value).__name__)
        kind = kind or _BY_NAME.get(arg.arg)
        if kind is None:
            return None
        out.append(rng.choice(INPUTS[kind]))
    return out


def program(fn: Function, source: str, args: list[Any]) -> str:
    """The function's source and one call printing the result's repr (what runs in the sandbox)."""
    code = ast.get_source_segment(source, fn.node) or ""
    call = f"{fn.name}({', '.join(repr(x) for x in args)})"
    return f"{code}\n\nprint(repr({call}))\n"


def call_text(fn: Function, args: list[Any]) -> str:
    return f"{fn.name}({', '.join(repr(x) for x in args)})"
