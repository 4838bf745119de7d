"""Scripted research teachers (tests only). They find their task by its question and use the corpus
as a program would: `gold` follows the chain / cluster / citations and reads before answering; the
cheats each break one rule (wrong answer, answer without searching, a fabricated citation, citing an
unopened document, pasting the text as the gist, retrieving too little)."""

import json
import re

from pipelines.research import evidence as ev


def _call(name, args):
    thought = f"To go on I call {name} on {next(iter(args.values()))}."
    return f"{thought}\n<tool_call>\n{json.dumps({'name': name, 'arguments': args})}\n</tool_call>"


def _results(messages):
    out = []
    for m in messages:
        if m["role"] == "user":
            out += [json.loads(x) for x in re.findall(r"<tool_response>\n(.*?)\n</tool_response>", m["content"], re.S)
                    if x.startswith("{")]
    return out


def _sentence(doc):
    """A sentence of the document's own prose (past its name line), for claims drawn from it."""
    body = [ln for ln in doc.text.splitlines()[2:] if len(ln.split()) >= 6]
    return ev.sentences(body[0])[0] if body else doc.title


def make_reply(tasks, lib, mode="gold"):
    by_q = {t.payload["question"]: t.payload for t in tasks}

    def reply(req):
        users = [m["content"] for m in req.messages if m["role"] == "user"]
        if users[-1].startswith("Passage:"):  # the optional judge
            return "no" if mode == "judge_no" else "yes"
        if users[-1].startswith("A research attempt failed."):
            return "The answer did not come from the last document; read it and copy the fact it states."
        p = by_q[next(u for u in users if u in by_q)]
        res = _results(req.messages)
        seen = [h["id"] for r in res for h in r.get("results", [])]
        # What it opened, from its own calls: older tool outputs may be elided from what it is sent.
        calls = [json.loads(x) for m in req.messages if m["role"] == "assistant"
                 for x in re.findall(r"<tool_call>\n(.*?)\n</tool_call>", m["content"] or "", re.S)]
        opened = list(dict.fromkeys(c["arguments"]["doc_id"] for c in calls if c["name"] == "open"))
        last = users[-1]
        if p["mode"] == "closed":
            return closed(p, res, seen, opened)
        if p["mode"] == "reverse":
            return reverse(p, seen, opened)
        if last.startswith("First think:"):
            return "\n".join(f"{i}. {_sentence(lib.docs[d])} [{d}]" for i, d in enumerate(opened, 1))
        if last.startswith("Second think:"):
            return "\n".join(f'{i}. supported — "{_sentence(lib.docs[d])[:50]}"' for i, d in enumerate(opened, 1))
        if last.startswith("Now write the report"):
            cites = list(opened)
            if mode == "fabricated":
                cites[-1] = "made-up-doc.9"
            if mode == "unopened":
                cites[-1] = next(x for x in seen if x not in opened)
            return " ".join(f"{_sentence(lib.docs[o])} [{c}]" for o, c in zip(opened, cites, strict=False))
        todo = [d for d in p["cluster"] if d not in opened]
        want = 2 if mode == "unopened" else len(p["cluster"])
        if len(opened) >= want or not todo:
            return "I have gathered what the report needs."
        return gather(todo[0], seen)

    def gather(doc, seen):
        if doc in seen:
            return _call("open", {"doc_id": doc})
        d = lib.docs[doc]
        tries = sum(1 for _ in seen)  # a second search uses the title when the description was not enough
        return _call("search", {"query": d.summary if tries % 2 == 0 else f"{d.title} {d.summary}", "k": 10})

    def closed(p, res, seen, opened):
        chain = p["chain"]
        answer = lib.docs[chain[-1]].facts[p["fact"]]
        if mode == "no_search":
            return f"I know this one.\n<answer>{answer}</answer>"
        todo = [d for d in chain if d not in opened]
        if todo:
            d = lib.docs[todo[0]]
            if todo[0] in seen:
                return _call("open", {"doc_id": todo[0]})
            searched = sum(1 for r in res if r.get("query") in (d.summary, d.title))
            return _call("search", {"query": d.summary if searched == 0 else d.title, "k": 10})
        said = "nonsense.h" if mode == "wrong_answer" else answer
        return f"The last document gives it.\n<answer>{said}</answer>"

    def reverse(p, seen, opened):
        src = lib.docs[p["source"]]
        want = src.links[:1] if mode == "low_recall" else src.links
        todo = [d for d in want if d not in opened]
        if todo:
            d = lib.docs[todo[0]]
            return _call("open", {"doc_id": todo[0]}) if todo[0] in seen else \
                _call("search", {"query": f"{d.title} {d.summary}", "k": 10})
        if mode == "copy":
            gist = p["question"].split("---")[1]
        else:
            gist = f"A page about how to {src.summary}, pointing to related interfaces."
        return f"{gist}\n<sources>{', '.join(opened)}</sources>"
    return reply
