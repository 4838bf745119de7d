"""Every random choice is seeded from (run seed, task id) so that a run replays exactly."""

import hashlib
import random


def derive_seed(run_seed: int, *parts: object) -> int:
    """A stable 63-bit seed from the run seed and any labels (task id, attempt, purpose)."""
    h = hashlib.blake2b(digest_size=8)
    h.update(str(run_seed).encode())
    for p in parts:
        h.update(b"\x1f")
        h.update(str(p).encode())
    return int.from_bytes(h.digest(), "big") & ((1 << 63) - 1)


def rng_for(run_seed: int, *parts: object) -> random.Random:
    return random.Random(derive_seed(run_seed, *parts))
