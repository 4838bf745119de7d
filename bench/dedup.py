"""Dedup stage against a plain datasketch loop on the same texts: ~2 KB texts, 128 permutations,
a planted share of near-duplicates (a few words changed). Rate per core (one process), recall on
the planted duplicates, false positives on the distinct texts."""

from __future__ import annotations

import random
import re
from typing import Any

from datasketch import MinHash, MinHashLSH

from bench.common import rate, series
from factory.config import DedupConfig
from factory.dedup.index import DedupIndex

VOCAB = [f"w{i}" for i in range(5000)]
_WORD = re.compile(r"\w+")


def corpus(n: int, dup_share: float, seed: int = 0) -> tuple[list[str], set[int]]:
    """`n` texts of ~2 KB; the indices in the returned set are near-copies of an earlier text."""
    rng = random.Random(seed)
    texts: list[str] = []
    planted: set[int] = set()
    for i in range(n):
        if texts and rng.random() < dup_share:
            words = rng.choice(texts).split()
            for _ in range(max(1, len(words) // 100)):  # ~1% of the words changed
                words[rng.randrange(len(words))] = rng.choice(VOCAB)
            planted.add(i)
            texts.append(" ".join(words))
        else:
            texts.append(" ".join(rng.choice(VOCAB) for _ in range(360)))  # 360 words ≈ 2 KB
    return texts, planted


def factory_stage(texts: list[str], cfg: DedupConfig) -> set[int]:
    index = DedupIndex(cfg)
    return {i for i, t in enumerate(texts) if index.check(str(i), t) is not None}


def plain_datasketch(texts: list[str], cfg: DedupConfig) -> set[int]:
    lsh = MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm)
    found = set()
    for i, t in enumerate(texts):
        words = _WORD.findall(t.lower())
        m = MinHash(num_perm=cfg.num_perm)
        for j in range(len(words) - cfg.shingle_size + 1):
            m.update(" ".join(words[j:j + cfg.shingle_size]).encode())
        if lsh.query(m):
            found.add(i)
        else:
            lsh.insert(str(i), m)
    return found


def run(n: int = 2000, dup_share: float = 0.2, repeats: int = 3) -> dict[str, Any]:
    texts, planted = corpus(n, dup_share)
    cfg = DedupConfig()
    out: dict[str, Any] = {"texts": n, "planted_near_duplicates": len(planted), "num_perm": cfg.num_perm,
                           "threshold": cfg.threshold, "mean_chars": sum(map(len, texts)) // n}
    for name, fn in (("factory", factory_stage), ("datasketch", plain_datasketch)):
        found = fn(texts, cfg)
        secs = series(lambda fn=fn: fn(texts, cfg), repeats, warmup=0)
        out[name] = {"texts_per_s": rate(n, secs), "recall": len(found & planted) / len(planted),
                     "false_positives": len(found - planted), "distinct": n - len(planted)}
    out["ratio_factory_vs_datasketch"] = (out["factory"]["texts_per_s"]["median"]
                                          / out["datasketch"]["texts_per_s"]["median"])
    return out
