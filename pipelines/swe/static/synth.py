"""Static tasks from one repository, seeded by (run seed, source): the source unpacked (no environment
built, no test run), its licence read (unknown or not redistributable: the repository is skipped),
then per kind a seeded pick — a function broken by one of the libcst modifiers (repair: restore it;
localisation: name it from a description that does not), and code-understanding questions whose
answers are read from the code (callers, escaping exceptions) or got by running a pure function alone
in the sandbox (returns)."""

from __future__ import annotations

import ast
import hashlib
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from factory.errors import UserError
from factory.seeding import derive_seed
from pipelines.swe import modifiers, sources
from pipelines.swe.static import licence as lic
from pipelines.swe.static import questions as q
from pipelines.swe.static import statements
from pipelines.swe.static.repo import Function, Module, modules, native_files, parse
from pipelines.swe.static.task import KINDS, StaticTask
from sandboxes.pool import SandboxPool

FUNCTION_MODIFIERS = [m for m in modifiers.MODIFIERS.values() if m.scope == "function"]
MIN_STATEMENTS = 3
RUN_TIMEOUT_S = 5.0


# question → (candidates with their answers, the statement, why none was found)
QUESTIONS: dict[str, tuple[Callable[[list[Module]], list[tuple[Function, str]]], Callable[[str, Function], str], str]] = {
    "callers": (lambda mods: [(f, ", ".join(c)) for index in [q.CallIndex(mods)] for f in q.unique_names(mods).values()
                              if not f.nested and 1 <= len(c := index.callers(f)) <= 6],
                statements.callers, "no_function_with_few_callers"),
    "raises": (lambda mods: [(f, ", ".join(e)) for m in mods for f in m.functions if not f.nested and (e := q.escaping(f))],
               statements.raises, "no_function_raising_by_name"),
}


@dataclass
class RepoResult:
    source: str
    tasks: list[StaticTask] = field(default_factory=list)
    licence: str | None = None
    skipped: str | None = None  # why no task could be made at all
    missing: dict[str, str] = field(default_factory=dict)  # kind → why that kind found nothing
    seconds: float = 0.0


def _name(source: str) -> str:
    return re.split(r"==|=", source.split(":", 1)[1])[0]


def _mutate(m: Module, fn: Function, rng: random.Random) -> tuple[str, str] | None:
    """(new source, modifier) with one seeded change inside `fn` that changes what it does."""
    for mod in rng.sample(FUNCTION_MODIFIERS, len(FUNCTION_MODIFIERS)):
        new = modifiers.apply(m.source, mod.name, fn.qualname, random.Random(rng.random()))
        if new is None:
            continue
        after = parse(m.path, new)
        if after is None:
            continue
        mine = next((f for f in after.functions if f.qualname == fn.qualname), None)
        if mine is not None and ast.dump(mine.node) != ast.dump(fn.node):
            return new, mod.name
    return None


def _bug(mods: list[Module], rng: random.Random, avoid: set[str], accept: Callable[[Function], bool] = lambda f: True
         ) -> tuple[Module, Function, str, str] | None:
    pool = [(m, f) for m in mods for f in m.functions
            if f.statements >= MIN_STATEMENTS and not f.nested and not f.name.startswith("__")
            and f"{m.path}::{f.qualname}" not in avoid and sum(g.qualname == f.qualname for g in m.functions) == 1]
    rng.shuffle(pool)
    for m, f in [(m, f) for m, f in pool if accept(f)][:40]:
        got = _mutate(m, f, rng)
        if got is not None:
            return m, f, got[0], got[1]
    return None


def _task(repo: str, source: str, licence: str, kind: str, fn: Function, statement: str, **kw: object) -> StaticTask:
    key = f"{source}\x1f{kind}\x1f{kw.get('question')}\x1f{fn.file}::{fn.qualname}\x1f{kw.get('setup_patch', '')}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return StaticTask(kind=kind, instance_id=f"{repo}.static.{kw.get('question') or kind}.{digest}",  # type: ignore[arg-type]
                      source=source, licence=licence, repo=repo, file=fn.file, function=fn.qualname,
                      problem_statement=statement, **kw)  # type: ignore[arg-type]


