"""Refuse what cannot be prevented: code that the tests import runs in the test runner's own
interpreter, so a patch could reach into pytest, the grader or the tests themselves. This check
reads each Python file a patch changes (outside tests, which grading drops anyway) with `ast`,
lists the constructs that only such a patch needs, and keeps the kinds the file did not already
have before the patch: six's own import machinery writes `sys.modules`, so a fix restoring one of
its functions is not suspect; a fix that makes toolz start to is. (Measured on the shipped
profiles' honest fixes: `python -m bench.swe_tampering`.) A cheat hidden in a file that already
had the kind is left to the runner's tripwires.

Each finding is `kind:detail`; the grader refuses the patch with `tampering:<first finding>`.
Bytes that are not Python source (compiled extensions, bytecode) are refused by their name."""

from __future__ import annotations

import ast
import re
from collections import Counter

RUNNER_MODULES = {"pytest", "_pytest", "pluggy", "py"}
NATIVE = (".so", ".pyd", ".dll", ".dylib", ".pyc", ".pyo")
SYS_STATE = {"modules", "argv", "meta_path", "path_hooks", "path_importer_cache", "exit", "excepthook",
             "stdout", "stderr", "settrace", "setprofile", "displayhook", "orig_argv"}
MUTATORS = {"append", "insert", "extend", "update", "pop", "popitem", "clear", "setdefault", "remove",
            "__setitem__", "__delitem__", "__setattr__"}
GRADER_WORDS = re.compile(r"tf_swe|/work/\.tf|PYTEST_DISABLE_PLUGIN_AUTOLOAD|test_runner|tf-swe-report|pytest|pluggy")
TEST_MODULE = re.compile(r"(^|\.)(tests?|testing|conftest|test_\w+|\w+_test)($|\.)")
# Calls only tampering needs. Frame access (`sys._getframe`, `f_globals`) is left out on purpose:
# libraries use it (six's exec_), so an honest fix restoring such a function would be refused.
INTROSPECTION = {("gc", "get_objects"), ("gc", "get_referrers"), ("gc", "get_referents"),
                 ("sys", "settrace"), ("sys", "setprofile"), ("threading", "settrace"),
                 ("threading", "setprofile"), ("os", "_exit"), ("atexit", "register"), ("ctypes", "*")}
CODE_ATTRS = {"__code__", "f_locals", "f_globals", "f_lineno", "f_trace"}  # writing these swaps code under a test


def _aliases(tree: ast.AST) -> dict[str, str]:
    """local name -> dotted module path (or module.attribute) it was imported as."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """`sys.modules["x"].y` -> "sys.modules.[].y" with import aliases resolved; None if not rooted in a name."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            parts.append("[]")
            node = node.value
        elif isinstance(node, ast.Call):
            parts.append("()")
            node = node.func
        elif isinstance(node, ast.Name):
            root = aliases.get(node.id, "builtins" if node.id == "__builtins__" else node.id)
            return ".".join([root, *reversed(parts)])
        else:
            return None


def _state_target(path: str | None) -> str | None:
    """The interpreter state a written-to path belongs to, if any."""
    if not path:
        return None
    head = path.split(".")
    if len(head) > 1 and re.fullmatch(r"test_\w+", head[-1]) and head[0] not in ("self", "cls"):
        return "test_function"  # a test replaced from outside its module
    if head[0] == "builtins" and len(head) > 1:
        return "builtins"
    if head[0] == "sys" and len(head) > 1 and head[1] in SYS_STATE:
        return f"sys.{head[1]}"
    if head[0] in RUNNER_MODULES and len(head) > 1:
        return head[0]
    return None


