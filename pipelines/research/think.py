"""After gathering, the "think twice" phases of an open-ended task: first think (numbered claims with
their sources), second think (each claim checked against the best-matching chunk of its source,
which the program retrieves), then the cited report; and the optional per-claim judge. Also the
one-shot asks the failure analysis uses. Each phase is a user prompt and an assistant reply in the row."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from factory.agent import hermes
from factory.config import SamplingConfig
from factory.errors import TeacherError, TeacherUnavailable
from factory.teacher.base import ChatRequest, Structured, Teacher
from factory.trajectory import Message, Usage
from pipelines.research import evidence as ev
from pipelines.research import prompts
from pipelines.research.corpora.library import Library


async def ask(teacher: Teacher, msgs: list[Message], prompt: str, sampling: SamplingConfig, seed: int,
              affinity: str, schema: dict[str, Any] | None = None, aside: str = "") -> tuple[str | None, Usage]:
    """One more turn: the conversation so far plus `prompt`. None when the teacher failed or the
    structured reply is not what was asked (the caller records why)."""
    req = ChatRequest(messages=hermes.to_teacher_messages([*msgs, Message(role="user", content=prompt)], None, aside),
                      sampling=sampling, seed=seed, affinity=affinity,
                      structured=Structured(json_schema=schema) if schema else None)
    try:
        out = await teacher.chat(req)
    except TeacherUnavailable:
        raise
    except TeacherError:
        return None, Usage()
    return out.completions[0].text, out.usage()


def _schema(fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": fields, "required": list(fields), "additionalProperties": False}


def _s(lo: int, hi: int) -> dict[str, Any]:
    return {"type": "string", "minLength": lo, "maxLength": hi}


async def _phase(teacher: Teacher, msgs: list[Message], prompt: str, schema: dict[str, Any] | None,
                 render: Callable[[Any], str], sampling: SamplingConfig, seed: int, affinity: str,
                 name: str) -> tuple[str | None, Usage, str]:
    """One phase: the reply as text (structured replies rendered), its usage, and "" or why it failed."""
    text, usage = await ask(teacher, msgs, prompt, sampling, seed, affinity, schema)
    if text is None:
        return None, usage, f"teacher_error:{name}"
    if schema is None:
        return text, usage, ""
    try:
        return render(json.loads(text)), usage, ""
    except (json.JSONDecodeError, KeyError, TypeError):
        return text, usage, f"malformed:{name}"


async def think_twice(teacher: Teacher, msgs: list[Message], lib: Library, opened: list[str], sampling: SamplingConfig,
                      seed: int, affinity: str, guided: bool, max_chars: int) -> tuple[list[Message], Usage, str]:
    """Appends the three phases to `msgs`; returns the new messages, usage, and "" or why it stopped."""
    out, usage = list(msgs), Usage()
    ids = opened or ["none"]

    async def step(i: int, name: str, prompt: str, schema: dict[str, Any], render: Callable[[Any], str]) -> str:
        nonlocal usage
        text, u, why = await _phase(teacher, out, prompt, schema if guided else None, render, sampling, seed + i,
                                    affinity, name)
        usage = usage.add(u)
        if text is not None:
            out.extend([Message(role="user", content=prompt), Message(role="assistant", content=text)])
        return why

    notes_schema = _schema({"claims": {"type": "array", "minItems": 1, "maxItems": 5, "items": _schema(
        {"claim": _s(10, max_chars), "source": {"enum": ids}})}})
    why = await step(1, "notes", prompts.NOTES, notes_schema, lambda o: "\n".join(
        f"{i}. {c['claim'].strip()} [{c['source']}]" for i, c in enumerate(o["claims"], start=1)))
    found = ev.claims(out[-1].content) if not why else {}
    if why or not found:
        return out, usage, why or "malformed:no_claims"
    # One verdict per claim by construction: an object keyed by the claim numbers, each required.
    check_item = _schema({"verdict": {"enum": ["supported", "unsupported"]}, "quote": _s(0, max_chars)})
    check_schema = _schema({"checks": _schema({str(n): check_item for n in sorted(found)})})
    why = await step(2, "check", prompts.CHECK.format(passages=_passages(found, lib, opened)), check_schema,
                     lambda o: "\n".join(f"{n}. {c['verdict']} — \"{c['quote'].strip()}\""
                                         for n, c in o["checks"].items()))
    if why:
        return out, usage, why
    report_schema = _schema({"sentences": {"type": "array", "minItems": 1, "maxItems": 5, "items": _schema(
        {"text": _s(10, max_chars), "source": {"enum": ids}})}})
    why = await step(3, "report", prompts.REPORT, report_schema, lambda o: " ".join(
        f"{x['text'].strip().rstrip('.')} [{x['source']}]." for x in o["sentences"]))
    return out, usage, why


def _passages(found: dict[int, str], lib: Library, opened: list[str]) -> str:
    """Per claim, the chunk of its cited (opened) source that shares most of its words."""
    out = []
    for n, claim in found.items():
        cited = [d for d in ev.CITE.findall(claim) if d in lib.docs and d in opened]
        if cited:
            _, chunk = ev.support(claim, lib.docs[cited[0]].text)
            out.append(f"Claim {n} — passage of [{cited[0]}]:\n{chunk.strip()[:600]}")
        else:
            out.append(f"Claim {n} — no opened source is cited.")
    return "\n\n".join(out)


async def judge_claims(teacher: Teacher, report: str, lib: Library, seed: int) -> tuple[dict[str, Any], Usage]:
    """Per cited sentence of the report: does the best passage of its source support it?"""
    usage, good, bad = Usage(), 0, 0
    for i, s in enumerate(ev.sentences(report)):
        ids = [d for d in ev.CITE.findall(s) if d in lib.docs]
        if not ids:
            continue
        _, chunk = ev.support(s, lib.docs[ids[0]].text)
        prompt = (f"Passage:\n{chunk[:800]}\n\nClaim: {ev.CITE.sub('', s).strip()}\n"
                  "Does the passage support the claim? Answer yes or no.")
        req = ChatRequest(messages=[{"role": "user", "content": prompt}], seed=seed + i,
                          sampling=SamplingConfig(temperature=0.0, max_tokens=4),
                          structured=Structured(choice=["yes", "no"]))
        try:
            out = await teacher.chat(req)
        except TeacherUnavailable:
            raise
        except TeacherError as e:
            return {"error": str(e)[:200]}, usage
        usage = usage.add(out.usage())
        if out.completions[0].text.strip().lower().startswith("yes"):
            good += 1
        else:
            bad += 1
    return {"supported": good, "unsupported": bad}, usage
