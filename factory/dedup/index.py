"""Exact (normalised-text hash) then near-duplicate (MinHash LSH, datasketch) dedup. The index is
derived from committed shards, so after a crash it holds exactly what the manifest holds."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from datasketch import MinHash, MinHashLSH

from factory.config import DedupConfig

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+", re.U)


def normalise(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def exact_key(text: str) -> bytes:
    return hashlib.blake2b(normalise(text).encode(), digest_size=16).digest()


def shingles(text: str, size: int) -> set[bytes]:
    words = _WORD.findall(normalise(text))
    if len(words) < size:
        return {" ".join(words).encode()}
    return {" ".join(words[i:i + size]).encode() for i in range(len(words) - size + 1)}


class DedupIndex:
    def __init__(self, cfg: DedupConfig):
        self.cfg = cfg
        self.exact: dict[bytes, str] = {}
        self.lsh = MinHashLSH(threshold=cfg.threshold, num_perm=cfg.num_perm) if cfg.near else None
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
            hits = self.lsh.query(mh)
            if hits:
                return min(hits)
        self.add(row_id, text, key, mh)
        return None

    def add(self, row_id: str, text: str, key: bytes | None = None, mh: MinHash | None = None) -> None:
        key = key or exact_key(text)
        if key in self.exact:
            return
        self.exact[key] = row_id
        if self.lsh is not None and row_id not in self.lsh:
            self.lsh.insert(row_id, mh or self.minhash(text))
