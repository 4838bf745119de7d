"""The band-partitioned index (Ray actors, one per group of LSH bands) answers as the in-memory
index does: the same row called a duplicate of the same earlier row, on the dedup benchmark's hard
negatives and planted near-copies, and on signatures built to sit right at the threshold."""

from __future__ import annotations

import numpy as np
import pytest

from bench.dedup import corpus
from factory.config import DedupConfig, RunConfig
from factory.dedup.index import LSH_MARGIN, DedupIndex
from factory.dedup.partitioned import INSERT_BATCH, BandGroup, geometry
from factory.errors import WorkersLost
from factory.runner.executor import RaySession
from factory.runner.rundir import config_sha


@pytest.fixture(scope="module")
def ray_session():
    with RaySession(RunConfig(pipeline="agentic_cot")) as s:
        yield s


def keyed(sigs) -> list[tuple[bytes, np.ndarray]]:
    """Each signature with an exact key of its own (rows with one exact key are one row to the index)."""
    return [(i.to_bytes(8, "big"), s) for i, s in enumerate(sigs)]


def answers(index: DedupIndex, items, chunk: int | None = None, first: int = 0) -> list[str | None]:
    """Row by row; or as the committer does, asking about a chunk's rows first (`prefetch`). Row i
    has id str(first + i)."""
    out = []
    step = chunk or len(items)
    for start in range(0, len(items), step):
        part = list(enumerate(items, start=first))[start:start + step]
        if chunk:
            index.prefetch([(str(i), sig) for i, (_, sig) in part])
        out += [index.check_signature(str(i), exact, sig) for i, (exact, sig) in part]
    return out


def both(cfg: DedupConfig, items, partitions: int = 3) -> tuple[list, list]:
    """The in-memory answers, and the partitioned ones — which must be the same row by row and by chunks."""
    local = answers(DedupIndex(cfg), items)
    remote = []
    for chunk in (None, 7):
        idx = DedupIndex(cfg.model_copy(update={"index": "partitioned", "partitions": partitions}))
        try:
            remote.append(answers(idx, items, chunk))
        finally:
            idx.close()
    assert remote[0] == remote[1]
    return local, remote[0]


def test_same_answers_on_the_benchmark_s_hard_cases(ray_session):
    texts, planted, hardest = corpus(600, 0.25, seed=3)
    assert hardest > 0.5  # the negatives really are hard: one template, different numbers
    cfg = DedupConfig(exact=False)  # every row goes through the near index
    hasher = DedupIndex(cfg)
    items = [hasher.signature(t) for t in texts]
    local, remote = both(cfg, items)
    assert local == remote
    assert {i for i, a in enumerate(local) if a is not None} >= planted  # it does find the copies


def test_same_answers_at_the_threshold(ray_session):
    # Signatures that agree with a base row on a set share of positions, around the threshold (and
    # the LSH margin below it): confirmation decides, and must decide the same way.
    rng = np.random.default_rng(7)
    cfg = DedupConfig(exact=False, threshold=0.85, num_perm=128)
    bases = [rng.integers(0, 2**32, 128, dtype=np.uint32) for _ in range(40)]
    sigs = list(bases)
    for _ in range(400):
        base = bases[rng.integers(len(bases))]
        share = rng.choice([0.66, 0.70, 0.78, 0.83, 0.84, 0.85, 0.86, 0.9, 1.0])
        sig = base.copy()
        flip = rng.choice(128, size=128 - int(round(share * 128)), replace=False)
        sig[flip] = rng.integers(0, 2**32, len(flip), dtype=np.uint32)
        sigs.append(sig)
    local, remote = both(cfg, keyed(sigs), partitions=4)
    assert local == remote
    found = sum(a is not None for a in local[40:])
    assert 0 < found < 400  # both sides of the threshold are present


