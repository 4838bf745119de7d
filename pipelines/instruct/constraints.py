"""The instruction kinds: each draws its parameters from a seeded generator, says itself as one
sentence of the request, and checks a response by a rule ('' when met, else why not). Kinds that
compete for the same part of a response (its length, its shape, its case, its ending) share a group,
and a task takes at most one kind per group, so every task can be satisfied."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema

WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.U)
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_BULLET = re.compile(r"^\s*(?:[*\-•]|\d+[.)])\s+\S", re.M)
_TITLE = re.compile(r"<<[^<>\n]+>>")
_PLACEHOLDER = re.compile(r"\[[^\[\]\n]+\]")
_HIGHLIGHT = re.compile(r"(?<!\*)\*[^*\n]+\*(?!\*)")
_FENCE = re.compile(r"^```(?:json)?\s*\n(.*)\n```\s*$", re.S)

KEYWORDS = ("balance", "budget", "community", "evidence", "future", "history", "journey", "network", "pattern",
            "quality", "research", "season", "signal", "strategy", "surface", "texture", "timeline", "window")
FORBIDDEN = ("very", "really", "thing", "stuff", "basically", "actually", "important", "good", "nice", "just")
END_PHRASES = ("Is there anything else I can help with?", "Let me know if you have additional questions.",
               "That is all for today.", "Any other questions?")
LANGUAGES = {"de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese"}
SECTION_WORDS = ("SECTION", "PART", "STEP")
JSON_SHAPES: dict[str, dict[str, Any]] = {
    "summary": {"type": "object", "required": ["title", "points"], "additionalProperties": False,
                "properties": {"title": {"type": "string", "minLength": 1},
                               "points": {"type": "array", "items": {"type": "string", "minLength": 1}}}},
    "pros_cons": {"type": "object", "required": ["pros", "cons"], "additionalProperties": False,
                  "properties": {"pros": {"type": "array", "items": {"type": "string", "minLength": 1}},
                                 "cons": {"type": "array", "items": {"type": "string", "minLength": 1}}}},
    "answer": {"type": "object", "required": ["answer", "confidence"], "additionalProperties": False,
               "properties": {"answer": {"type": "string", "minLength": 1},
                              "confidence": {"type": "number", "minimum": 0, "maximum": 1}}},
}


def words(text: str) -> list[str]:
    return WORD.findall(text)


def _has_word(text: str, word: str) -> int:
    return len(re.findall(rf"(?<![^\W_]){re.escape(word)}(?![^\W_])", text, re.I | re.U))


def json_body(text: str) -> Any:
    """The response as JSON: the whole of it, or the whole of one ```json fence. Raises ValueError."""
    s = text.strip()
    fenced = _FENCE.match(s)
    return json.loads(fenced.group(1) if fenced else s)


def json_text(value: Any) -> str:
    """Every string inside a JSON value, joined: the prose a JSON answer holds."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(json_text(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(json_text(v) for v in value)
    return ""


def detect_language(text: str) -> str:
    """ISO 639-1 code by langdetect, seeded (its default is random), '' when it cannot tell."""
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0
    try:
        return str(detect(text))
    except LangDetectException:
        return ""


@dataclass(frozen=True)
class Kind:
    name: str
    group: str
    draw: Callable[[random.Random], dict[str, Any]]
    describe: Callable[[dict[str, Any]], str]
    check: Callable[[dict[str, Any], str], str]


def _n(lo: int, hi: int) -> Callable[[random.Random], dict[str, Any]]:
    return lambda rng: {"n": rng.randint(lo, hi)}


def _words_min(p: dict[str, Any], t: str) -> str:
    n = len(words(t))
    return "" if n >= p["n"] else f"{n}<{p['n']}"


def _words_max(p: dict[str, Any], t: str) -> str:
    n = len(words(t))
    return "" if n <= p["n"] else f"{n}>{p['n']}"


def _sentences_max(p: dict[str, Any], t: str) -> str:
    n = len(_SENTENCE_END.findall(t.strip())) or (1 if t.strip() else 0)
    return "" if n <= p["n"] else f"{n}>{p['n']}"


def _keywords(p: dict[str, Any], t: str) -> str:
    missing = [w for w in p["words"] if not _has_word(t, w)]
    return f"missing:{','.join(missing)}" if missing else ""


def _forbidden(p: dict[str, Any], t: str) -> str:
    used = [w for w in p["words"] if _has_word(t, w)]
    return f"used:{','.join(used)}" if used else ""


def _frequency(p: dict[str, Any], t: str) -> str:
    n = _has_word(t, p["word"])
    return "" if n >= p["n"] else f"{p['word']}:{n}<{p['n']}"


def _bullets(p: dict[str, Any], t: str) -> str:
    n = len(_BULLET.findall(t))
    return "" if n == p["n"] else f"{n}!={p['n']}"


def _paragraphs(p: dict[str, Any], t: str) -> str:
    n = len([b for b in re.split(r"\n\s*\n", t.strip()) if b.strip()])
    return "" if n == p["n"] else f"{n}!={p['n']}"


def _sections(p: dict[str, Any], t: str) -> str:
    marks = re.findall(rf"^\s*\**{p['word']}\s+(\d+)", t, re.M)
    want = [str(i) for i in range(1, p["n"] + 1)]
    return "" if marks == want else f"marks:{','.join(marks) or 'none'}!=1..{p['n']}"


def _json(p: dict[str, Any], t: str) -> str:
    try:
        value = json_body(t)
    except ValueError:
        return "not_json"
    err = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(JSON_SHAPES[p["shape"]]).iter_errors(value))
    return f"schema:{err.message[:80]}" if err else ""


def _language(p: dict[str, Any], t: str) -> str:
    got = detect_language(t)
    return "" if got == p["lang"] else f"{got or 'unknown'}!={p['lang']}"


def _case(upper: bool) -> Callable[[dict[str, Any], str], str]:
    def check(p: dict[str, Any], t: str) -> str:
        letters = [c for c in t if c.isalpha()]
        bad = [c for c in letters if (c.islower() if upper else c.isupper())]
        return f"{len(bad)}_{'lower' if upper else 'upper'}case_letters" if bad or not letters else ""
    return check


def _end(p: dict[str, Any], t: str) -> str:
    return "" if t.strip().endswith(p["phrase"]) else "ends_otherwise"


def _postscript(p: dict[str, Any], t: str) -> str:
    return "" if re.search(rf"^\s*{re.escape(p['marker'])}\s*\S", t, re.M) else "no_postscript"


def _quoted(p: dict[str, Any], t: str) -> str:
    s = t.strip()
    return "" if len(s) > 2 and s[0] == '"' and s[-1] == '"' else "not_wrapped"


def _at_least(pattern: re.Pattern[str]) -> Callable[[dict[str, Any], str], str]:
    def check(p: dict[str, Any], t: str) -> str:
        n, want = len(pattern.findall(t)), p.get("n", 1)
        return "" if n >= want else f"{n}<{want}"
    return check


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("words_min", "length", _n(60, 200), lambda p: f"Answer with at least {p['n']} words.", _words_min),
    Kind("words_max", "length", _n(30, 120), lambda p: f"Answer with at most {p['n']} words.", _words_max),
    Kind("sentences_max", "length", _n(2, 6), lambda p: f"Use at most {p['n']} sentences.", _sentences_max),
    Kind("keywords", "keywords", lambda r: {"words": sorted(r.sample(KEYWORDS, r.randint(1, 3)))},
         lambda p: "Include the keywords " + ", ".join(f"'{w}'" for w in p["words"]) + " in the response.", _keywords),
    Kind("forbidden", "forbidden", lambda r: {"words": sorted(r.sample(FORBIDDEN, r.randint(1, 3)))},
         lambda p: "Do not use the words " + ", ".join(f"'{w}'" for w in p["words"]) + " anywhere.", _forbidden),
    Kind("frequency", "keywords", lambda r: {"word": r.choice(KEYWORDS), "n": r.randint(2, 4)},
         lambda p: f"Use the word '{p['word']}' at least {p['n']} times.", _frequency),
    Kind("bullets", "shape", _n(2, 6),
         lambda p: f"Your answer must contain exactly {p['n']} bullet points, each a line starting with '* '.",
         _bullets),
    Kind("paragraphs", "shape", _n(2, 5),
         lambda p: f"Write exactly {p['n']} paragraphs, separated from each other by one blank line.", _paragraphs),
    Kind("sections", "shape", lambda r: {"n": r.randint(2, 4), "word": r.choice(SECTION_WORDS)},
         lambda p: f"Divide the response into {p['n']} sections; start each with '{p['word']} X' on its own line, "
                   f"X counting from 1.", _sections),
    Kind("json", "shape", lambda r: {"shape": r.choice(sorted(JSON_SHAPES))},
         lambda p: "Give your entire response as JSON matching this JSON schema, with nothing outside it: "
                   + json.dumps(JSON_SHAPES[p["shape"]], separators=(",", ":")), _json),
    Kind("language", "language", lambda r: {"lang": r.choice(sorted(LANGUAGES))},
         lambda p: f"Your entire response must be in {LANGUAGES[p['lang']]}; no other language is allowed.",
         _language),
    Kind("lowercase", "case", lambda r: {},
         lambda p: "Write your entire response in lowercase letters; no capital letters at all.", _case(False)),
    Kind("uppercase", "case", lambda r: {},
         lambda p: "Write your entire response in English capital letters only.", _case(True)),
    Kind("no_commas", "commas", lambda r: {}, lambda p: "Do not use any commas in your response.",
         lambda p, t: "" if "," not in t else f"{t.count(',')}_commas"),
    Kind("end_phrase", "ending", lambda r: {"phrase": r.choice(END_PHRASES)},
         lambda p: f"Finish your response with this exact phrase: {p['phrase']} No other words should follow it.",
         _end),
    Kind("postscript", "ending", lambda r: {"marker": r.choice(("P.S.", "P.P.S"))},
         lambda p: f"At the end of your response, add a postscript starting with {p['marker']}", _postscript),
    Kind("quoted", "ending", lambda r: {}, lambda p: "Wrap your entire response in double quotation marks.", _quoted),
    Kind("title", "title", lambda r: {},
         lambda p: "Give your answer a title wrapped in double angular brackets, such as <<a title>>.",
         _at_least(_TITLE)),
    Kind("placeholders", "placeholders", _n(1, 3),
         lambda p: f"Include at least {p['n']} placeholders in square brackets, such as [address].",
         _at_least(_PLACEHOLDER)),
    Kind("highlight", "highlight", _n(1, 3),
         lambda p: f"Highlight at least {p['n']} parts of your answer with markdown, e.g. *highlighted part*.",
         _at_least(_HIGHLIGHT)),
)}

# Pairs that cannot hold together (besides one kind per group): JSON leaves no room for markup around
# it, a title or quotes; another language conflicts with English keywords, phrases and capitals.
CONFLICTS = {
    "json": {"title", "placeholders", "highlight", "ending", "case", "language", "commas", "length"},
    "language": {"keywords", "forbidden", "ending", "case"},
    "uppercase": {"keywords"},
    "sentences_max": {"shape"},
}


def _clash(kind: Kind, chosen: list[Kind]) -> bool:
    for other in chosen:
        if other.group == kind.group:
            return True
        for a, b in ((kind, other), (other, kind)):
            banned = CONFLICTS.get(a.name, set()) | CONFLICTS.get(a.group, set())
            if b.name in banned or b.group in banned:
                return True
    return False


def draw(rng: random.Random, n: int, allowed: list[str] | None = None) -> list[dict[str, Any]]:
    """Up to `n` compatible constraints, in a seeded order, each `{"kind": …, **params}`."""
    names = sorted(allowed if allowed is not None else KINDS)
    rng.shuffle(names)
    chosen: list[Kind] = []
    out: list[dict[str, Any]] = []
    for name in names:
        kind = KINDS[name]
        if len(chosen) == n or _clash(kind, chosen):
            continue
        chosen.append(kind)
        out.append({"kind": name, **kind.draw(rng)})
    return out


def describe(c: dict[str, Any]) -> str:
    return KINDS[c["kind"]].describe(c)


def check(c: dict[str, Any], text: str) -> str:
    """'' when `text` meets the constraint, else a short reason."""
    kind = KINDS.get(c.get("kind", ""))
    if kind is None:
        return "unknown_kind"
    return kind.check(c, text)
