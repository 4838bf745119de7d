"""Dedup stage against a plain datasketch loop on the same content texts, measured on hard
negatives: rows from one template (a shared system prompt, the same plan and reflection wording)
that differ only in their numbers — distinct problems that a scaffolding-blind dedup calls
duplicates — plus a planted share of near-copies (a word or two changed, content Jaccard ≥ 0.9).
Both sides hash the same texts with the same shingles; the datasketch side uses its batch API
(`update_batch`) and shared permutations, as a fast user of it would. Rate per core (one process),
recall on the planted copies, false positives on the distinct rows."""

from __future__ import annotations

import random
from typing import Any

from datasketch import MinHash, MinHashLSH

from bench.common import rate, series
from factory.config import DedupConfig
from factory.dedup.index import DedupIndex, dedup_text, shingles
from factory.trajectory import Message, ToolCall, Trajectory

SYSTEM = " ".join(f"Rule {i}: before step {i} write down quantity q{i}, call tool t{i % 7}, compare with e{i}."
                  for i in range(60))
EXPLAIN = ("To be sure the value is right I multiply the two factors again by splitting the first one into hundreds "
           "tens and units, multiply each part by the second factor, add the partial products and subtract the last "
           "number; the result agrees with the tool, and its size is plausible because the product of two three "
           "digit numbers has five or six digits while the number subtracted is small, so the answer keeps the "
           "leading digits of the product and every digit I compared by hand matches the tool output.")


def row(rng: random.Random, i: int) -> Trajectory:
    a, b, c = rng.randint(100, 999), rng.randint(100, 999), rng.randint(2, 99)
    r = a * b - c
    return Trajectory(pipeline="bench", task_id=str(i), messages=[
        Message(role="system", content=SYSTEM), Message(role="user", content=f"Compute {a} \\times {b} - {c}."),
        Message(role="assistant", content="<plan>Evaluate the expression with the tool, then check it by hand.</plan>",
                tool_calls=[ToolCall(id="c0", name="evaluate", arguments=f'{{"expression": "{a}*{b}-{c}"}}')]),
        Message(role="tool", content=str(r), tool_call_id="c0", name="evaluate"),
        Message(role="assistant", content=f"<reflection>The tool returned {r}. {EXPLAIN} So {a} times {b} minus "
                                          f"{c} is {r}.</reflection> \\boxed{{{r}}}")])


def jaccard(x: str, y: str, k: int) -> float:
    a, b = shingles(x, k), shingles(y, k)
    return len(a & b) / len(a | b)


def corpus(n: int, dup_share: float, seed: int = 0) -> tuple[list[str], set[int], float]:
    """Content texts (what dedup compares); the indices in the set are near-copies of an earlier
    text. Also returns the highest Jaccard between two distinct rows (how hard the negatives are)."""
    rng = random.Random(seed)
    cfg = DedupConfig()
    texts: list[str] = []
    planted: set[int] = set()
    while len(texts) < n:
        if texts and rng.random() < dup_share:
            src = rng.choice([t for j, t in enumerate(texts) if j not in planted])
            words = src.split(" ")
            for _ in range(rng.randint(1, 2)):
                k = rng.randrange(len(words))
                words[k] = words[k] + "s"
            near = " ".join(words)
            if jaccard(near, src, cfg.shingle_size) < 0.9:
                continue  # measure recall where the requirement is stated: content Jaccard ≥ 0.9
            planted.add(len(texts))
            texts.append(near)
        else:
            texts.append(dedup_text(row(rng, len(texts)), cfg.roles))
    distinct = [t for j, t in enumerate(texts) if j not in planted][:200]
    hardest = max(jaccard(distinct[i], distinct[j], cfg.shingle_size)
                  for i in range(len(distinct)) for j in range(i + 1, min(len(distinct), i + 20)))
    return texts, planted, hardest


def factory_stage(texts: list[str], cfg: DedupConfig) -> set[int]:
    index = DedupIndex(cfg)
    return {i for i, t in enumerate(texts) if index.check(str(i), t) is not None}


def plain_datasketch(texts: list[str], cfg: DedupConfig) -> set[int]:
    lsh = MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm)
    perm = MinHash(num_perm=cfg.num_perm, seed=1, scheme="affine32")
    found = set()
    for i, t in enumerate(texts):
        m = MinHash(num_perm=cfg.num_perm, seed=1, scheme="affine32", permutations=perm.permutations)
        m.update_batch(list(shingles(t, cfg.shingle_size)))
        if lsh.query(m):
            found.add(i)
        else:
            lsh.insert(str(i), m)
    return found


def run(n: int = 2000, dup_share: float = 0.2, repeats: int = 3) -> dict[str, Any]:
    texts, planted, hardest = corpus(n, dup_share)
    cfg = DedupConfig()
    out: dict[str, Any] = {"texts": n, "planted_near_duplicates": len(planted), "num_perm": cfg.num_perm,
                           "threshold": cfg.threshold, "mean_chars": sum(map(len, texts)) // n,
                           "hardest_negative_jaccard": round(hardest, 3)}
    for name, fn in (("factory", factory_stage), ("datasketch", plain_datasketch)):
        found = fn(texts, cfg)
        secs = series(lambda fn=fn: fn(texts, cfg), repeats, warmup=0)
        distinct = n - len(planted)
        out[name] = {"texts_per_s": rate(n, secs), "recall": len(found & planted) / len(planted),
                     "false_positives": len(found - planted), "distinct": distinct,
                     "false_positive_rate": len(found - planted) / distinct}
    out["ratio_factory_vs_datasketch"] = (out["factory"]["texts_per_s"]["median"]
                                          / out["datasketch"]["texts_per_s"]["median"])
    return out
