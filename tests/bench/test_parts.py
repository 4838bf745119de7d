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


def test_generation_workloads_hold_the_same_concurrency_on_both_sides():
    import asyncio
    from types import SimpleNamespace

    from bench.generation import Workload, _raw

    w = Workload(conversations=12, turns=2, max_tokens=4, concurrency=3, chunk_size=2)
    runner = w.runner("ray")
    # the factory side: the worker holds `concurrency` trajectories and always has a task queued beyond them
    assert runner["trajectories_in_flight"] == 3 and runner["chunks_in_flight"] * runner["chunk_size"] > 3

    live, peak = [0], [0]

    class Engine:
        render = staticmethod(lambda req: "text")
        sampling_params = staticmethod(lambda req: None)

        class engine:  # noqa: N801 - mirrors AsyncLLM's attribute
            @staticmethod
            async def generate(text, params, rid):
                live[0] += 1
                peak[0] = max(peak[0], live[0])
                await asyncio.sleep(0)
                live[0] -= 1
                yield SimpleNamespace(outputs=[SimpleNamespace(token_ids=[1, 2, 3, 4], text="x")],
                                      prompt_token_ids=[1] * 10, num_cached_tokens=0)

    out, prompt_tokens, _ = asyncio.run(_raw(Engine(), w, seed=0))
    assert out == 12 * 2 * 4 and prompt_tokens == 12 * 2 * 10
    assert peak[0] == 3  # the raw side holds the same concurrency, no more


def test_generation_ray_runs_follow_their_raw_run_on_cpu(monkeypatch):
    """Measured apart (all Ray runs after all raw ones) the VM's drift read as Ray overhead: each Ray
    run must come right after the raw and inline runs of its repeat, and the ratio use those runs."""
    from types import SimpleNamespace

    from bench import generation as g

    calls: list[tuple[str, int, int]] = []

    def fake(kind, tok_s):
        def run(*args, seed, **kw):
            w = next(a for a in args if isinstance(a, g.Workload))
            calls.append((kind, w.conversations, seed))
            return {"seconds": 1.0, "tokens": tok_s, "prompt_tokens": 1, "cached": 0,
                    **({"busy_share": 1.0, "wall_s": 2.0} if kind == "ray" else {})}
        return run

    monkeypatch.setattr(g, "LocalVLLMTeacher", lambda *a: SimpleNamespace(shutdown=lambda: calls.append(("stop", 0, 0))))
    monkeypatch.setattr(g, "resolve_model", lambda cfg: "m")
    monkeypatch.setattr(g, "has_cuda", lambda: False)
    monkeypatch.setattr(g, "_raw_run", fake("raw", 100))
    monkeypatch.setattr(g, "_factory_run", fake("inline", 99))
    monkeypatch.setattr(g, "_factory_ray_run", fake("ray", 98))
    monkeypatch.setattr(g, "_branching", lambda *a: {})
    monkeypatch.setenv("BENCH_PROMPTS", "8")
    out = g.run(repeats=2)
    multi = [c for c in calls if c[1] == 4 and c[0] != "stop"]  # the multi-turn workload: 4 conversations
    assert [k for k, _, s in multi if s != 999] == ["raw", "inline", "ray"] * 2
    assert calls[-1][0] == "stop" and out["ray_interleaved"]
    assert out["multi_turn"]["ratio_ray"] == 0.98 and out["multi_turn"]["factory_ray"]["busy_share"]["median"] == 1.0
