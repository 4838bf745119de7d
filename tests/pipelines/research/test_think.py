"""The "think twice" phases under guided decoding: structured notes, checks and report are rendered
into the row's text; the second think is shown the passage of each claim's cited source; a reply
that is not the asked-for JSON is kept in the row with the phase named as the failure."""

import asyncio
import json

from factory.config import SamplingConfig
from factory.trajectory import Message
from pipelines.research.think import think_twice
from tests.fakes.scripted import ScriptedTeacher

CLAIM = "A channel holds a bounded buffer"


def _replies(bad_report=False):
    def reply(req):
        last = req.messages[-1]["content"]
        if last.startswith("First think:"):
            return json.dumps({"claims": [{"claim": CLAIM, "source": "channel_model.7"}]})
        if last.startswith("Second think:"):
            assert "passage of [channel_model.7]" in last and "bounded buffer" in last
            return json.dumps({"checks": {"1": {"verdict": "supported", "quote": "holds a bounded buffer"}}})
        return "not json" if bad_report else json.dumps({"sentences": [{"text": CLAIM, "source": "channel_model.7"}]})
    return reply


def test_guided_phases_render_into_the_row(rs_pipeline):
    lib = rs_pipeline.library()
    msgs = [Message(role="system", content="s"), Message(role="user", content="q")]
    out, usage, why = asyncio.run(think_twice(ScriptedTeacher(_replies()), msgs, lib, ["channel_model.7"],
                                              SamplingConfig(), 1, "t", True, 120))
    assert why == "" and usage.teacher_calls == 3
    assert [m.role for m in out[2:]] == ["user", "assistant"] * 3
    assert out[3].content == f"1. {CLAIM} [channel_model.7]"
    assert out[5].content.startswith("1. supported")
    assert out[-1].content == f"{CLAIM} [channel_model.7]."
    out, _, why = asyncio.run(think_twice(ScriptedTeacher(_replies(bad_report=True)), msgs, lib, ["channel_model.7"],
                                          SamplingConfig(), 1, "t", True, 120))
    assert why == "malformed:report" and out[-1].content == "not json"
