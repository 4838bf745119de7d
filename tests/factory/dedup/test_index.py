import random

from factory.config import DedupConfig
from factory.dedup.index import DedupIndex


def text(rng, n=300):
    words = [f"w{rng.randrange(5000)}" for _ in range(n)]
    return " ".join(words)


def test_exact_duplicate_ignores_case_and_whitespace():
    idx = DedupIndex(DedupConfig(near=False))
    assert idx.check("a", "Hello   World") is None
    assert idx.check("b", "hello world\n") == "a"


def test_near_duplicates_found_and_distinct_texts_kept():
    rng = random.Random(0)
    idx = DedupIndex(DedupConfig(threshold=0.8))
    originals = [text(rng) for _ in range(50)]
    for i, t in enumerate(originals):
        assert idx.check(f"o{i}", t) is None
    found = 0
    for i, t in enumerate(originals):
        words = t.split()
        words[rng.randrange(len(words))] = "changed"  # one word in 300: a near-duplicate
        found += idx.check(f"n{i}", " ".join(words)) == f"o{i}"
    assert found >= 48
    fresh = sum(idx.check(f"f{i}", text(rng)) is None for i in range(50))
    assert fresh == 50
    assert len(idx) == 100


def test_add_rebuilds_without_reporting():
    idx = DedupIndex(DedupConfig())
    idx.add("x", "some committed text with enough words to shingle properly")
    assert idx.check("y", "some committed text with enough words to shingle properly") == "x"
