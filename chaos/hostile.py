"""Hostile input: seeded mutations of every kind of file a user hands the CLI (run configs, task
files, records, SWE instances, research corpora, OpenAPI specs, MCP server entries), each run through its entry point
in-process. A case passes when the command ends with exit 0 (the mutation left the input valid) or
exit 2 with exactly one `error:` line that names the file (or, for `factory run`, the unreachable
teacher it reached once the input was valid), and left no output file behind. Anything else — a
traceback, another exit code, several lines — is a failure, reported with the seed that makes it."""

from __future__ import annotations

import contextlib
import io
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEAD_TEACHER = "http://127.0.0.1:9/v1"  # the discard port: nothing listens, so a valid config stops at preflight


@dataclass
class Target:
    """One entry point and the file it reads."""
    name: str
    suffixes: tuple[str, ...]
    seed_rows: Callable[[], list[dict[str, Any]]]
    argv: Callable[[Path, Path], list[str]]  # (input file, scratch dir) → CLI arguments
    out: Callable[[Path], Path | None] = lambda scratch: None  # an output that must not exist after exit 2
    # Top-level keys mutations leave alone: a run config's teacher (mutated, it could become valid and
    # start a real engine, which is not what this harness is about).
    keep: tuple[str, ...] = ()


def _record(i: int) -> dict[str, Any]:
    return {"id": f"r{i}", "messages": [{"role": "user", "content": f"What is {i} + {i}?"},
                                        {"role": "assistant", "content": f"<answer>{2 * i}</answer>"}]}


def _run_config(scratch: Path, pipeline: str, options: dict[str, Any]) -> Path:
    cfg = {"pipeline": pipeline, "name": "hostile", "output_dir": str(scratch / "runs"),
           "teacher": {"backend": "openai", "base_url": DEAD_TEACHER, "max_retries": 0},
           "runner": {"executor": "inline"}, "pipeline_options": options}
    p = scratch / "run.yaml"
    p.write_text(yaml.safe_dump(cfg))
    return p


def _pinned(scratch: Path) -> list[str]:
    """Command-line overrides win over whatever a mutated config says: never a real teacher, never
    an output outside the case's scratch dir."""
    return ["--teacher", "openai", "--base-url", DEAD_TEACHER, "--output-dir", str(scratch / "runs")]


def _base_config() -> list[dict[str, Any]]:
    return [{"pipeline": "agentic_cot", "name": "hostile", "limit": 4,
             "teacher": {"backend": "openai", "base_url": DEAD_TEACHER, "max_retries": 0},
             "runner": {"executor": "inline", "chunk_size": 2}, "shards": {"rows_per_shard": 8},
             "dedup": {"threshold": 0.8}, "pipeline_options": {"reasoning_max_tokens": 64}}]


