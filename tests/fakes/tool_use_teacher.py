"""Scripted tool-use teachers (tests only). They recognise their task by the template request and
follow the walk: `gold` does the right thing for every variant; the cheats each break one rule."""

import json
import re

from pipelines.tool_use.mentions import leaves
from pipelines.tool_use.request import template
from tool_graph.spec import value_at


def _call(name, args, thought="Next I call a tool."):
    return f"{thought}\n<tool_call>\n{json.dumps({'name': name, 'arguments': args})}\n</tool_call>"


def _results(messages):
    """Tool responses so far, in order (each a string)."""
    out = []
    for m in messages:
        if m["role"] == "user":
            out += re.findall(r"<tool_response>\n(.*?)\n</tool_response>", m["content"], re.S)
    return out


def _args(step, ok_results):
    args = dict(step["given"])
    for inp, (j, out) in step["fed"].items():
        args[inp] = value_at(json.loads(ok_results[j]), out)[1]
    return args


def _summary(ok_results):
    vals = []
    for r in ok_results:
        try:
            data = json.loads(r)
        except json.JSONDecodeError:
            vals.append(r)
            continue
        vals.append(json.dumps(data) if leaves(data) else "the search found no entries")
    return "Here is what I found: " + "; ".join(vals)


def make_reply(tasks, mode="gold"):
    by_request = {template(t.payload, t.payload["described"]): t.payload for t in tasks}

    def reply(req):
        user = next(m["content"] for m in req.messages if m["role"] == "user")
        p = by_request[user]
        steps = p["walk"]["steps"]
        results = _results(req.messages)
        ok = [r for r in results if not r.startswith("error:")]
        if p["variant"] == "negative":
            if mode == "call_removed":
                return _call(steps[0]["tool"], steps[0]["given"])
            return "None of my tools can do this, so I cannot help with that request."
        if p["variant"] == "missing_param":
            miss = p["missing"]
            if mode == "ignore_missing" and not results:
                step = steps[miss["step"]]
                return _call(step["tool"], {**step["given"], miss["input"]: "Atlantis"})
            if mode == "ignore_missing":
                return _summary(ok)
            return f"Which {miss['input'].replace('_', ' ')} do you mean? Please tell me the {miss['input']}."
        if mode == "fabricate":
            return "Done: the answer is 4242 and the place is Narnia."
        if mode == "wrong_order" and len(steps) > 1 and not results:
            last = steps[-1]
            fake = {inp: 1.5 for inp in last["fed"]}
            return _call(last["tool"], {**last["given"], **fake})
        if results and results[-1].startswith("error:") and mode == "report":
            done = (" Before that: " + _summary(ok)) if ok else ""
            return "The service failed with an error, so I could not finish: it was unavailable." + done
        # wrong_order: the out-of-order call may have succeeded, and its result is not part of the chain
        early = 1 if mode == "wrong_order" and len(steps) > 1 and results[0] in ok else 0
        chain_ok = ok[early:]
        k = len(chain_ok)
        if k >= len(steps):
            return _summary(ok)
        retry = bool(results) and results[-1].startswith("error:")  # retry the call that failed
        return _call(steps[k]["tool"], _args(steps[k], chain_ok),
                     "That failed; I try again." if retry else "Next I call a tool.")
    return reply
