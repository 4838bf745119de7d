"""APIGen-style checks, in order — format, execution, then semantics — each failing with a reason.
They read only the record (messages, offered `tools`, meta), so `factory verify --pipeline tool_use`
re-checks any file; `replay` also re-runs deterministic tools and compares their results."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema

from factory.trajectory import Message, Trajectory, Verdict
from pipelines.tool_use.mentions import leaves, mentions
from pipelines.tool_use.runtime import Runtime
from tool_graph.spec import ToolSpec

REFUSAL = re.compile(r"\b(cannot|can't|can not|unable|not able|don't have|do not have|no (?:suitable |available |"
                     r"appropriate )?tools?\b|not available|isn't possible|not possible|no way to)", re.I)
EMPTY = re.compile(r"\b(no|none|nothing|empty|zero|0|not find|did not find|didn't find|found no)\b", re.I)
# Wrapper tags of the teacher's view in the model's own text: an observation it wrote itself, under
# any of the names chat templates and agent frameworks use (tool_response, tool_output, observation,
# function_results, …), or a ReAct-style "Observation:" line.
STRAY = re.compile(r"</?\s*[\w:-]*(?:tool|observation|function|result|output|response)[\w:-]*\s*>|"
                   r"^\s*(?:Observation|Tool (?:output|result|response))\s*:", re.I | re.M)
FAILURE = re.compile(r"\b(fail(?:ed|s|ure)?|error|unavailable|could not|couldn't|unable|did not work|"
                     r"didn't work|not respond)", re.I)


def _ok(m: Message) -> bool:
    return m.role == "tool" and not m.content.startswith("error:")


def final_reply(t: Trajectory) -> str:
    last = t.messages[-1] if t.messages else None
    return last.content if last is not None and last.role == "assistant" and not last.tool_calls else ""


def request(t: Trajectory) -> str:
    return next((m.content for m in t.messages if m.role == "user"), "")


def calls(t: Trajectory) -> list[tuple[int, Any, Message | None]]:
    """(index of the assistant message, call, its result message) in order."""
    results = {m.tool_call_id: m for m in t.messages if m.role == "tool"}
    return [(i, c, results.get(c.id)) for i, m in enumerate(t.messages) if m.role == "assistant" for c in m.tool_calls]


def _args(c: Any) -> Any:
    try:
        return json.loads(c.arguments)
    except json.JSONDecodeError:
        return None


def _data(m: Message) -> Any:
    try:
        return json.loads(m.content)
    except json.JSONDecodeError:
        return m.content if len(m.content) <= 120 else None


def _verdict(name: str, why: str) -> Verdict:
    return Verdict(verifier=name, passed=not why, score=0.0 if why else 1.0, reason=why)


class FormatVerifier:
    """Every call names an offered tool, with JSON arguments valid against its schema, and got a result."""

    name = "format"

    def verify(self, t: Trajectory) -> Verdict:
        stop = str(t.meta.get("stop_reason", ""))
        if stop.startswith(("malformed", "teacher_error")):
            return _verdict(self.name, stop.split(":")[0] + ":" + stop.split(":")[1] if ":" in stop else stop)
        if any(m.role == "assistant" and STRAY.search(m.content) for m in t.messages):
            return _verdict(self.name, "stray_tag")
        try:
            offered = {s["function"]["name"]: s["function"]["parameters"] for s in json.loads(t.tools or "[]")}
        except (json.JSONDecodeError, KeyError, TypeError):
            return _verdict(self.name, "tools_unreadable")
        seen_ok: set[tuple[str, str]] = set()
        for _, c, res in calls(t):
            if c.name not in offered:
                return _verdict(self.name, f"unknown_tool:{c.name}")
            args = _args(c)
            if not isinstance(args, dict):
                return _verdict(self.name, f"arguments_not_an_object:{c.name}")
            try:
                jsonschema.validate(args, offered[c.name])
            except jsonschema.ValidationError:
                return _verdict(self.name, f"invalid_arguments:{c.name}")
            except jsonschema.SchemaError:
                return _verdict(self.name, f"schema_invalid:{c.name}")
            if res is None:
                return _verdict(self.name, f"call_without_result:{c.name}")
            echo = schema_echo(args, offered[c.name])
            if echo:
                return _verdict(self.name, f"schema_echo:{c.name}:{echo}")
            key = (c.name, json.dumps(args, sort_keys=True))
            if key in seen_ok:  # asking again what was already answered: padding, not work
                return _verdict(self.name, f"repeated_call:{c.name}")
            if _ok(res):
                seen_ok.add(key)
        return _verdict(self.name, "")


_PLACEHOLDER = re.compile(r"^(<[^<>]*>|\{[^{}]*\}|\[[^\[\]]*\]|\.\.\.|xxx+|todo|tbd|n/a|example|value|placeholder)$", re.I)


def schema_echo(args: dict[str, Any], schema: dict[str, Any]) -> str:
    """An argument that repeats the schema instead of giving a value: its own name, its type's
    name, its description, or a placeholder (`<date>`, `...`)."""
    props = schema.get("properties") or {}
    for key, value in args.items():
        if not isinstance(value, str):
            continue
        v = value.strip().lower()
        p = props.get(key) or {}
        echoes = {key.lower(), key.lower().replace("_", " "), str(p.get("type", "")).lower(),
                  str(p.get("description", "")).strip().lower(), str(p.get("title", "")).lower(), "string"}
        if (v and v in echoes) or _PLACEHOLDER.match(v):
            return key
    return ""


class ExecutionVerifier:
    """A failed call is handled: the same tool later succeeds, or the final reply says it failed."""

    name = "execution"

    def verify(self, t: Trajectory) -> Verdict:
        seq = calls(t)
        final = final_reply(t)
        for k, (_, c, res) in enumerate(seq):
            if res is None or _ok(res):
                continue
            recovered = any(c2.name == c.name and r2 is not None and _ok(r2) for _, c2, r2 in seq[k + 1:])
            if not recovered and not FAILURE.search(final):
                return _verdict(self.name, f"unhandled_failure:{c.name}")
        return _verdict(self.name, "")


class TraceVerifier:
    """Every argument value of every call appears in the request or in an earlier successful result."""

    name = "trace"

    def verify(self, t: Trajectory) -> Verdict:
        known = [request(t)]
        results = {m.tool_call_id: m for m in t.messages if m.role == "tool"}
        for m in t.messages:
            if m.role != "assistant":
                continue
            for c in m.tool_calls:
                args = _args(c)
                for v in leaves(args if isinstance(args, dict) else {}):
                    if isinstance(v, bool):
                        continue
                    if not any(mentions(text, v, whole=True) for text in known):
                        return _verdict(self.name, f"untraceable:{c.name}:{str(v)[:40]}")
            for c in m.tool_calls:  # results of this turn are known to later turns only
                r = results.get(c.id)
                if r is not None and _ok(r):
                    known.append(r.content)
        return _verdict(self.name, "")


def _chain(t: Trajectory) -> list[dict[str, Any]]:
    return (t.meta.get("walk") or {}).get("steps") or []


class AnswerVerifier:
    """The final reply states what the tools returned: for each tool of the chain, a value of its last
    successful result that the request did not already hold."""

    name = "answer"

    def verify(self, t: Trajectory) -> Verdict:
        final = final_reply(t)
        if not final.strip():
            return _verdict(self.name, "no_final_reply")
        if t.meta.get("variant") in ("negative", "missing_param"):
            return _verdict(self.name, "")
        req = request(t)
        last: dict[str, Any] = {}
        for _, c, res in calls(t):
            if res is not None and _ok(res):
                last[c.name] = _data(res)
        chain = _chain(t)
        # fields a later step takes as input are plumbing (a station code fed to the departures
        # board), not something the user asked to be told
        fed = {(chain[i]["tool"], field) for step in chain for i, field in (step.get("fed") or {}).values()}
        for step in chain:
            if step["tool"] not in last or last[step["tool"]] is None:
                continue
            data = last[step["tool"]]
            if isinstance(data, str):  # a status line ("Entities deleted successfully"), not a value to report
                continue
            if not leaves(data):  # an empty result is an answer too: the reply must say nothing was found
                if not EMPTY.search(final):
                    return _verdict(self.name, f"empty_result_not_reported:{step['tool']}")
                continue
            told = {k: v for k, v in data.items() if (step["tool"], k) not in fed} if isinstance(data, dict) else data
            fresh = [v for v in leaves(told) if not isinstance(v, bool) and str(v).strip() and not mentions(req, v)]
            if fresh and not any(mentions(final, v, rounding=True) for v in fresh):
                return _verdict(self.name, f"result_not_in_answer:{step['tool']}")
        return _verdict(self.name, "")


class MoveVerifier:
    """The move the task called for: the whole chain, in dependency order, and nothing else (normal,
    look-alike); recovered or reported the failure (failing tool); asked for the missing value
    (missing parameter); called nothing and said so (negative)."""

    name = "move"

    def verify(self, t: Trajectory) -> Verdict:
        variant = t.meta.get("variant", "normal")
        seq = calls(t)
        final = final_reply(t)
        if variant == "negative":
            if seq:
                return _verdict(self.name, f"called_tool_in_negative:{seq[0][1].name}")
            return _verdict(self.name, "" if REFUSAL.search(final) else "no_refusal")
        if variant == "missing_param":
            miss = t.meta.get("missing") or {}
            if any(c.name == miss.get("tool") for _, c, _ in seq):
                return _verdict(self.name, f"guessed_missing:{miss.get('input')}")
            words = [w for w in re.split(r"[_\W]+", str(miss.get("input", "")).lower()) if len(w) >= 3]
            # A question about the missing value: a sentence ending in "?" that names it (an echo of the
            # request with a question mark names it in another sentence).
            questions = [q.lower() for q in re.findall(r"[^.!?\n]*\?", final)]
            asked = any(w in q for q in questions for w in words)
            return _verdict(self.name, "" if asked else "did_not_ask")
        for name in t.meta.get("lookalikes") or {}:
            if any(c.name == name for _, c, _ in seq):
                return _verdict(self.name, f"called_lookalike:{name}")
        chain = [s["tool"] for s in _chain(t)]
        for _, c, _ in seq:
            if c.name not in chain:
                return _verdict(self.name, f"unneeded_call:{c.name}")
        first_ok = {}
        for pos, (_, c, res) in enumerate(seq):
            if res is not None and _ok(res):
                first_ok.setdefault(c.name, pos)
        missing = [n for n in chain if n not in first_ok]
        if missing:
            if variant == "failing_tool" and t.meta.get("fail_tool") in missing and FAILURE.search(final):
                return _verdict(self.name, "")  # reported rather than recovered: also the right move
            return _verdict(self.name, f"missed_step:{missing[0]}")
        for step in _chain(t):
            for i, _ in step.get("fed", {}).values():
                src = _chain(t)[i]["tool"]
                if first_ok[step["tool"]] < first_ok[src]:
                    return _verdict(self.name, f"wrong_order:{src}->{step['tool']}")
        return _verdict(self.name, "")


class ReplayVerifier:
    """Re-runs each successful call of a tool whose own source says it is deterministic and compares
    the result: a stored observation that the tool would not give is a tampered or fabricated row.
    Determinism comes from the tool (its function, its server's configuration), never from the row;
    a tool this run does not have cannot be re-run, and that is a stated failure, not a pass
    (`factory verify --config RUN/config.yaml` gives the run's own sources)."""

    name = "replay"

    def __init__(self, runtime: Runtime):
        self.runtime = runtime

    def verify(self, t: Trajectory) -> Verdict:
        """Score: the share of successful calls re-run and matched."""
        sources = t.meta.get("tool_sources") or {}
        due = done = 0
        for _, c, res in calls(t):
            info = sources.get(c.name)
            if res is None or not _ok(res):
                continue
            if not info:
                return _verdict(self.name, f"unverifiable:{c.name}:no_source_in_meta")
            if info.get("source") == "openapi":
                continue  # an API description, not something to run: its results are simulated by design
            due += 1
            spec = ToolSpec(name=info.get("runs") or c.name, description="", parameters={},
                            source=info.get("source", ""), origin=info.get("origin", ""))
            det = self.runtime.deterministic(spec)
            if det is None or not self.runtime.can_replay(spec):
                return _verdict(self.name, f"unverifiable:{c.name}:source_not_in_this_run")
            if not det:
                continue
            done += 1
            again = self.runtime.replay(spec, _args(c) or {})
            if not again.ok:
                return _verdict(self.name, f"replay_failed:{c.name}")
            if _data(Message(role="tool", content=again.text)) != _data(res):
                return _verdict(self.name, f"result_mismatch:{c.name}")
        return Verdict(verifier=self.name, passed=True, score=done / due if due else 1.0, reason="")
