"""Edges a teacher proposes: for a pair of tools the field matcher did not link, the teacher is shown
both schemas and answers, as constrained JSON, whether one of A's output fields can fill one of B's
required inputs. `tool_graph.graph.propose_edges` keeps a proposal only after the pair executes."""

from __future__ import annotations

import json
import random
from typing import Any

from factory.config import SamplingConfig
from factory.errors import TeacherError, TeacherUnavailable
from factory.teacher.base import ChatRequest, Structured, Teacher
from tool_graph.spec import ToolSpec
from tool_graph.values import MISSING, sample


def asker(teacher: Teacher, seed: int):
    async def ask(a: ToolSpec, b: ToolSpec) -> tuple[str, str] | None:
        schema = {"type": "object", "properties": {
            "feeds": {"type": "boolean"}, "output_field": {"enum": sorted(a.outputs())},
            "input": {"enum": sorted(b.required())}}, "required": ["feeds", "output_field", "input"],
            "additionalProperties": False}
        prompt = (f"Tool A: {a.name} — {a.description}\nA returns: {json.dumps(a.outputs())}\n"
                  f"Tool B: {b.name} — {b.description}\nB needs: {json.dumps(b.required())}\n"
                  "Can a value A returns be passed, as it is, as one of B's inputs in a real task? Answer feeds "
                  "true with that output field and input, or feeds false.")
        req = ChatRequest(messages=[{"role": "user", "content": prompt}], sampling=SamplingConfig(
            temperature=0.0, max_tokens=80), seed=seed, structured=Structured(json_schema=schema))
        try:
            out = json.loads((await teacher.chat(req)).completions[0].text)
        except TeacherUnavailable:
            raise
        except (TeacherError, json.JSONDecodeError, ValueError):
            return None
        return (out["output_field"], out["input"]) if isinstance(out, dict) and out.get("feeds") is True else None
    return ask


def partial_args(pool: dict[str, list[Any]], seed: int):
    """The required inputs of a tool that the value pool can fill (the others are left out)."""
    rng = random.Random(seed)

    def args(spec: ToolSpec) -> dict[str, Any]:
        out = {k: sample(v, k, rng, pool) for k, v in spec.required().items()}
        return {k: v for k, v in out.items() if v is not MISSING}
    return args
