"""The research turn guide narrows each turn to honest next moves: search first; after a search,
read one of its results; open/find only listed ids; reply only after reading (or on the last turn)."""

import json

from pipelines.research.guide import ResearchGuide
from pipelines.research.tools import ResearchTools


def _moves(schema):
    nxt = schema.json_schema["properties"]["next"]
    options = nxt.get("anyOf", [nxt])
    out = {}
    for o in options:
        if "tool_call" in o["properties"]:
            for c in o["properties"]["tool_call"]["anyOf"]:
                out[c["properties"]["name"]["const"]] = c["properties"]["arguments"]
        else:
            out["reply"] = o["properties"]
    return out


def test_guide_narrows_each_turn(rs_pipeline):
    tools = ResearchTools(rs_pipeline.library())
    guide = ResearchGuide(tools, 80, {"answer": {"type": "string"}})
    assert set(_moves(guide.structured(0, False))) == {"search"}
    tools.search("collect the exit status of a finished child", 3)
    after_search = _moves(guide.structured(1, False))
    assert set(after_search) == {"open"}
    assert after_search["open"]["properties"]["doc_id"]["enum"] == list(tools.seen)
    tools.open(list(tools.seen)[0])
    after_open = _moves(guide.structured(2, False))
    assert set(after_open) == {"search", "open", "find", "reply"}
    assert after_open["find"]["properties"]["doc_id"]["enum"] == list(tools.opened)
    assert set(_moves(guide.structured(3, True))) == {"reply"}
    assert "answer" in _moves(guide.structured(3, True))["reply"]
    rendered = guide.render(json.dumps({"thought": "Read it.", "next": {"reply": "It is proc.h.", "answer": "proc.h"}}))
    assert rendered.endswith("It is proc.h.\n<answer>proc.h</answer>")