async def _returns(mods: list[Module], rng: random.Random, pool: SandboxPool) -> tuple[Function, str, str] | None:
    cands = [(m, f, args) for m in mods for f in m.functions if q.pure(f) and (args := q.arguments(f, rng)) is not None]
    rng.shuffle(cands)
    if not cands:
        return None
    async with pool.session() as sb:  # one sandbox for the repository's tries
        for m, f, args in cands[:4]:
            res = await sb.run(["python3", "-I", "-c", q.program(f, m.source, args)], timeout_s=RUN_TIMEOUT_S)
            out = res.stdout.strip()
            if res.exit_code == 0 and not res.timed_out and out and len(out) <= 200 and "\n" not in out:
                return f, q.call_text(f, args), out
    return None


async def synthesize(source: str, seed: int, kinds: tuple[str, ...] = KINDS, pool: SandboxPool | None = None
                     ) -> RepoResult:
    t0 = time.monotonic()
    r = RepoResult(source)
    try:
        tree = sources.materialize(source)
    except UserError as e:
        r.skipped = f"unavailable:{str(e).split(': ', 1)[-1][:80]}"
        return r
    r.licence = lic.of_tree(tree, source)
    if not lic.redistributable(r.licence):
        r.skipped = f"licence:{r.licence or 'unknown'}"
        return r
    if native_files(tree):
        r.skipped = "not_pure_python"
        return r
    mods = modules(tree)
    if not any(m.functions for m in mods):
        r.skipped = "no_python_functions"
        return r
    repo, licence = _name(source), r.licence
    assert licence is not None
    used: set[str] = set()
    for kind in kinds:
        # each kind draws from its own seed: asking for fewer kinds does not change the others' tasks
        rng = random.Random(derive_seed(seed, "static", source, kind))
        if kind in ("repair", "localisation"):
            # a localisation needs a function it can describe without naming it
            got = _bug(mods, rng, used, (lambda f: statements.localisation(repo, f, "change_operator") is not None)
                       if kind == "localisation" else (lambda f: True))
            if got is None:
                r.missing[kind] = "no_mutable_function"
                continue
            m, fn, new, mod = got
            used.add(f"{m.path}::{fn.qualname}")
            bug, gold = modifiers.file_patch(m.path, m.source, new), modifiers.file_patch(m.path, new, m.source)
            if kind == "repair":
                text = statements.repair(repo, fn, mod)
                r.tasks.append(_task(repo, source, licence, kind, fn, text, setup_patch=bug, patch=gold, modifier=mod))
            else:
                text = statements.localisation(repo, fn, mod)
                if text is None:
                    r.missing[kind] = "no_description_without_the_name"
                    continue
                r.tasks.append(_task(repo, source, licence, kind, fn, text, setup_patch=bug, patch=gold, modifier=mod,
                                     answer=f"{fn.file}::{fn.qualname}"))
        elif kind in QUESTIONS:
            find, say, why = QUESTIONS[kind]
            found = find(mods)
            if not found:
                r.missing[kind] = why
                continue
            f, answer = found[rng.randrange(len(found))]
            r.tasks.append(_task(repo, source, licence, "understanding", f, say(repo, f), question=kind, answer=answer))
        elif kind == "returns":
            got3 = await _returns(mods, rng, pool) if pool is not None else None
            if got3 is None:
                r.missing[kind] = "no_pure_function_ran" if pool is not None else "no_sandbox"
                continue
            f, call, out = got3
            r.tasks.append(_task(repo, source, licence, "understanding", f, statements.returns(repo, f, call),
                                 question="returns", answer=out))
    if not r.tasks:
        r.skipped = "no_task:" + ",".join(sorted(set(r.missing.values())))
    r.seconds = round(time.monotonic() - t0, 3)
    return r
