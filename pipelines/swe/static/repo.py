"""What a repository's source offers static tasks: its Python modules (tests, docs, examples, vendored
and generated code left out) and the functions in them, with their spans, docstrings and what their
bodies call and raise — read with `ast`, nothing imported or run."""

from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

SKIP = ("test_*.py", "*_test.py", "tests/*", "test/*", "testing/*", "*/tests/*", "*/test/*", "*/testing/*",
        "docs/*", "doc/*", "examples/*", "example/*", "benchmarks/*", "bench/*", "*/_vendor/*", "*/vendor/*",
        "vendor/*", "build/*", "setup.py", "conftest.py", "*/conftest.py", "noxfile.py", "*.egg-info/*",
        "debian/*", "*/migrations/*", "_version.py", "*/_version.py")
MAX_FILE_BYTES = 200_000
MAX_FILES = 400  # a repository with more modules is read in part (the first, in path order)
NATIVE = ("*.c", "*.cpp", "*.pyx", "*.rs", "*.go")


@dataclass
class Function:
    file: str  # repository-relative path
    qualname: str
    name: str
    lineno: int  # the first line (decorators included)
    end_lineno: int
    statements: int
    docstring: str
    params: list[str]
    is_method: bool
    nested: bool  # defined inside another function: not addressable from outside
    node: ast.FunctionDef | ast.AsyncFunctionDef = field(repr=False)


@dataclass
class Module:
    path: str
    source: str
    tree: ast.Module = field(repr=False)
    functions: list[Function] = field(default_factory=list)


def skipped(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(name, g) for g in SKIP)


def native_files(tree: Path) -> int:
    """Compiled-language sources outside tests and docs: the repository is not pure Python."""
    return sum(1 for g in NATIVE for p in tree.rglob(g) if not skipped(p.relative_to(tree).as_posix()))


def _count(body: list[ast.stmt]) -> int:
    return sum(1 for s in body for _ in ast.walk(s) if isinstance(_, ast.stmt))


class _Collect(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path, self.stack, self.out = path, [], []  # type: ignore[var-annotated]
        self.classes: list[bool] = []

    def _func(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.stack.append(node.name)
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        args = node.args
        params = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
        self.out.append(Function(self.path, ".".join(self.stack), node.name, first, node.end_lineno or node.lineno,
                                 _count(node.body), ast.get_docstring(node) or "", params,
                                 bool(self.classes and self.classes[-1]), False in self.classes, node))
        self.classes.append(False)
        self.generic_visit(node)
        self.classes.pop()
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _func

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.stack.append(node.name)
        self.classes.append(True)
        self.generic_visit(node)
        self.classes.pop()
        self.stack.pop()


def parse(path: str, source: str) -> Module | None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    c = _Collect(path)
    c.visit(tree)
    return Module(path, source, tree, c.out)


def modules(tree: Path) -> list[Module]:
    """The repository's modules in path order (at most MAX_FILES), unparseable ones left out."""
    out: list[Module] = []
    for p in sorted(tree.rglob("*.py")):
        rel = p.relative_to(tree).as_posix()
        if skipped(rel) or not p.is_file() or p.is_symlink() or p.stat().st_size > MAX_FILE_BYTES:
            continue
        try:
            text = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        m = parse(rel, text)
        if m is not None:
            out.append(m)
        if len(out) >= MAX_FILES:
            break
    return out
