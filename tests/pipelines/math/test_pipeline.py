"""The math loop end to end with a scripted teacher (tests only) and the real sandbox: a correct
run, a wrong answer, a malformed tool call and a tool that times out in the sandbox."""

import json

import pyarrow.parquet as pq
import pytest

from factory.manifest import load_manifest
from factory.runner import driver
from tests.fakes.math_teacher import PROBLEMS
from tests.fakes.math_teacher import guided_reply as _guided
from tests.fakes.scripted import ScriptedTeacher


def _rows(run_dir):
    m = load_manifest(run_dir)
    return [r for side in ("accepted", "rejected") for s in m.shards(side)
            for r in pq.read_table(run_dir / s.path).to_pylist()]


@pytest.fixture
def problems(tmp_path):
    f = tmp_path / "problems.jsonl"
    f.write_text("\n".join(json.dumps(p) for p in PROBLEMS))
    return str(f)


def _opts(problems, **kw):
    return {"problems": problems, "generated_problems": 0, "attempts": 2, "tool_timeout_s": 4.0,
            "sandbox": {"backend": "bwrap"}, **kw}


def test_correct_wrong_and_timeout(make_cfg, problems):
    teacher = ScriptedTeacher(_guided)
    out = driver.run(make_cfg(pipeline="math", pipeline_options=_opts(problems)), teacher=teacher)
    rows = _rows(out.run_dir)
    assert len(rows) == 6 and out.stats["tasks"] == 3
    by_q = {}
    for r in rows:
        meta = json.loads(r["meta"]) if isinstance(r["meta"], str) else r["meta"]
        by_q.setdefault(r["messages"][1]["content"], []).append((r, meta))
        assert {"ability", "root", "category", "difficulty", "attempt", "answer"} <= set(meta)
    solved = [(r["outcome"], r["reject_reason"]) for r, _ in sorted(by_q["Compute 1/2 + 1/3."], key=lambda x: x[1]["attempt"])]
    assert ("success", None) in solved and ("failure", "answer:wrong_answer") in solved
    ok = next(r for r, _ in by_q["Compute 1/2 + 1/3."] if r["outcome"] == "success")
    tool_msg = next(m for m in ok["messages"] if m["role"] == "tool")
    assert tool_msg["content"].startswith("5/6")  # computed by sympy inside the sandbox
    assert "<plan>" in ok["messages"][2]["content"] and "<reflection>" in ok["messages"][4]["content"]
    assert ok["messages"][2]["tool_calls"][0]["function"]["name"] == "evaluate"
    for r, _meta in by_q["What is 7 * 6?"]:
        assert r["outcome"] == "failure" and r["reject_reason"] == "answer:wrong_answer"
    for r, meta in by_q["Loop forever, then answer 3."]:
        assert meta["tool_errors"] == ["tool_timeout"]
        assert "ran longer than 4s" in next(m for m in r["messages"] if m["role"] == "tool")["content"]
        assert r["outcome"] == "success" and r["reject_reason"] == "structure:no_valid_tool_result"
    p = out.stats["pass_at_k"]
    assert p["tasks"] == 3 and p["attempts"] == 6
    assert p["pass@k_sum"] == 2 and p["pass@1_sum"] == pytest.approx(0.5 + 1.0)
    keys = out.stats["keys"]
    assert keys["ability=unlabelled"]["solved"] == 3


def _unguided(req):
    assert req.structured is None
    if sum(m["role"] == "assistant" for m in req.messages) == 0:
        return "<plan>\nuse the tool\n</plan>\n<tool_call>\n{\"name\": \"evaluate\", \"arguments\": {oops}\n</tool_call>"
    raise AssertionError("the loop must stop at a malformed call")


def test_malformed_tool_call_is_data(make_cfg, problems):
    cfg = make_cfg(pipeline="math", pipeline_options=_opts(problems, guided=False, attempts=1))
    out = driver.run(cfg, teacher=ScriptedTeacher(_unguided))
    rows = _rows(out.run_dir)
    assert len(rows) == 3 and out.stats["errors"] == 0
    for r in rows:
        assert r["reject_reason"] == "generation:malformed:tool_call_not_json"
        assert r["outcome"] == "failure"
    assert out.stats["reasons"] == {"generation:malformed": 3}


def test_malformed_guided_output_is_data(make_cfg, problems):
    cfg = make_cfg(pipeline="math", pipeline_options=_opts(problems, attempts=1))
    out = driver.run(cfg, teacher=ScriptedTeacher(lambda req: '{"plan": "cut off'))
    rows = _rows(out.run_dir)
    assert {r["reject_reason"] for r in rows} == {"generation:malformed:guided_invalid:not_json"}
    assert all(r["messages"][-1]["content"] == '{"plan": "cut off' for r in rows)  # kept for inspection