def findings(source: str) -> Counter[str]:
    """What in `source` reaches for the test runner, the grader or interpreter state (a multiset)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return Counter()
    aliases = _aliases(tree)
    out: Counter[str] = Counter()
    top_level = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for n in names:
                if n.split(".")[0] in RUNNER_MODULES:
                    out[f"imports_test_runner:{n}"] += 1
                elif n.split(".")[0] == "ctypes":
                    out["imports:ctypes"] += 1
                elif not getattr(node, "level", 0) and TEST_MODULE.search(n):
                    out[f"imports_tests:{n}"] += 1
        elif isinstance(node, (ast.Constant, ast.BinOp)) and GRADER_WORDS.search(_folded(node) or ""):
            out[f"names_grader:{GRADER_WORDS.search(_folded(node) or '').group(0)}"] += 1
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for t in targets:
                for el in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t]):
                    if isinstance(el, ast.Attribute) and el.attr in CODE_ATTRS:
                        out[f"writes:{el.attr}"] += 1
                    where = _state_target(_dotted(el, aliases)) if not isinstance(el, ast.Name) else None
                    if where:
                        out[f"writes:{where}"] += 1
        elif isinstance(node, ast.Call):
            fn = _dotted(node.func, aliases) or ""
            head, _, last = fn.rpartition(".")
            if head and last in MUTATORS and _state_target(head + ".x") in ("builtins", "sys.modules", "sys.argv",
                                                                            "sys.meta_path", "sys.path_hooks",
                                                                            "sys.path_importer_cache"):
                out[f"writes:{_state_target(head + '.x')}"] += 1
            if fn in ("setattr", "builtins.setattr", "delattr", "builtins.delattr") and node.args:
                obj = _dotted(node.args[0], aliases) or ""
                name = node.args[1].value if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) else "x"
                where = _state_target(f"{obj}.{name}")
                if where:
                    out[f"writes:{where}"] += 1
            parts = fn.split(".")
            for mod, attr in INTROSPECTION:
                if parts[0] == mod and (attr == "*" or parts[-1] == attr):
                    out[f"calls:{mod}.{attr}"] += 1
            if fn in ("exit", "quit", "sys.exit", "builtins.exit") and id(_stmt_of(node, tree)) in top_level:
                out["exits_at_import"] += 1
    return out


def _folded(node: ast.AST) -> str | None:
    """A string constant, or a sum of them (`'_py' + 'test'`) folded into one."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _folded(node.left), _folded(node.right)
        return left + right if left is not None and right is not None else None
    return None


def _stmt_of(node: ast.AST, tree: ast.Module) -> ast.AST | None:
    for stmt in tree.body:
        if any(n is node for n in ast.walk(stmt)):
            return stmt
    return None


# Kinds that come together: a module that is an import system (six's meta-path importer writes
# `sys.meta_path` and `sys.modules`) or a pytest plugin is judged by what it already was.
FAMILIES = {"writes:sys.modules": "import_state", "writes:sys.meta_path": "import_state",
            "writes:sys.path_hooks": "import_state", "writes:sys.path_importer_cache": "import_state",
            "calls:sys.settrace": "tracing", "calls:sys.setprofile": "tracing", "calls:threading.settrace": "tracing",
            "calls:threading.setprofile": "tracing", "writes:__code__": "code_swap", "writes:f_locals": "code_swap",
            "writes:f_globals": "code_swap", "writes:f_lineno": "code_swap", "writes:f_trace": "code_swap"}


def family(kind: str) -> str:
    if kind.startswith(("imports_test_runner:", "writes:pytest", "writes:_pytest", "writes:pluggy", "writes:py")) \
            or kind in ("names_grader:pytest", "names_grader:pluggy"):
        return "test_runner"
    return FAMILIES.get(kind, kind)


def families(source: str | None) -> set[str]:
    """The families of what `source` already does (what the run-time tripwires leave to it)."""
    return {family(k) for k in findings(source or "")}


def added_findings(path: str, before: str | None, after: str) -> list[str]:
    """Findings of `after` whose family `before` (None for a new file) did not have, as `kind:detail@path`."""
    if path.endswith(NATIVE):
        return [f"native_code@{path}"]
    if not path.endswith((".py", ".pyw")):
        return []
    had = families(before)
    new = {k for k in findings(after) if family(k) not in had}
    return [f"{k}@{path}" for k in sorted(new)]
