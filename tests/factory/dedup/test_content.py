"""Dedup looks at content, not scaffolding: hard negatives (one long shared system prompt, one
template, different numbers) stay distinct; planted near-copies are caught; LSH candidates are
confirmed against the threshold; benchmark overlap is found."""

from __future__ import annotations

import random

from factory.config import DedupConfig
from factory.dedup.contamination import Contamination
from factory.dedup.index import DedupIndex, _Bands, dedup_text, shingles
from factory.trajectory import Message, ToolCall, Trajectory

SYSTEM = " ".join(f"Rule {i}: before step {i} of the method write down quantity q{i}, then call tool t{i % 7} and "
                  f"compare its output with estimate e{i}." for i in range(60))  # ~1,000 words every row shares


EXPLAIN = ("To be sure the value is right I multiply the two factors again by splitting the first one into "
           "hundreds tens and units, multiply each part by the second factor, add the partial products, and then "
           "subtract the last number; the result agrees with what the tool printed, and the size of the result is "
           "plausible because the product of two three digit numbers has five or six digits while the number we "
           "subtract is small, so the final answer keeps the same leading digits as the product itself and the "
           "check is consistent with the tool output in every digit that I compared by hand along the way.")


def math_row(rng: random.Random, i: int) -> Trajectory:
    a, b, c = rng.randint(10, 999), rng.randint(10, 999), rng.randint(2, 99)
    q = f"Compute {a} \\times {b} - {c}. Problem {i}."
    return Trajectory(pipeline="m", task_id=str(i), messages=[
        Message(role="system", content=SYSTEM), Message(role="user", content=q),
        Message(role="assistant", content="<plan>Use the evaluate tool on the expression, then check it.</plan>",
                tool_calls=[ToolCall(id="c", name="evaluate", arguments=f'{{"expression": "{a}*{b}-{c}"}}')]),
        Message(role="tool", content=str(a * b - c), tool_call_id="c", name="evaluate"),
        Message(role="assistant", content=f"<reflection>The tool returned {a * b - c}. {EXPLAIN} So {a} times {b} "
                                          f"minus {c} is {a * b - c}.</reflection> \\boxed{{{a * b - c}}}")])


def jaccard(x: str, y: str, k: int = 5) -> float:
    a, b = shingles(x, k), shingles(y, k)
    return len(a & b) / len(a | b)


def test_shared_scaffolding_is_not_compared():
    rng = random.Random(1)
    rows = [math_row(rng, i) for i in range(2)]
    cfg = DedupConfig()
    assert SYSTEM not in dedup_text(rows[0], cfg.roles)
    assert jaccard(rows[0].text(), rows[1].text()) > cfg.threshold  # what the old dedup compared: "duplicates"
    assert jaccard(dedup_text(rows[0], cfg.roles), dedup_text(rows[1], cfg.roles)) < cfg.threshold - 0.15


def test_hard_negatives_stay_distinct_and_near_copies_are_caught():
    rng = random.Random(7)
    cfg = DedupConfig()
    idx = DedupIndex(cfg)
    rows = [math_row(rng, i) for i in range(300)]
    false_pos = sum(idx.check(f"r{i}", dedup_text(r, cfg.roles)) is not None for i, r in enumerate(rows))
    assert false_pos <= 3  # ≤ 1% on hard negatives

    caught = planted = 0
    for i, r in enumerate(rows[:200]):
        words = dedup_text(r, cfg.roles).split()
        k = rng.randrange(len(words))
        words[k] = words[k] + "x"  # one word of ~150 changed
        near = " ".join(words)
        if jaccard(near, dedup_text(r, cfg.roles)) < 0.9:
            continue
        planted += 1
        caught += idx.check(f"n{i}", near) == f"r{i}"
    assert planted >= 100 and caught / planted >= 0.95


def test_lsh_candidates_are_confirmed_against_the_threshold():
    cfg = DedupConfig(threshold=0.9)
    idx = DedupIndex(cfg)
    base = " ".join(f"w{i}" for i in range(200))
    assert idx.check("a", base) is None
    words = base.split()
    for k in range(100, 112):  # 12 words in a row changed: Jaccard ≈ 0.85, inside the LSH net, below 0.9
        words[k] = f"z{k}"
    other = " ".join(words)
    assert 0.8 < jaccard(base, other) < 0.88
    assert idx.rownum["a"] in idx.lsh.query(_Bands(idx.signature(other)[1]))  # LSH proposes it …
    assert idx.check("b", other) is None  # … the confirmation turns it down


def test_contamination_by_shared_ngram(tmp_path):
    bench = tmp_path / "bench.jsonl"
    bench.write_text('{"question": "A train leaves the station at noon travelling at sixty miles per hour towards '
                     'the coast; when does it arrive?"}\n{"problem": "What is two plus two times three?"}\n')
    c = Contamination([str(bench)], 13)
    leak = "Here is a task: a train leaves the station at noon, travelling at sixty miles per hour towards the coast."
    assert c.check(leak) == str(bench)
    assert c.check("A train leaves the station at noon travelling at forty miles per hour to a lake.") is None
    assert c.check("Tell me: what is two plus two times three?") == str(bench)  # short question: whole
    assert c.check("two plus two") is None
