"""Per-record cost of each pipeline's verifiers (the generic ones included), on records shaped
like the pipeline's own output."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from bench.common import series
from factory.config import RunConfig
from factory.pipeline.registry import get_pipeline
from factory.trajectory import Message, ToolCall, Trajectory
from factory.verify.generic import generic_verifiers
from pipelines.agentic_cot.prompts import assemble


def cot_record(i: int) -> Trajectory:
    text = assemble({"analysis": f"we need the sum of {i} and 3, a simple addition",
                     "plan": "add the two numbers, then check by subtracting",
                     "action": f"{i} + 3 = {i + 3}", "reflection": f"{i + 3} - 3 = {i}, so the sum holds",
                     "summary": f"the sum is {i + 3}"}, str(i + 3))
    return Trajectory(pipeline="agentic_cot", task_id=str(i), meta={"reference_answer": str(i + 3),
                                                                      "raw_reasoning": text * 2},
                      messages=[Message(role="user", content=f"What is {i} + 3?"), Message(role="assistant", content=text)])


def math_record(i: int) -> Trajectory:
    call = ToolCall(id="c0", name="evaluate", arguments=json.dumps({"expression": f"{i}/4 + 1/4"}))
    v = Fraction(i + 1, 4)
    tex = str(v.numerator) if v.denominator == 1 else f"\\frac{{{v.numerator}}}{{{v.denominator}}}"
    return Trajectory(pipeline="math", task_id=str(i), meta={"answer": tex}, messages=[
        Message(role="system", content="tools"), Message(role="user", content=f"Compute {i}/4 + 1/4."),
        Message(role="assistant", content="<plan>\nadd with the tool\n</plan>", tool_calls=[call]),
        Message(role="tool", content=f"{i + 1}/4", tool_call_id="c0", name="evaluate"),
        Message(role="assistant", content=f"<reflection>\nthe tool returned {i + 1}/4, as expected\n</reflection>\n"
                                          f"\\boxed{{{tex}}}")])


RECORDS = {"agentic_cot": cot_record, "math": math_record}


def run(n: int = 200, repeats: int = 3) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, make in RECORDS.items():
        cfg = RunConfig(pipeline=name)
        with get_pipeline(name)(cfg) as pipeline:
            verifiers = generic_verifiers(cfg.verify, pipeline.repetition_per_message) + pipeline.verifiers()
            records = [make(i) for i in range(n)]
            per: dict[str, Any] = {}
            for v in verifiers:
                s = series(lambda v=v, records=records: [v.verify(r) for r in records], repeats)
                per[v.name] = {"us_per_record": {k: (x / n * 1e6 if k != "n" else x) for k, x in s.items()}}
            total = sum(p["us_per_record"]["median"] for p in per.values())
            out[name] = {"records": n, "verifiers": per, "total_us_per_record": total,
                         "all_pass": all(all(v.verify(r).passed for v in verifiers) for r in records[:5])}
    return out
