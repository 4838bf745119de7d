"""The optional semantic check (`judge: true`): after a trajectory, the teacher reads the request, the
calls with their results and the reply, and says whether the reply answers the request from those
results. Its verdict is stored in `meta.judge`, so `factory verify` re-reads it without a teacher."""

from __future__ import annotations

import json
from typing import Any

from factory.config import SamplingConfig
from factory.errors import TeacherError, TeacherUnavailable
from factory.teacher.base import ChatRequest, Structured, Teacher
from factory.trajectory import Message, Trajectory, Verdict

SCHEMA = {"type": "object", "properties": {"fits": {"type": "boolean"},
                                           "reason": {"type": "string", "minLength": 3, "maxLength": 200}},
          "required": ["fits", "reason"], "additionalProperties": False}


def transcript(messages: list[Message]) -> str:
    lines = []
    for m in messages[1:]:
        if m.role == "user":
            lines.append(f"USER: {m.content}")
        elif m.role == "tool":
            lines.append(f"RESULT of {m.name}: {m.content[:600]}")
        else:
            lines += [f"CALL {c.name} {c.arguments}" for c in m.tool_calls]
            if not m.tool_calls:
                lines.append(f"REPLY: {m.content}")
    return "\n".join(lines)


async def judge(messages: list[Message], teacher: Teacher, seed: int) -> dict[str, Any]:
    prompt = ("You check an assistant that used tools. Transcript:\n" + transcript(messages) +
              "\nDoes the REPLY answer the USER's request, using what the RESULTs say and claiming nothing they "
              "do not support? Answer fits true or false, with a short reason.")
    req = ChatRequest(messages=[{"role": "user", "content": prompt}], seed=seed,
                      sampling=SamplingConfig(temperature=0.0, max_tokens=120), structured=Structured(json_schema=SCHEMA))
    try:
        out = json.loads((await teacher.chat(req)).completions[0].text)
    except TeacherUnavailable:
        raise
    except (TeacherError, json.JSONDecodeError) as e:
        return {"error": f"{type(e).__name__}: {e}"[:200]}
    if not isinstance(out, dict) or not isinstance(out.get("fits"), bool):
        return {"error": "judge reply without a boolean 'fits'"}
    return {"fits": out["fits"], "reason": str(out.get("reason", ""))[:200]}


class JudgeVerifier:
    """Reads `meta.judge`; rows judged unfit (or whose judging failed) are rejected."""

    name = "judge"

    def verify(self, t: Trajectory) -> Verdict:
        j = t.meta.get("judge")
        if not isinstance(j, dict):
            return Verdict(verifier=self.name, passed=False, reason="not_judged")
        if "error" in j:
            return Verdict(verifier=self.name, passed=False, reason="judge_failed")
        return Verdict(verifier=self.name, passed=bool(j.get("fits")), score=1.0 if j.get("fits") else 0.0,
                       reason="" if j.get("fits") else f"unfit:{str(j.get('reason', ''))[:80]}")
