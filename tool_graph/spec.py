"""One atomic tool as every source describes it: a JSON schema for its inputs, one for its output
(or an example), where it comes from and how it can be run. The graph, the walks and the pipeline
see only this; executing a tool is its source's business (python_tools, mcp_tools, openapi_tools)."""

from __future__ import annotations

from typing import Any, Literal

from tf_common import Strict

Kind = Literal["python", "mcp", "openapi"]


class ToolSpec(Strict):
    name: str
    description: str
    parameters: dict[str, Any]
    output_schema: dict[str, Any] | None = None
    source: Kind
    origin: str
    """the module, MCP server or spec file the tool comes from"""
    executable: bool = True
    """False: nothing can run it here (an offline OpenAPI operation); results are simulated"""
    deterministic: bool = False
    """same arguments → same result, so a verifier may re-run it and compare"""
    stateful: bool = False
    """its results depend on state earlier calls left (a file system, a repository, a memory)"""

    def schema(self) -> dict[str, Any]:
        """The OpenAI function schema the teacher is offered."""
        return {"type": "function",
                "function": {"name": self.name, "description": self.description, "parameters": self.parameters}}

    def required(self) -> dict[str, dict[str, Any]]:
        """Required inputs → their JSON schema."""
        props = self.parameters.get("properties") or {}
        return {k: props.get(k) or {} for k in self.parameters.get("required") or []}

    def inputs(self) -> dict[str, dict[str, Any]]:
        return dict(self.parameters.get("properties") or {})

    def outputs(self) -> dict[str, dict[str, Any]]:
        """Output fields → schema: top-level properties of the output schema (refs resolved one level)."""
        out = self.output_schema or {}
        if "$ref" in out:
            out = resolve_ref(self.output_schema or {}, out["$ref"])
        return dict(out.get("properties") or {})


    def leaves(self) -> dict[str, dict[str, Any]]:
        """Output fields a later tool can be fed from, by path: the top-level properties; under an object
        or an array of objects, their fields (`departures[].train_number`: the first element's); an
        array of scalars as one of its items (`cities[]`). Two levels below the top at most."""
        out: dict[str, dict[str, Any]] = {}

        def walk(prefix: str, props: dict[str, Any], depth: int) -> None:
            for k, sch in props.items():
                if not isinstance(sch, dict):
                    continue
                path = prefix + k
                out[path] = sch
                if depth >= 2:
                    continue
                items = sch.get("items") if isinstance(sch.get("items"), dict) else {}
                if sch.get("type") == "object" and isinstance(sch.get("properties"), dict):
                    walk(path + ".", sch["properties"], depth + 1)
                elif sch.get("type") == "array" and isinstance(items.get("properties"), dict):
                    walk(path + "[].", items["properties"], depth + 1)
                elif sch.get("type") == "array" and items.get("type") in ("string", "integer", "number", "boolean"):
                    out[path + "[]"] = items
        walk("", self.outputs(), 0)
        return out


def value_at(data: Any, path: str) -> tuple[bool, Any]:
    """(found, value) of a `leaves()` path in a result: `a.b`, `a[].b` (the first element), `a[]`."""
    node = data
    for part in path.split("."):
        many = part.endswith("[]")
        name = part[:-2] if many else part
        if not isinstance(node, dict) or name not in node:
            return False, None
        node = node[name]
        if many:
            if not isinstance(node, list) or not node:
                return False, None
            node = node[0]
    return True, node


def resolve_ref(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        return {}
    node: Any = root
    for part in ref[2:].split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def json_type(schema: dict[str, Any]) -> str:
    """A coarse type for matching: string | number | boolean | array | object | any."""
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t == "integer":
        return "number"
    if t in ("string", "number", "boolean", "array", "object"):
        return t
    if "anyOf" in schema:
        kinds = {json_type(s) for s in schema["anyOf"] if s.get("type") != "null"}
        return kinds.pop() if len(kinds) == 1 else "any"
    return "any"
