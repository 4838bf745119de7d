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
from factory.schema import Trajectory

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
    def __init__(self, cfg: DedupConfig):
        self.cfg = cfg
        self.exact: dict[bytes, str] = {}
        self.sigs: dict[str, np.ndarray] = {}  # uint32[num_perm] per indexed row
        self.order: dict[str, int] = {}  # insertion order: a duplicate points at the earliest match
        self.keys: dict[str, str] = {}  # the pipelines' own exact keys (DEDUP_KEY)
        self.lsh = (MinHashLSH(threshold=max(0.05, cfg.threshold - LSH_MARGIN), num_perm=cfg.num_perm)
                    if cfg.near else None)
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
        if self.lsh is not None and minhash is not None:
            near = self.nearest(minhash)
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

    def nearest(self, minhash: np.ndarray) -> str | None:
        """The earliest-added indexed row whose estimated Jaccard with `minhash` reaches the threshold."""
        assert self.lsh is not None
        confirmed = [h for h in self.lsh.query(_Bands(minhash))
                     if np.count_nonzero(self.sigs[h] == minhash) / len(minhash) >= self.cfg.threshold]
        return min(confirmed, key=self.order.__getitem__) if confirmed else None

    def add(self, row_id: str, text: str) -> None:
        self.add_signature(row_id, *self.signature(text))

    def add_signature(self, row_id: str, exact: bytes, minhash: np.ndarray | None) -> None:
        if exact in self.exact:
            return
        self.exact[exact] = row_id
        self.order.setdefault(row_id, len(self.order))
        if self.lsh is not None and minhash is not None and row_id not in self.sigs:
            self.sigs[row_id] = np.ascontiguousarray(minhash, dtype=np.uint32)
            self.lsh.insert(row_id, _Bands(minhash))
