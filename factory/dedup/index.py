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


class DedupIndex:
    def __init__(self, cfg: DedupConfig):
        self.cfg = cfg
        self.exact: dict[bytes, str] = {}
        self.sigs: dict[str, MinHash] = {}
        self.order: dict[str, int] = {}  # insertion order: a duplicate points at the earliest match
        self.keys: dict[str, str] = {}  # the pipelines' own exact keys (DEDUP_KEY)
        self.lsh = (MinHashLSH(threshold=max(0.05, cfg.threshold - LSH_MARGIN), num_perm=cfg.num_perm)
                    if cfg.near else None)
        self._perm = MinHash(num_perm=cfg.num_perm, seed=1, scheme="affine32")  # permutations computed once

    def __len__(self) -> int:
        return len(self.exact)

    def minhash(self, text: str) -> MinHash:
        m = MinHash(num_perm=self.cfg.num_perm, seed=1, scheme="affine32", permutations=self._perm.permutations)
        m.update_batch(list(shingles(text, self.cfg.shingle_size)))
        return m

    def check(self, row_id: str, text: str) -> str | None:
        """The id this text duplicates, or None; a unique text is added to the index."""
        key = exact_key(text)
        if self.cfg.exact and key in self.exact:
            return self.exact[key]
        mh = None
        if self.lsh is not None:
            mh = self.minhash(text)
            near = self.nearest(mh)
            if near is not None:
                return near
        self.add(row_id, text, key, mh)
        return None

    def check_key(self, row_id: str, key: str) -> str | None:
        """The id of an earlier row with the same pipeline key, or None (and the key is recorded)."""
        if key in self.keys:
            return self.keys[key]
        self.keys[key] = row_id
        return None

    def nearest(self, mh: MinHash) -> str | None:
        """The earliest-added indexed row whose estimated Jaccard with `mh` reaches the threshold."""
        assert self.lsh is not None
        confirmed = [h for h in self.lsh.query(mh) if mh.jaccard(self.sigs[h]) >= self.cfg.threshold]
        return min(confirmed, key=self.order.__getitem__) if confirmed else None

    def add(self, row_id: str, text: str, key: bytes | None = None, mh: MinHash | None = None) -> None:
        key = key or exact_key(text)
        if key in self.exact:
            return
        self.exact[key] = row_id
        self.order.setdefault(row_id, len(self.order))
        if self.lsh is not None and row_id not in self.sigs:
            mh = mh or self.minhash(text)
            self.sigs[row_id] = mh
            self.lsh.insert(row_id, mh)
