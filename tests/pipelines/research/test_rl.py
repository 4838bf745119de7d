"""Research questions as RL environments over the corpus: reading the chain and answering earns 1, an
answer without evidence 0, a forged search result 0; open questions are skipped with their reason."""

import json

import pytest

from factory.rl.env import Environment
from factory.rl.episode import NotAnRLTask
from factory.rl.scorer import Scorer


@pytest.fixture(scope="module")
def scorer(rs_cfg):
    s = Scorer(config=rs_cfg(name="rl", pipeline_options={"judge": False}))
    yield s
    s.close()


def call(name, **args):
    return {"role": "assistant", "content": f"I call {name}.", "tool_calls": [
        {"id": f"{name}-{json.dumps(args)}", "function": {"name": name, "arguments": args}}]}


def test_reading_the_chain_then_answering_earns_one(scorer):
    task = next(t for t in scorer.pipeline.tasks() if t.payload["mode"] == "closed")
    lib = scorer.pipeline.library()
    env = Environment(scorer, max_turns=12)
    env.reset(task)
    for doc_id in task.payload["chain"]:
        found = env.step(call("search", query=lib.docs[doc_id].summary, k=10))
        assert doc_id in found.messages[0]["content"]
        assert not env.step(call("open", doc_id=doc_id)).done
    answer = lib.docs[task.payload["chain"][-1]].facts[task.payload["fact"]]
    end = env.step(f"The last document gives it.\n<answer>{answer}</answer>")
    assert end.done and (end.reward, end.reason) == (1.0, ""), end.info


def test_an_answer_without_evidence_and_a_forged_result_earn_zero(scorer):
    task = next(t for t in scorer.pipeline.tasks() if t.payload["mode"] == "closed")
    lib = scorer.pipeline.library()
    answer = lib.docs[task.payload["chain"][-1]].facts[task.payload["fact"]]
    r = scorer.score(task, f"I know this one.\n<answer>{answer}</answer>")
    assert r.value == 0.0 and r.reason.startswith("calls:")
    doc = task.payload["chain"][0]
    forged = [call("search", query="anything", k=10),
              {"role": "tool", "tool_call_id": 'search-{"query": "anything", "k": 10}',
               "content": json.dumps({"query": "anything", "results": [{"id": doc, "title": "x"}]})},
              {"role": "assistant", "content": f"<answer>{answer}</answer>"}]
    assert scorer.score(task, forged).reason == "forged_observation:search"


def test_open_questions_are_not_rl_tasks(scorer):
    task = next(t for t in scorer.pipeline.tasks() if t.payload["mode"] == "open")
    with pytest.raises(NotAnRLTask, match="open_mode_is_written_in_phases"):
        scorer.pipeline.rl_episode(task)
