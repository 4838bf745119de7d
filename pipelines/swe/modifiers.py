"""Procedural bug injection with libcst, in the families SWE-smith uses: invert if/else, shuffle or
remove statements, remove an assignment / condition / loop / wrapper, change or swap operators,
change constants, break chains, remove a class base or a method. Each modifier changes exactly one
eligible node, chosen by a seeded draw, inside one named function or class of one module."""

from __future__ import annotations

import difflib
import functools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

Change = Callable[[cst.CSTNode, random.Random], cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel | None]

_OPS: dict[type, type] = {
    cst.Add: cst.Subtract, cst.Subtract: cst.Add, cst.Multiply: cst.Add, cst.FloorDivide: cst.Divide,
    cst.Divide: cst.FloorDivide, cst.Modulo: cst.FloorDivide, cst.LessThan: cst.LessThanEqual,
    cst.LessThanEqual: cst.LessThan, cst.GreaterThan: cst.GreaterThanEqual, cst.GreaterThanEqual: cst.GreaterThan,
    cst.Equal: cst.NotEqual, cst.NotEqual: cst.Equal, cst.In: cst.NotIn, cst.NotIn: cst.In, cst.Is: cst.IsNot,
    cst.IsNot: cst.Is, cst.And: cst.Or, cst.Or: cst.And,
}
_NON_COMMUTATIVE = (cst.Subtract, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power, cst.LeftShift, cst.RightShift)
_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


def _block(stmts: Sequence[cst.BaseStatement]) -> cst.IndentedBlock:
    return cst.IndentedBlock(body=list(stmts) or [cst.SimpleStatementLine([cst.Pass()])])


