"""Dedup signatures: made by the worker, committed beside the accepted shard (sha256 in the
manifest), and the only thing a restart or a `dedup.against` run reads to rebuild the index — with
the same answers as hashing the text, and the text as the fallback when a sidecar cannot be trusted."""

from __future__ import annotations

import logging
import random

import pytest

from factory.dedup.signature import Signer
from factory.manifest import load_manifest
from factory.runner.committer import Committer, build_index
from factory.runner.rundir import open_run_dir
from factory.shards.writer import sha256_file
from tests.factory.runner.test_committer import VIEW, cfg, result, row

VOCAB = [f"w{i}" for i in range(2000)]


def text(n: int) -> str:
    return " ".join(random.Random(n).choices(VOCAB, k=80))


def near(n: int) -> str:
    """Row t{n}'s dedup text (its user turn, then the answer) with the last word changed."""
    words = text(n).split()
    words[-1] = "changed"
    return f"question t{n}\n" + " ".join(words)


def commit_rows(c, texts):
    run_dir, manifest = open_run_dir(c, VIEW)
    com = Committer(c, run_dir, manifest, VIEW)
    signer = Signer(c.dedup)
    for i, text in enumerate(texts):
        rows = [row(f"t{i}", text)]
        com.add(result(f"chunk-t{i}", rows).__class__(f"chunk-t{i}", [f"t{i}"], rows, rows[0].usage, 0.1,
                                                      signatures={r.id: signer.sign(r) for r in rows}))
        if i % 3 == 2:
            com.flush()
    com.flush()
    return run_dir


@pytest.fixture
def near_cfg(tmp_path):
    return lambda name="s", **over: cfg(tmp_path, name=name, dedup={"near": True, **over})


def texts(n):
    return [text(i) for i in range(n)]


def test_signatures_are_committed_with_their_shard(near_cfg):
    run_dir = commit_rows(near_cfg(), texts(7))
    m = load_manifest(run_dir)
    for commit in m.commits:
        assert commit.signatures.rows == commit.accepted.rows
        assert sha256_file(run_dir / commit.signatures.path) == commit.signatures.sha256


def test_restart_rebuilds_from_signatures_with_the_answers_of_rehashing(near_cfg, monkeypatch, caplog):
    c = near_cfg()
    run_dir = commit_rows(c, texts(7))
    m = load_manifest(run_dir)
    rehashed, _ = build_index(c, run_dir, m.model_copy(update={"commits": [
        x.model_copy(update={"signatures": None}) for x in m.commits]}))

    def no_hashing(*a, **k):
        raise AssertionError("text was hashed although signatures were stored")

    monkeypatch.setattr(Signer, "sign", no_hashing)
    with caplog.at_level(logging.INFO, "factory.runner.committer"):
        stored, _ = build_index(c, run_dir, m)
    assert "7 rows from stored signatures, 0 hashed from text" in caplog.text
    assert stored.exact == rehashed.exact and stored.rownum.keys() == rehashed.rownum.keys()
    assert all((stored.signature_of(k) == rehashed.signature_of(k)).all() for k in stored.rownum)
    monkeypatch.undo()
    for idx in (stored, rehashed):
        assert idx.check("q1", near(3)) is not None and idx.check("q2", text(99)) is None


def test_a_tampered_or_foreign_sidecar_falls_back_to_the_text(near_cfg, caplog):
    c = near_cfg()
    run_dir = commit_rows(c, texts(4))
    m = load_manifest(run_dir)
    side = run_dir / m.commits[0].signatures.path
    data = bytearray(side.read_bytes())
    data[len(data) // 2] ^= 0xFF
    side.write_bytes(bytes(data))
    with caplog.at_level(logging.INFO, "factory.runner.committer"):
        idx, _ = build_index(c, run_dir, m)
    assert "unusable" in caplog.text and "1 rows from stored signatures, 3 hashed from text" in caplog.text
    assert idx.check("q", near(0)) is not None  # the tampered shard's row is still indexed
    # an earlier run made with other settings: its rows are hashed again with this run's settings
    other = near_cfg(name="o", num_perm=64, against=[str(run_dir)])
    caplog.clear()
    with caplog.at_level(logging.INFO, "factory.runner.committer"):
        run2, m2 = open_run_dir(other, VIEW)
        idx2, foreign = build_index(other, run2, m2)
    assert "0 rows from stored signatures, 4 hashed from text" in caplog.text and len(foreign) == 4
    assert idx2.check("q", near(2)) in foreign


def test_an_uncommitted_sidecar_is_removed_on_restart(near_cfg):
    c = near_cfg()
    run_dir = commit_rows(c, texts(2))
    stray = run_dir / "signatures" / "part-00042.parquet"
    stray.write_bytes(b"written, never committed")
    open_run_dir(c, VIEW)
    assert not stray.exists()
