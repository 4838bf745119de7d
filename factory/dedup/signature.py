"""Dedup signatures: computed by the workers next to the rows (hashing text is the expensive part
of dedup, and workers scale out), committed with their shard as a sidecar Parquet file whose sha256
is in the manifest, and read back on resume or by a `dedup.against` run to rebuild the index
without re-hashing any text. The sidecar records the settings its signatures were made with; a
sidecar made with other settings (or damaged) is not used: those rows are hashed from their text."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from factory.config import DedupConfig
from factory.dedup.index import DEDUP_KEY, MinHasher, dedup_text, exact_key
from factory.trajectory import Trajectory

# What makes two signatures comparable. Bump SCHEME when the text→signature function changes.
SCHEME = "blake2b16+minhash-affine32-seed1"
_META = b"trajectory_factory.dedup"


@dataclass
class Signature:
    exact: bytes  # blake2b-16 of the normalised text
    minhash: np.ndarray | None  # uint32[num_perm]; None when near-dedup is off
    key: str | None = None  # the pipeline's own exact key (meta.dedup_key)


def params(cfg: DedupConfig) -> dict[str, object]:
    return {"scheme": SCHEME, "num_perm": cfg.num_perm if cfg.near else 0, "shingle_size": cfg.shingle_size,
            "roles": list(cfg.roles)}


class Signer:
    """Turns rows into signatures (in a worker); one per worker, its permutations computed once."""

    def __init__(self, cfg: DedupConfig):
        self.cfg = cfg
        self.hasher = MinHasher(cfg.num_perm, cfg.shingle_size) if cfg.near else None

    def sign(self, t: Trajectory) -> Signature:
        text = dedup_text(t, self.cfg.roles)
        mh = self.hasher.hash(text).hashvalues.astype(np.uint32) if self.hasher is not None else None
        key = t.meta.get(DEDUP_KEY)
        return Signature(exact_key(text), mh, str(key) if key else None)


def to_table(ids: list[str], sigs: list[Signature], cfg: DedupConfig) -> pa.Table:
    width = 4 * cfg.num_perm if cfg.near else 1
    mh = [s.minhash.astype("<u4").tobytes() if s.minhash is not None else None for s in sigs]
    schema = pa.schema([("id", pa.string()), ("exact", pa.binary(16)), ("minhash", pa.binary(width)),
                        ("key", pa.string())], metadata={_META: json.dumps(params(cfg)).encode()})
    return pa.table([pa.array(ids), pa.array([s.exact for s in sigs], pa.binary(16)),
                     pa.array(mh, pa.binary(width)), pa.array([s.key for s in sigs], pa.string())], schema=schema)


def read(path: Path, cfg: DedupConfig, sha256: str) -> Iterator[tuple[str, Signature]] | None:
    """The signatures of one sidecar, or None when it cannot be used as is (missing, damaged, or
    made with other dedup settings): the caller then hashes those rows from their text."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    table = pq.read_table(pa.BufferReader(data))
    meta = json.loads((table.schema.metadata or {}).get(_META, b"{}"))
    if meta != params(cfg):
        return None
    return _rows(table)


def _rows(table: pa.Table) -> Iterator[tuple[str, Signature]]:
    ids = table.column("id").to_pylist()
    exact = table.column("exact").to_pylist()
    keys = table.column("key").to_pylist()
    mh = table.column("minhash")
    # One buffer → one uint32 matrix: no per-row Python parsing of the hash values.
    if mh.null_count == 0 and len(ids) and len(mh.chunks[0].buffers()) > 0:
        raw = b"".join(c.buffers()[1].to_pybytes()[c.offset * c.type.byte_width:(c.offset + len(c)) * c.type.byte_width]
                       for c in mh.chunks)
        matrix = np.frombuffer(raw, dtype="<u4").reshape(len(ids), -1) if mh.type.byte_width > 1 else None
    else:
        matrix = None
    for i, row_id in enumerate(ids):
        yield row_id, Signature(exact[i], matrix[i] if matrix is not None else None, keys[i])