def _is_docstring(s: cst.CSTNode) -> bool:
    return (isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1 and isinstance(s.body[0], cst.Expr)
            and isinstance(s.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


# -- the changes: each returns None when the node is not eligible --------------------------------------

def _invert_if_else(n, rng):
    if isinstance(n, cst.If) and isinstance(n.orelse, cst.Else):
        return n.with_changes(body=n.orelse.body, orelse=cst.Else(body=n.body))
    return None


def _shuffle(n, rng):
    if isinstance(n, cst.IndentedBlock):
        body = [s for s in n.body if not _is_docstring(s)]
        head = list(n.body[: len(n.body) - len(body)])
        if len(body) >= 2 and len({cst.Module([s]).code for s in body}) == len(body):
            order = list(range(len(body)))
            while order == sorted(order):
                rng.shuffle(order)
            return n.with_changes(body=[*head, *(body[i] for i in order)])
    return None


def _remove_statement(n, rng):
    if isinstance(n, cst.IndentedBlock):
        body = [s for s in n.body if not _is_docstring(s)]
        if len(body) >= 2:
            drop = body[rng.randrange(len(body) - 1)]  # never the last: usually the return
            return n.with_changes(body=[s for s in n.body if s is not drop])
    return None


def _remove_assignment(n, rng):
    if isinstance(n, cst.SimpleStatementLine) and any(isinstance(b, (cst.Assign, cst.AugAssign, cst.AnnAssign))
                                                      for b in n.body):
        return cst.RemovalSentinel.REMOVE
    return None


def _remove_conditional(n, rng):
    if isinstance(n, cst.If) and n.orelse is None:
        return cst.RemovalSentinel.REMOVE
    return None


def _remove_loop(n, rng):
    if isinstance(n, (cst.For, cst.While)):
        return cst.RemovalSentinel.REMOVE
    return None


def _remove_wrapper(n, rng):
    if isinstance(n, (cst.With, cst.Try)) and isinstance(n.body, cst.IndentedBlock):
        return cst.FlattenSentinel(list(n.body.body))
    return None


def _change_operator(n, rng):
    if isinstance(n, (cst.BinaryOperation, cst.BooleanOperation)) and type(n.operator) in _OPS:
        return n.with_changes(operator=_OPS[type(n.operator)]())
    if isinstance(n, cst.Comparison) and len(n.comparisons) == 1 and type(n.comparisons[0].operator) in _OPS:
        c = n.comparisons[0]
        return n.with_changes(comparisons=[c.with_changes(operator=_OPS[type(c.operator)]())])
    return None


def _swap_operands(n, rng):
    if isinstance(n, cst.BinaryOperation) and isinstance(n.operator, _NON_COMMUTATIVE):
        return n.with_changes(left=n.right, right=n.left)
    if isinstance(n, cst.Comparison) and len(n.comparisons) == 1 and isinstance(n.comparisons[0].operator, _ORDERING):
        c = n.comparisons[0]
        return n.with_changes(left=c.comparator, comparisons=[c.with_changes(comparator=n.left)])
    return None


def _change_constant(n, rng):
    if isinstance(n, cst.Integer):
        v = int(n.value, 0)
        return cst.Integer(str(v + 1 if v == 0 or rng.random() < 0.5 else v - 1))
    if isinstance(n, cst.Name) and n.value in ("True", "False"):
        return cst.Name("False" if n.value == "True" else "True")
    return None


def _break_chain(n, rng):
    if isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and isinstance(n.func.value, cst.Call):
        return n.func.value  # x.a().b() → x.a()
    if isinstance(n, cst.BinaryOperation) and isinstance(n.left, cst.BinaryOperation):
        return n.left  # a + b + c → a + b
    return None


def _remove_class_base(n, rng):
    if isinstance(n, cst.ClassDef):
        bases = [b for b in n.bases if not (isinstance(b.value, cst.Name) and b.value.value == "object")]
        if bases:
            drop = bases[rng.randrange(len(bases))]
            kept = [b for b in n.bases if b is not drop]
            if kept:
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return n.with_changes(bases=kept, lpar=n.lpar if kept else cst.MaybeSentinel.DEFAULT,
                                  rpar=n.rpar if kept else cst.MaybeSentinel.DEFAULT)
    return None


def _remove_method(n, rng):
    if isinstance(n, cst.ClassDef) and isinstance(n.body, cst.IndentedBlock):
        methods = [s for s in n.body.body if isinstance(s, cst.FunctionDef)]
        if methods:
            drop = methods[rng.randrange(len(methods))]
            return n.with_changes(body=_block([s for s in n.body.body if s is not drop]))
    return None


@dataclass(frozen=True)
class Modifier:
    name: str
    family: str
    scope: str  # "function" | "class"
    change: Change


MODIFIERS: dict[str, Modifier] = {m.name: m for m in [
    Modifier("invert_if_else", "control_flow", "function", _invert_if_else),
    Modifier("shuffle_statements", "statements", "function", _shuffle),
    Modifier("remove_statement", "statements", "function", _remove_statement),
    Modifier("remove_assignment", "removal", "function", _remove_assignment),
    Modifier("remove_conditional", "removal", "function", _remove_conditional),
    Modifier("remove_loop", "removal", "function", _remove_loop),
    Modifier("remove_wrapper", "removal", "function", _remove_wrapper),
    Modifier("change_operator", "operators", "function", _change_operator),
    Modifier("swap_operands", "operators", "function", _swap_operands),
    Modifier("change_constant", "constants", "function", _change_constant),
    Modifier("break_chain", "chains", "function", _break_chain),
    Modifier("remove_class_base", "classes", "class", _remove_class_base),
    Modifier("remove_method", "classes", "class", _remove_method),
]}


class _Apply(cst.CSTTransformer):
    """Counts eligible nodes inside `target` (a qualname) in post-order; changes number `index`
    (or only counts when index is None)."""

    def __init__(self, mod: Modifier, target: str, index: int | None, rng: random.Random):
        super().__init__()
        self.mod, self.target, self.index, self.rng = mod, target, index, rng
        self.stack: list[str] = []
        self.count = 0
        self.changed = False

    def _inside(self) -> bool:
        q = ".".join(self.stack)
        return q == self.target or q.startswith(self.target + ".")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.stack.append(node.name.value)
        return True

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.stack.append(node.name.value)
        return True

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[override]
        is_scope = isinstance(original, (cst.FunctionDef, cst.ClassDef))
        # the class itself is the target of class modifiers; a function's own def is not a candidate
        eligible_here = self._inside() and (self.mod.scope == "class" or not is_scope)
        if is_scope and self.mod.scope == "class" and ".".join(self.stack) != self.target:
            eligible_here = False
        result: object = updated
        if eligible_here and not self.changed:
            probe = self.mod.change(updated, random.Random(0) if self.index is None else self.rng)
            if probe is not None:
                if self.index == self.count:
                    result, self.changed = probe, True
                self.count += 1
        if is_scope:
            self.stack.pop()
        return result  # type: ignore[return-value]


def scopes(code: str) -> tuple[list[str], list[str]]:
    """Qualnames of the functions (methods included) and classes of a module."""
    funcs: list[str] = []
    classes: list[str] = []

    class V(cst.CSTVisitor):
        stack: list[str] = []

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            self.stack.append(node.name.value)
            funcs.append(".".join(self.stack))
            return True

        def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
            self.stack.pop()

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            self.stack.append(node.name.value)
            classes.append(".".join(self.stack))
            return True

        def leave_ClassDef(self, node: cst.ClassDef) -> None:
            self.stack.pop()

    V.stack = []
    cst.parse_module(code).visit(V())
    return funcs, classes


@functools.lru_cache(maxsize=8)
def _parsed(code: str) -> cst.Module:
    """libcst trees are immutable: one parse serves every modifier tried on a module."""
    return cst.parse_module(code)


def apply(code: str, modifier: str, target: str, rng: random.Random) -> str | None:
    """`code` with one seeded change of `modifier` inside `target`, or None when nothing is eligible
    or the change leaves the code as it was."""
    mod = MODIFIERS[modifier]
    tree = _parsed(code)
    counter = _Apply(mod, target, None, rng)
    tree.visit(counter)
    if counter.count == 0:
        return None
    changer = _Apply(mod, target, rng.randrange(counter.count), rng)
    new = tree.visit(changer).code
    if not changer.changed or new == code:
        return None
    try:
        compile(new, "<mutant>", "exec")
    except SyntaxError:
        return None
    return new


def file_patch(path: str, old: str, new: str) -> str:
    """A git-style diff of one file (what `git apply` takes)."""
    lines = list(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                      f"a/{path}", f"b/{path}", n=3))
    fixed = [ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n" for ln in lines]
    return f"diff --git a/{path} b/{path}\n" + "".join(fixed)
