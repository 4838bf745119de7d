"""The benchmark parts run and report what they claim to (no timing is asserted here)."""

from bench import dedup, shards, verifiers


def test_dedup_part_finds_the_planted_duplicates():
    r = dedup.run(n=300, dup_share=0.2, repeats=1)
    assert r["planted_near_duplicates"] > 30 and 1500 < r["mean_chars"] < 2600
    for side in ("factory", "datasketch"):
        # ~1% of words changed puts planted pairs near Jaccard 0.9, just above the 0.85 threshold,
        # where LSH finds about 4 in 5 (the full benchmark measures the same for both sides)
        assert r[side]["recall"] > 0.7 and r[side]["false_positives"] <= 1
        assert r[side]["texts_per_s"]["median"] > 0


def test_shards_and_verifiers_parts():
    s = shards.run(n=50, repeats=1)
    assert s["rows"] == 50 and s["file_mb"] > 0 and s["ratio_factory_vs_bare"] > 0
    v = verifiers.run(n=5, repeats=1)
    assert set(v) == {"agentic_cot", "math"} and all(x["all_pass"] for x in v.values())
    assert {"answer", "structure", "tool_calls"} <= set(v["math"]["verifiers"])