TARGETS = [
    Target("run --config", (".yaml",), _base_config, lambda f, s: ["run", "--config", str(f), *_pinned(s)],
           lambda s: s / "runs", keep=("teacher",)),
    Target("agentic_cot questions", (".jsonl", ".parquet"),
           lambda: [{"question": f"What is {i} times 7?", "answer": str(7 * i)} for i in range(1, 4)],
           lambda f, s: ["run", "--config", str(_run_config(s, "agentic_cot", {"questions": str(f)})), *_pinned(s)],
           lambda s: s / "runs"),
    Target("math problems", (".jsonl", ".parquet"),
           lambda: [{"question": f"Compute {i} + {i}.", "answer": str(2 * i)} for i in range(1, 4)],
           lambda f, s: ["run", "--config", str(_run_config(s, "math", {"problems": str(f), "generated_problems": 0})),
                         *_pinned(s)],
           lambda s: s / "runs"),
    Target("swe instances", (".jsonl", ".parquet"),
           lambda: [{"instance_id": "demo__x-1", "patch": "--- a/x.py\n+++ b/x.py\n", "problem_statement": "x is wrong",
                     "FAIL_TO_PASS": ["tests/test_x.py::test_x"], "source": "path:/nonexistent/repo"}],
           lambda f, s: ["run", "--config", str(_run_config(s, "swe", {"instances": str(f)})), *_pinned(s)],
           lambda s: s / "runs"),
    Target("verify records", (".jsonl", ".parquet"), lambda: [_record(i) for i in range(3)],
           lambda f, s: ["verify", str(f), "--pipeline", "agentic_cot", "--out", str(s / "verdicts.jsonl")],
           lambda s: s / "verdicts.jsonl"),
    Target("dedup records", (".jsonl", ".parquet"), lambda: [_record(i) for i in range(3)],
           lambda f, s: ["dedup", str(f), "--out", str(s / "dups.jsonl")], lambda s: s / "dups.jsonl"),
    Target("research corpus", (".jsonl", ".parquet"),
           lambda: [{"id": f"doc{i}", "title": f"Doc {i}", "text": f"text of document {i} " * 5,
                     "links": [f"doc{(i + 1) % 3}"]} for i in range(3)],
           lambda f, s: ["research", "build", "--corpus", str(f), "--engine", "fts5"]),
    Target("openapi spec", (".json", ".yaml"),
           lambda: [{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "servers": [{"url": "http://127.0.0.1:9"}],
                     "paths": {"/items/{id}": {"get": {"operationId": "get_item", "summary": "an item",
                                                       "parameters": [{"name": "id", "in": "path", "required": True,
                                                                       "schema": {"type": "integer"}}],
                                                       "responses": {"200": {"description": "ok"}}}}}}],
           lambda f, s: ["tools", "list", "--openapi", str(f)]),
    # MCP server entries (and the other tool sources) of a tool_use config; the server's command
    # does not exist, so no mutation can start a program.
    Target("mcp config", (".yaml",),
           lambda: [{"pipeline": "tool_use", "name": "hostile", "pipeline_options": {"sources": {
               "python": [], "openapi": [], "values": {"city": ["Paris"]},
               "mcp": [{"name": "probe", "command": "/nonexistent/mcp-server", "args": ["--root", "{state}"],
                        "env": {"K": "v"}, "state": "dir", "network": True, "allow_hosts": ["*.example.org"],
                        "readable": [], "deterministic": [], "exclude": [], "call_timeout_s": 5}]}}}],
           lambda f, s: ["tools", "list", "--config", str(f)]),
    Target("swe check", (".jsonl", ".parquet"),
           lambda: [{"instance_id": "demo__x-1", "patch": "--- a/x.py\n+++ b/x.py\n", "problem_statement": "x is wrong",
                     "FAIL_TO_PASS": ["tests/test_x.py::test_x"], "source": "path:/nonexistent/repo"}],
           lambda f, s: ["swe", "check", str(f)]),
    # What `factory deploy` renders from: a run config with its deploy section.
    Target("deploy config", (".yaml",),
           lambda: [{"pipeline": "math", "name": "nightly", "output_dir": "/mnt/runs",
                     "teacher": {"backend": "vllm", "model": "/models/t", "replicas": 2, "tensor_parallel_size": 2},
                     "deploy": {"image": "registry.example/tf:1", "pvc": "runs", "namespace": "data",
                                "schedule": "0 2 * * *", "time_zone": "Europe/Berlin", "add": 100,
                                "slurm_partition": "gpu"}}],
           lambda f, s: ["deploy", "kuberay", "--config", str(f), "--out", str(s / "deploy")],
           lambda s: s / "deploy"),
]

_WEIRD: list[Any] = [None, 0, -1, 10**30, 3.5, float("nan"), "", "x" * 100_000, [], [1, "a"], {}, {"a": {"b": []}},
                     True, "../../etc/passwd", "\x00", "é\u202e", "${HOME}", "%(x)s"]


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


def _set(obj: Any, path: tuple, value: Any, drop: bool = False) -> Any:
    if not path:
        return value
    parent = obj
    for k in path[:-1]:
        parent = parent[k]
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return obj


def mutate_rows(rows: list[dict[str, Any]], rng: random.Random, keep: tuple[str, ...] = ()) -> list[Any]:
    out = _mutate_rows(rows, rng)
    if keep and out and isinstance(out[0], dict) and isinstance(rows[0], dict):
        out[0].update({k: rows[0][k] for k in keep if k in rows[0]})
    return out


def _mutate_rows(rows: list[dict[str, Any]], rng: random.Random) -> list[Any]:
    rows = json.loads(json.dumps(rows))
    op = rng.choice(["retype", "retype", "drop", "unknown", "not_object", "empty", "deep", "duplicate"])
    if op == "empty":
        return []
    if op == "duplicate":
        return rows + rows
    i = rng.randrange(len(rows))
    if op == "not_object":
        rows[i] = rng.choice([[1, 2], "text", 42, None])
        return rows
    if op == "deep":
        deep: Any = "x"
        for _ in range(rng.choice([50, 5000])):
            deep = [deep]
        paths = [p for p in _paths(rows[i]) if p]
        return [*rows[:i], _set(rows[i], rng.choice(paths), deep), *rows[i + 1:]] if paths else rows
    if op == "unknown":
        rows[i][rng.choice(["zz", "Question", "__class__", ""])] = rng.choice(_WEIRD)
        return rows
    paths = [p for p in _paths(rows[i]) if p]
    if not paths:
        return rows
    path = rng.choice(paths)
    return [*rows[:i], _set(rows[i], path, rng.choice(_WEIRD), drop=op == "drop"), *rows[i + 1:]]


