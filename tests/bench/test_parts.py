"""The benchmark parts run and report what they claim to (no timing is asserted here)."""

from bench import dedup, shards, verifiers


def test_dedup_part_finds_the_planted_duplicates():
    r = dedup.run(n=300, dup_share=0.2, repeats=1)
    assert r["planted_near_duplicates"] > 30 and 0.5 < r["hardest_negative_jaccard"] < r["threshold"]
    # the requirement: ≥ 95% of planted copies at Jaccard ≥ 0.9, ≤ 1% false positives on hard negatives
    assert r["factory"]["recall"] >= 0.95 and r["factory"]["false_positive_rate"] <= 0.01
    assert r["datasketch"]["recall"] > 0.5  # the baseline ran on the same texts (its figures are reported)
    for side in ("factory", "datasketch"):
        t = r[side]["texts_per_s"]
        assert t["min"] <= t["median"] <= t["max"]


def test_shards_and_verifiers_parts():
    s = shards.run(n=50, repeats=1)
    assert s["rows"] == 50 and s["file_mb"] > 0 and s["ratio_factory_vs_bare"] > 0
    v = verifiers.run(n=5, repeats=1)
    assert set(v) == {"agentic_cot", "math"} and all(x["all_pass"] for x in v.values())
    assert {"answer", "structure", "tool_calls"} <= set(v["math"]["verifiers"])


def test_dedup_rebuild_part_gives_the_same_index_both_ways():
    from bench import dedup_rebuild

    out = dedup_rebuild.run(n=2500)
    assert out["same_index"] and out["indexed"] == out["rows"] == 2500
    assert out["index_bytes_per_row"] > 512 and out["sidecar_bytes_per_row"] >= 512  # 128 × 4-byte hash values
