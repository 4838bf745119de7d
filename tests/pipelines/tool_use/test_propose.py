"""Teacher-proposed edges are kept only when the pair really executes with the output fed in."""

import asyncio
import json
import re

from pipelines.tool_use.propose import asker, partial_args
from pipelines.tool_use.runtime import Runtime
from pipelines.tool_use.tasks import Options
from pipelines.tool_use.toolset import Sources, value_pool
from tests.fakes.scripted import ScriptedTeacher
from tool_graph import graph as tgraph
from tool_graph.python_tools import load_module

PROPOSALS = {("travel_time", "add_days"): ("minutes", "days"),     # runs: an int fills an int
             ("slugify", "city_info"): ("slug", "city"),            # runs A, but B refuses the slug
             ("percentage", "weekday"): ("ratio", "date"),          # A has no such output: dropped
             ("text_stats", "sha256_text"): None}                   # the teacher says no


def _reply(req):
    prompt = req.messages[0]["content"]
    a, b = re.findall(r"Tool [AB]: (\w+)", prompt)
    assert req.structured is not None
    got = PROPOSALS[(a, b)]
    if got is None:
        return json.dumps({"feeds": False, "output_field": "words", "input": "text"})
    return json.dumps({"feeds": True, "output_field": got[0], "input": got[1]})


def test_proposals_are_kept_only_when_the_pair_runs():
    specs, _ = load_module("tool_graph.toolsets.everyday")
    g = tgraph.build(specs)
    before = len(g.edges)
    rt = Runtime({}, Options().sandbox, 20)
    teacher = ScriptedTeacher(_reply)

    async def run(name, args):
        return await asyncio.to_thread(rt.replay, g.spec(name), args)
    pairs = [(g.spec(a), g.spec(b)) for a, b in PROPOSALS]
    try:
        counts = asyncio.run(tgraph.propose_edges(g, asker(teacher, 0), run,
                                                  partial_args(value_pool(Sources(mcp=[])), 0), pairs))
    finally:
        rt.close()
    assert counts == {"asked": 4, "proposed": 2, "kept": 1}
    new = g.edges[before:]
    assert [(e.source, e.target, e.kind, e.fields, e.checked) for e in new] == [
        ("travel_time", "add_days", "proposed", [("minutes", "days")], True)]
    assert len(teacher.calls) == 4


def test_candidates_skip_linked_and_stateful_pairs():
    import random

    specs, _ = load_module("tool_graph.toolsets.everyday")
    g = tgraph.build(specs)
    pairs = tgraph.proposal_candidates(g, random.Random(0), 1000)
    linked = {(e.source, e.target) for e in g.edges}
    assert pairs and not any((a.name, b.name) in linked for a, b in pairs)
    assert pairs == tgraph.proposal_candidates(g, random.Random(0), 1000)