def serialise(rows: list[Any], suffix: str) -> bytes:
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        buf = io.BytesIO()
        try:
            pq.write_table(pa.Table.from_pylist([r if isinstance(r, dict) else {"value": r} for r in rows]), buf)
        except (pa.ArrowException, TypeError, ValueError, OverflowError, RecursionError):
            pq.write_table(pa.table({"value": [json.dumps(r)[:1000] for r in rows]}), buf)
        return buf.getvalue()
    if suffix in (".yaml",):
        return yaml.safe_dump(rows[0] if len(rows) == 1 else rows, allow_unicode=True).encode()
    if suffix == ".json":
        return json.dumps(rows[0] if len(rows) == 1 else rows).encode()
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def mutate_bytes(data: bytes, rng: random.Random, suffix: str) -> bytes:
    op = rng.choice(["truncate", "flip", "non_utf8", "nul", "empty", "huge_line", "bom", "yaml_bomb", "garbage"])
    if op == "truncate" and data:
        return data[: rng.randrange(len(data))]
    if op == "flip" and data:
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if op == "non_utf8":
        at = rng.randrange(len(data) + 1)
        return data[:at] + b"\xff\xfe\xc3\x28" + data[at:]
    if op == "nul":
        return data.replace(b"\n", b"\x00\n", 1)
    if op == "empty":
        return b""
    if op == "huge_line":
        return data + b'{"question": "' + b"a" * 3_000_000 + b'"}\n'
    if op == "bom":
        return b"\xef\xbb\xbf" + data
    if op == "yaml_bomb" and suffix in (".yaml", ".json"):
        lines = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]"
                                                           for p, c in zip("abcdefg", "bcdefgh", strict=False)]
        return ("\n".join(lines) + "\n").encode()
    return bytes(rng.randrange(256) for _ in range(rng.randint(1, 2000)))


def invoke(argv: list[str]) -> tuple[int | str, str, str]:
    """`factory ARGV` in this process: (exit code or "traceback", stdout, stderr)."""
    import logging

    from factory.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    old, handlers = sys.argv, list(logging.getLogger().handlers)
    sys.argv = ["factory", *argv]
    code: int | str = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            except BaseException as e:  # noqa: BLE001 — an escaped exception is what this harness looks for
                code = "traceback"
                err.write(f"{type(e).__name__}: {e}"[:400])
    finally:
        sys.argv = old
        for h in set(logging.getLogger().handlers) - set(handlers):  # the CLI's console handler of this call
            logging.getLogger().removeHandler(h)
    return code, out.getvalue(), err.getvalue()


def assess(target: Target, code: int | str, err: str, path: Path, scratch: Path) -> str | None:
    """None when the case passed, else why not."""
    if code == "traceback" or "Traceback" in err:
        return f"traceback: {err.strip().splitlines()[-1][:200] if err.strip() else ''}"
    if code == 0:
        return None
    lines = [x for x in err.splitlines() if x.strip()]
    if code != 2:
        return f"exit {code}: {lines[-1][:200] if lines else ''}"
    # Warnings may come first (e.g. duplicate rows skipped); the error itself is one last line.
    errors = [x for x in lines if x.startswith("error:")]
    if len(errors) != 1 or lines[-1] != errors[0]:
        return f"{len(errors)} error lines, last line {lines[-1][:100] if lines else '(none)'!r}"
    lines = errors
    if path.name not in lines[0] and not (target.argv(path, scratch)[0] == "run" and DEAD_TEACHER.rsplit("/", 1)[0] in lines[0]):
        return f"the error does not name {path.name}: {lines[0][:200]}"
    out = target.out(scratch)
    if out is not None and out.exists():
        return f"left {out.name} behind after exit 2"
    return None


def run_target(target: Target, cases: int, seed: int, workdir: Path) -> dict[str, Any]:
    failures: list[dict[str, Any]] = []
    exits = {0: 0, 2: 0}
    for i in range(cases):
        rng = random.Random(f"{seed}:{target.name}:{i}")
        suffix = rng.choice(target.suffixes)
        scratch = workdir / f"{target.name.replace(' ', '_').replace('-', '')}-{i}"
        scratch.mkdir(parents=True)
        rows = mutate_rows(target.seed_rows(), rng, target.keep) if rng.random() < 0.6 else target.seed_rows()
        try:
            data = serialise(rows, suffix)
        except (RecursionError, ValueError, TypeError):
            data = serialise(target.seed_rows(), suffix)
        if rng.random() < 0.5 or rows == target.seed_rows():
            data = mutate_bytes(data, rng, suffix)
        path = scratch / f"input{suffix}"
        path.write_bytes(data)
        code, _, err = invoke(target.argv(path, scratch))
        why = assess(target, code, err, path, scratch)
        if why is None:
            exits[code if code in exits else 2] += 1  # type: ignore[index]
        else:
            failures.append({"case": i, "seed": f"{seed}:{target.name}:{i}", "why": why})
    return {"cases": cases, "exit_0": exits[0], "exit_2_one_line": exits[2], "failures": failures}
