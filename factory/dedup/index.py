"""Exact (normalised-text hash) then near-duplicate (MinHash LSH, datasketch) dedup, on what varies
between rows: the dedup text leaves out the system prompt and tool schemas, which every row of a
pipeline module shares (they made distinct problems look 0.83–0.93 similar). LSH only proposes
candidates: each is confirmed by its estimated Jaccard against the threshold before a row is called
a duplicate, and the LSH bands are set below the threshold so that near pairs are not missed. The
index is derived from committed shards, so after a crash it holds exactly what the manifest holds."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

import numpy as np
from datasketch import MinHash, MinHashLSH

from factory.config import DedupConfig
from factory.dedup.matrix import SignatureRows
from factory.trajectory import Trajectory

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.U)
# LSH proposes pairs from this far below the threshold: candidates are confirmed afterwards, so a
# wider net costs a few Jaccard estimates and buys recall at the threshold (bench/dedup.py measures).
LSH_MARGIN = 0.15
# A pipeline may put an exact key of its own in this meta field (e.g. task + normalised final patch):
# accepted rows with the same key are duplicates, whatever their text says.
DEDUP_KEY = "dedup_key"


def normalise(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def exact_key(text: str) -> bytes:
    return hashlib.blake2b(normalise(text).encode(), digest_size=16).digest()


def shingles(text: str, size: int) -> set[bytes]:
    words = _WORD.findall(normalise(text))
    if len(words) < size:
        return {" ".join(words).encode()}
    return {" ".join(words[i:i + size]).encode() for i in range(len(words) - size + 1)}


def dedup_text(t: Trajectory, roles: Iterable[str]) -> str:
    """The content dedup compares: messages of `roles` (their text and tool calls), in order."""
    keep = set(roles)
    parts = []
    for m in t.messages:
        if m.role in keep:
            parts.append(m.content)
            parts.extend(f"{c.name} {c.arguments}" for c in m.tool_calls)
    return "\n".join(parts)


class MinHasher:
    """Text → MinHash over word shingles; the permutations are computed once per hasher."""

    def __init__(self, num_perm: int, shingle_size: int):
        self.num_perm, self.shingle_size = num_perm, shingle_size
        self._perm = MinHash(num_perm=num_perm, seed=1, scheme="affine32")

    def hash(self, text: str) -> MinHash:
        m = MinHash(num_perm=self.num_perm, seed=1, scheme="affine32", permutations=self._perm.permutations)
        m.update_batch(list(shingles(text, self.shingle_size)))
        return m


class _Bands:
    """What MinHashLSH reads of a signature (its values and length), without a MinHash object per
    row: the index keeps each row's signature as 4 bytes per permutation."""

    __slots__ = ("hashvalues",)

    def __init__(self, values: np.ndarray):
        self.hashvalues = values.astype(np.uint64)

    def __len__(self) -> int:
        return len(self.hashvalues)


class DedupIndex:
    """Exact keys and insertion order live here; near-duplicate state either here (datasketch's
    MinHashLSH and the signatures) or, with `dedup.index: partitioned`, in Ray actors that give the
    same answers (`partitioned.py`)."""

    def __init__(self, cfg: DedupConfig):
        self.cfg = cfg
        self.exact: dict[bytes, str] = {}
        # in-memory near index: signatures by row number (insertion order, so a duplicate points at the
        # earliest match), the number of each row id, the id of each number
        self.sigs: SignatureRows | None = None
        self.rownum: dict[str, int] = {}
        self.near_ids: list[str] = []
        self.keys: dict[str, str] = {}  # the pipelines' own exact keys (DEDUP_KEY)
        self.lsh: MinHashLSH | None = None
        self.remote = None
        if cfg.near and cfg.index == "partitioned":
            from factory.dedup.partitioned import PartitionedNear

            self.remote = PartitionedNear(cfg, LSH_MARGIN)
        elif cfg.near:
            self.lsh = MinHashLSH(threshold=max(0.05, cfg.threshold - LSH_MARGIN), num_perm=cfg.num_perm)
            self.sigs = SignatureRows(cfg.num_perm)
        self.hasher = MinHasher(cfg.num_perm, cfg.shingle_size) if cfg.near else None

    def __len__(self) -> int:
        return len(self.exact)

    def signature(self, text: str) -> tuple[bytes, np.ndarray | None]:
        mh = self.hasher.hash(text).hashvalues.astype(np.uint32) if self.hasher is not None else None
        return exact_key(text), mh

    def check(self, row_id: str, text: str) -> str | None:
        """The id this text duplicates, or None; a unique text is added to the index."""
        return self.check_signature(row_id, *self.signature(text))

    def check_signature(self, row_id: str, exact: bytes, minhash: np.ndarray | None) -> str | None:
        """As `check`, from a signature computed elsewhere (a worker, a sidecar)."""
        if self.cfg.exact and exact in self.exact:
            return self.exact[exact]
        if (self.lsh is not None or self.remote is not None) and minhash is not None:
            near = self.nearest(minhash, row_id)
            if near is not None:
                return near
        self.add_signature(row_id, exact, minhash)
        return None

    def check_key(self, row_id: str, key: str) -> str | None:
        """The id of an earlier row with the same pipeline key, or None (and the key is recorded)."""
        if key in self.keys:
            return self.keys[key]
        self.keys[key] = row_id
        return None

    def prefetch(self, items: list[tuple[str, np.ndarray | None]]) -> None:
        """Rows about to be checked, in order: a partitioned index asks about them in one round trip."""
        if self.remote is not None:
            self.remote.prefetch([(k, m) for k, m in items if m is not None])

    def nearest(self, minhash: np.ndarray, row_id: str | None = None) -> str | None:
        """The earliest-added indexed row whose estimated Jaccard with `minhash` reaches the threshold."""
        if self.remote is not None:
            return self.remote.nearest(minhash, row_id)
        assert self.lsh is not None and self.sigs is not None
        cands = self.lsh.query(_Bands(minhash))  # row numbers: the LSH keys are the rows' numbers
        rows = np.fromiter(cands, dtype=np.int64, count=len(cands))
        # row numbers follow insertion order, so the lowest confirmed one is the earliest row
        hit = self.sigs.first_similar(rows, minhash, self.cfg.threshold)
        return None if hit is None else self.near_ids[hit]

    def signature_of(self, row_id: str) -> np.ndarray | None:
        """The stored signature of an indexed row (in-memory index)."""
        n = self.rownum.get(row_id)
        return None if n is None or self.sigs is None else self.sigs.data[n]

    def add(self, row_id: str, text: str) -> None:
        self.add_signature(row_id, *self.signature(text))

    def add_signature(self, row_id: str, exact: bytes, minhash: np.ndarray | None) -> None:
        if exact in self.exact:
            return
        self.exact[exact] = row_id
        if minhash is None:
            return
        if self.remote is not None:
            self.remote.add(row_id, minhash)
        elif self.lsh is not None and self.sigs is not None and row_id not in self.rownum:
            n = self.rownum[row_id] = self.sigs.extend(np.asarray(minhash, dtype=np.uint32)[None, :])
            self.near_ids.append(row_id)
            self.lsh.insert(n, _Bands(minhash))

    def close(self) -> None:
        if self.remote is not None:
            self.remote.close()
