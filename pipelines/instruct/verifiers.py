"""Instruction verifiers. `instructions`: every constraint in `meta.constraints` checked by its rule on
the final reply (score = share met). `integrity`: what a reply that games the rules looks like — it
copies the instructions back, stuffs the keywords, leaves the topic, or says nearly nothing. Both read
only the record, so `factory verify --pipeline instruct FILE` works on any file."""

from __future__ import annotations

from factory.trajectory import Trajectory, Verdict
from pipelines.instruct import constraints
from pipelines.instruct.constraints import words

MIN_WORDS = 10  # fewer is not an answer to a writing request, whatever the constraints allow
COPY_RUN = 8  # this many consecutive words of the instructions, repeated, is copying them
STUFFING = 0.25  # keywords making up more than this share of the words are stuffed, not used
_STOP = {"about", "with", "from", "that", "this", "their", "into", "when", "what", "your", "for", "and", "the",
         "how", "are", "first", "good", "main", "around", "home", "city", "cities"}


def reply(t: Trajectory) -> str:
    return next((m.content for m in reversed(t.messages) if m.role == "assistant"), "")


def _prompt(t: Trajectory) -> str:
    return next((m.content for m in t.messages if m.role == "user"), "")


class InstructionsVerifier:
    name = "instructions"

    def verify(self, t: Trajectory) -> Verdict:
        cs = t.meta.get("constraints")
        if not isinstance(cs, list) or not cs:
            return Verdict(verifier=self.name, passed=False, reason="no_constraints_in_meta")
        text = reply(t)
        failed = [f"{c.get('kind')}:{why}" for c in cs if (why := constraints.check(c, text))]
        return Verdict(verifier=self.name, passed=not failed, score=round(1 - len(failed) / len(cs), 4),
                       reason=";".join(failed)[:300])


def _stem(w: str) -> str:
    w = w.lower()
    return w[:5] if len(w) > 5 else w.rstrip("s")


def _prose(text: str) -> str:
    try:
        return constraints.json_text(constraints.json_body(text))
    except ValueError:
        return text


def _copied(text: str, prompt: str, required: list[str]) -> bool:
    for phrase in required:  # a phrase the reply was told to write is not a copy
        text = text.replace(phrase, " ")
    said = [w.lower() for w in words(text)]
    grams = {tuple(said[i:i + COPY_RUN]) for i in range(len(said) - COPY_RUN + 1)}
    asked = [w.lower() for w in words(prompt)]
    return any(tuple(asked[i:i + COPY_RUN]) in grams for i in range(len(asked) - COPY_RUN + 1))


class IntegrityVerifier:
    name = "integrity"

    def verify(self, t: Trajectory) -> Verdict:
        text = reply(t)
        cs = [c for c in t.meta.get("constraints") or [] if isinstance(c, dict)]
        kinds = {c.get("kind") for c in cs}
        required = [str(c["phrase"]) for c in cs if "phrase" in c]
        own = _prose(text)
        for phrase in required:  # words the reply was told to write are not its own
            own = own.replace(phrase, " ")
        prose = [w.lower() for w in words(own)]
        keywords = {w.lower() for c in cs for w in (c.get("words", []) if c.get("kind") == "keywords" else
                                                     [c["word"]] if c.get("kind") == "frequency" else [])}
        topic = [_stem(w) for w in words(str(t.meta.get("topic") or "")) if len(w) >= 4 and w.lower() not in _STOP]
        checks = [
            ("too_short", len(prose) >= MIN_WORDS),
            ("copies_instructions", not _copied(text, _prompt(t), required)),
            ("keyword_stuffing", not keywords or sum(w in keywords for w in prose) <= STUFFING * max(1, len(prose))),
            # a reply in another language may name the topic in its own words
            ("off_topic", "language" in kinds or not topic or any(w.startswith(s) for w in prose for s in topic)),
        ]
        failed = [why for why, ok in checks if not ok]
        return Verdict(verifier=self.name, passed=not failed, score=1.0 if not failed else 0.0,
                       reason=failed[0] if failed else "")

