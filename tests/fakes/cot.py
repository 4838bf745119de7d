"""A competent scripted Agentic-CoT teacher (tests only): the pipeline's own tests and the CLI tests
that read Agentic-CoT rows use it; engine tests use the toy pipeline (tests/factory/pipeline/toy.py)."""

from __future__ import annotations

import hashlib
import json
import re

from factory.teacher.base import ChatRequest
from pipelines.agentic_cot.tasks import SEED_FILE

SEED = {json.loads(line)["question"]: json.loads(line).get("answer") for line in SEED_FILE.read_text().splitlines()}


def cot_reply(req: ChatRequest, wrong: bool = False) -> str:
    """A competent Agentic-CoT teacher: long free reasoning, then a faithful five-phase JSON."""
    user = req.messages[-1]["content"]
    if req.structured is None:
        ans = SEED.get(user) or "unknown"
        steps = " ".join(f"Step {i}: consider quantity number {i} of the problem and how it relates to the "
                         f"others, then write down an intermediate result {i * 7}." for i in range(1, 9))
        return (f"We need to answer: {user} First identify the quantities, then compute. {steps} I carried out "
                f"the computation and rechecked every step; it is consistent, so the computation is complete. "
                f"After careful work the answer is \\boxed{{{ans}}}.")
    q = re.sub(r"\s+", " ", user.split("Reasoning transcript:")[0].replace("Question:", "")).strip()
    ans = SEED.get(q) or ""
    if wrong and ans:
        ans = ans + "1"
    return json.dumps({"analysis": f"Asked: {q}", "plan": "Identify the quantities, then compute.",
                       "action": "Carried out the computation.", "reflection": "Rechecked every step; it is consistent.",
                       "summary": "The computation is complete.", "final_answer": ans})


def mixed_reply(req):
    """Right answers for some questions, wrong for others: a run with both sides."""
    wrong = int(hashlib.sha256(req.messages[-1]["content"].encode()).hexdigest(), 16) % 3 == 0
    return cot_reply(req, wrong=wrong)
