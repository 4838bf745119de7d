"""factory.shards.integrity: a committed file against its manifest record — each kind of damage named."""

from __future__ import annotations

import pyarrow as pa

from factory.manifest import Commit, ShardFile
from factory.shards.integrity import check_commit, check_file
from factory.shards.writer import write_shard
from factory.trajectory import Usage


def shard(tmp_path, rel="accepted/part-00000.parquet", rows=3) -> ShardFile:
    w = write_shard(pa.table({"x": list(range(rows))}), tmp_path, rel, row_group_rows=10, compression="zstd")
    return ShardFile(path=w.path, rows=w.rows, bytes=w.bytes, sha256=w.sha256)


def test_an_intact_shard_passes(tmp_path):
    assert check_file(tmp_path, shard(tmp_path)) is None


def test_missing_truncated_flipped_and_miscounted_are_each_named(tmp_path):
    s = shard(tmp_path)
    f = tmp_path / s.path
    data = f.read_bytes()
    f.write_bytes(data[:-5])
    assert "truncated" in check_file(tmp_path, s)
    f.write_bytes(data[:10] + bytes([data[10] ^ 0xFF]) + data[11:])
    assert "sha256 differs" in check_file(tmp_path, s)
    assert check_file(tmp_path, s, hash_bytes=False) is None  # the cheap check does not read the bytes
    f.write_bytes(data)
    assert "rows, the manifest says 4" in check_file(tmp_path, s.model_copy(update={"rows": 4}))
    f.unlink()
    assert check_file(tmp_path, s).startswith("missing")


def test_check_commit_lists_damage_per_side_and_sidecars_are_derived(tmp_path):
    acc, sig = shard(tmp_path), shard(tmp_path, "signatures/part-00000.parquet", 3)
    c = Commit(seq=0, accepted=acc, rejected=None, signatures=sig, chunk_ids=["c"], task_ids=["t"], usage=Usage(),
               committed_at=1.0)
    assert check_commit(tmp_path, c) == []
    (tmp_path / sig.path).unlink()
    (damage,) = check_commit(tmp_path, c)
    assert damage.side == "signatures" and damage.derived and damage.line().startswith(sig.path)