def test_many_inserts_then_queries_cross_batches(ray_session):
    rng = np.random.default_rng(1)
    cfg = DedupConfig(exact=False, index="partitioned", partitions=2)
    idx = DedupIndex(cfg)
    try:
        n = INSERT_BATCH + 500
        sigs = rng.integers(0, 2**32, (n, cfg.num_perm), dtype=np.uint32)
        for i, s in enumerate(sigs):
            idx.add_signature(f"r{i}", i.to_bytes(8, "big"), s)
        for i in (0, INSERT_BATCH - 1, INSERT_BATCH, n - 1):
            assert idx.nearest(sigs[i]) == f"r{i}"
        memory = idx.remote.memory()
        assert [m["rows"] for m in memory] == [n, n]
        assert all(m["signature_bytes"] == n * cfg.num_perm * 4 for m in memory)
    finally:
        idx.close()


def test_a_lost_partition_is_rebuilt_and_the_answers_stay_the_same(ray_session):
    import ray

    texts, _, _ = corpus(300, 0.3, seed=5)
    cfg = DedupConfig(exact=False)
    items = [DedupIndex(cfg).signature(t) for t in texts]
    local = answers(DedupIndex(cfg), items)
    idx = DedupIndex(cfg.model_copy(update={"index": "partitioned", "partitions": 3}))
    try:
        got = answers(idx, items[:150], chunk=8)
        ray.kill(idx.remote.actors[1])  # as if its node were gone
        got += answers(idx, items[150:], chunk=8, first=150)
        assert got[:150] == local[:150] and got == local
        assert idx.remote.rebuilds == 1
        assert [m["rows"] for m in idx.remote.memory()] == [len(idx.remote.ids)] * 3
    finally:
        idx.close()


def test_a_group_that_keeps_dying_ends_the_run_with_one_line(ray_session, monkeypatch):
    import ray

    import factory.dedup.partitioned as partitioned

    monkeypatch.setattr(partitioned, "MAX_REBUILDS", 0)
    idx = DedupIndex(DedupConfig(index="partitioned", partitions=2))
    ray.kill(idx.remote.actors[1])
    with pytest.raises(WorkersLost, match="lost 1 times.*rerun the same command"):
        idx.check("a", "some text to check")
    idx.close()


def test_bands_are_datasketch_s():
    cfg = DedupConfig()
    bands = geometry(cfg, LSH_MARGIN)
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=cfg.threshold - LSH_MARGIN, num_perm=cfg.num_perm)
    assert bands == list(lsh.hashranges)


def test_a_group_refuses_inserts_out_of_order():
    g = BandGroup([(0, 4)], 8, 0.5)
    g.insert_many(0, np.zeros((2, 8), dtype=np.uint32))
    with pytest.raises(RuntimeError, match="out of step"):
        g.insert_many(5, np.zeros((1, 8), dtype=np.uint32))


def test_placement_is_not_part_of_the_run():
    a = RunConfig(pipeline="math")
    b = RunConfig.model_validate({"pipeline": "math", "dedup": {"index": "partitioned", "partitions": 8,
                                                                "partition_resources": {"mem": 1}}})
    assert config_sha(a) == config_sha(b)
    assert config_sha(a) != config_sha(RunConfig.model_validate({"pipeline": "math", "dedup": {"threshold": 0.8}}))


def test_partitioned_needs_the_ray_executor():
    with pytest.raises(ValueError, match="needs runner.executor ray"):
        RunConfig.model_validate({"pipeline": "math", "runner": {"executor": "inline"},
                                  "dedup": {"index": "partitioned"}})


def test_a_copy_within_one_prefetched_chunk_is_found(ray_session):
    rng = np.random.default_rng(2)
    cfg = DedupConfig(exact=False)
    a = rng.integers(0, 2**32, cfg.num_perm, dtype=np.uint32)
    near = a.copy()
    near[:5] = 1  # 123/128 agree
    other = rng.integers(0, 2**32, cfg.num_perm, dtype=np.uint32)
    local, remote = both(cfg, keyed([other, a, near, a]), partitions=2)
    assert local == remote == [None, None, "1", "1"]
