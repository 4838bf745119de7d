"""Signatures kept as rows of one uint32 matrix (4 bytes per permutation, no object per row), so
that confirming thousands of LSH candidates is one vectorised comparison. Hard negatives — rows of
one template — make a query's candidates a sizeable share of the index: confirming them one by one
in Python was 88% of a check."""

from __future__ import annotations

import numpy as np


class SignatureRows:
    def __init__(self, num_perm: int, capacity: int = 1024):
        self.data = np.empty((capacity, num_perm), dtype=np.uint32)
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def extend(self, sigs: np.ndarray) -> int:
        """Append rows; returns the number of the first one."""
        start = self.n
        while self.n + len(sigs) > len(self.data):
            self.data = np.concatenate([self.data, np.empty_like(self.data)])
        self.data[self.n:self.n + len(sigs)] = sigs
        self.n += len(sigs)
        return start

    def first_similar(self, rows: np.ndarray, sig: np.ndarray, threshold: float) -> int | None:
        """The lowest of `rows` whose share of equal values with `sig` (the estimated Jaccard) reaches
        `threshold`."""
        if not len(rows):
            return None
        rows = np.sort(rows)
        same = np.count_nonzero(self.data[rows] == sig, axis=1) / sig.shape[0]
        ok = rows[same >= threshold]
        return int(ok[0]) if len(ok) else None

    @property
    def nbytes(self) -> int:
        return self.n * self.data.shape[1] * 4
