"""factory.manifest: what is committed, written atomically, read strictly, orphans cleared."""

from __future__ import annotations

import pytest

from factory.errors import UserError
from factory.manifest import Commit, Manifest, ShardFile, load_manifest, remove_orphans, save_manifest
from factory.trajectory import Usage


def commit(seq: int, with_rejected: bool = True) -> Commit:
    return Commit(seq=seq, accepted=ShardFile(path=f"accepted/part-{seq:05d}.parquet", rows=2, bytes=10, sha256="a"),
                  rejected=ShardFile(path=f"rejected/part-{seq:05d}.parquet", rows=1, bytes=9, sha256="b")
                  if with_rejected else None,
                  chunk_ids=[f"chunk-{seq}"], task_ids=[f"t-{seq}"], usage=Usage(), committed_at=1.0)


def test_save_then_load_round_trips_and_leaves_no_temp_file(tmp_path):
    m = Manifest(run_id="r", pipeline="toy", config_sha256="c", commits=[commit(0), commit(1, False)])
    save_manifest(tmp_path, m)
    assert load_manifest(tmp_path) == m and [p.name for p in tmp_path.iterdir()] == ["manifest.json"]
    assert m.next_seq() == 2 and m.committed_chunks() == {"chunk-0", "chunk-1"}
    assert [s.path for s in m.shards("rejected")] == ["rejected/part-00000.parquet"]
    assert len(m.shard_paths()) == 3


def test_no_manifest_is_none_and_a_damaged_one_is_one_line(tmp_path):
    assert load_manifest(tmp_path) is None
    (tmp_path / "manifest.json").write_text('{"run_id": "r", "pipeline": ')
    with pytest.raises(UserError) as e:
        load_manifest(tmp_path)
    assert "not a valid manifest" in str(e.value) and "\n" not in str(e.value)


def test_an_unknown_field_in_a_manifest_is_refused(tmp_path):
    (tmp_path / "manifest.json").write_text('{"run_id": "r", "pipeline": "toy", "config_sha256": "c", "comits": []}')
    with pytest.raises(UserError):
        load_manifest(tmp_path)


def test_a_failed_save_keeps_the_old_manifest(tmp_path, monkeypatch):
    old = Manifest(run_id="r", pipeline="toy", config_sha256="c")
    save_manifest(tmp_path, old)

    def boom(*a):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("factory.manifest.os.replace", boom)
    with pytest.raises(OSError):
        save_manifest(tmp_path, old.model_copy(update={"commits": [commit(0)]}))
    assert load_manifest(tmp_path) == old and not (tmp_path / "manifest.json.tmp").exists()


def test_remove_orphans_deletes_uncommitted_shards_and_staging_only(tmp_path):
    m = Manifest(run_id="r", pipeline="toy", config_sha256="c", commits=[commit(0)])
    for rel in ("accepted/part-00000.parquet", "rejected/part-00000.parquet", "accepted/part-00001.parquet",
                "staging/part-00001.parquet.tmp"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    assert sorted(remove_orphans(tmp_path, m)) == ["accepted/part-00001.parquet", "staging/part-00001.parquet.tmp"]
    assert (tmp_path / "accepted/part-00000.parquet").exists() and (tmp_path / "rejected/part-00000.parquet").exists()
