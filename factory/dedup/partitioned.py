"""A near-duplicate index spread over Ray actors, one per group of LSH bands, for runs whose index
outgrows the driver's memory (`dedup.index: partitioned`).

The bands are datasketch's for the same threshold and permutations (`MinHashLSH(...).b, .r`), and
a candidate is what MinHashLSH would propose: a row sharing all values of some band. Each actor
holds its bands' tables and a copy of every signature, so it confirms its own candidates (estimated
Jaccard >= threshold) in the same call: one round trip per query, and the answer — the earliest
confirmed row — is the in-memory index's. The driver keeps the row ids and the signatures (512 bytes
a row at 128 permutations, not the ~5 KB of LSH tables), so an actor lost with its node is rebuilt
from them in place and the run goes on. The actors' state is built, like the in-memory index, from
manifest-listed signatures at every start."""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np

from factory.config import DedupConfig
from factory.dedup.matrix import SignatureRows
from factory.errors import UserError, WorkersLost, plain_error

INSERT_BATCH = 4096  # signatures per insert call: one object in Ray's store, not one call per row
# Lost band groups rebuilt in one run before it gives up (a node that keeps dying is not a blip).
MAX_REBUILDS = 8
log = logging.getLogger(__name__)


def geometry(cfg: DedupConfig, lsh_margin: float) -> list[tuple[int, int]]:
    """The (start, end) of each LSH band, as datasketch chooses them for this index."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=max(0.05, cfg.threshold - lsh_margin), num_perm=cfg.num_perm)
    return [(i * lsh.r, (i + 1) * lsh.r) for i in range(lsh.b)]


class BandGroup:
    """One actor's share: tables for some bands, every signature (row number → uint32[num_perm])."""

    def __init__(self, bands: list[tuple[int, int]], num_perm: int, threshold: float):
        self.bands, self.threshold = bands, threshold
        self.tables: list[dict[int, Any]] = [{} for _ in bands]
        self.sigs = SignatureRows(num_perm)

    def _keys(self, sig: np.ndarray) -> list[int]:
        # hash() of the band's bytes: a collision only adds a candidate, which confirmation rejects
        return [hash(sig[s:e].tobytes()) for s, e in self.bands]

    def insert_many(self, start: int, sigs: np.ndarray) -> int:
        if start != len(self.sigs):  # inserts arrive in order from one caller; anything else is a bug
            raise RuntimeError(f"band group out of step: has {len(self.sigs)} rows, got a batch starting at {start}")
        self.sigs.extend(sigs)
        for i, sig in enumerate(sigs, start=start):
            for table, key in zip(self.tables, self._keys(sig), strict=False):
                old = table.get(key)
                if old is None:
                    table[key] = i  # most keys hold one row: an int, not a list
                elif isinstance(old, list):
                    old.append(i)
                else:
                    table[key] = [old, i]
        return len(self.sigs)

    def nearest(self, sig: np.ndarray) -> int | None:
        """The lowest row number among this group's candidates whose estimated Jaccard reaches the threshold."""
        cands: set[int] = set()
        for table, key in zip(self.tables, self._keys(sig), strict=False):
            hit = table.get(key)
            if hit is not None:
                cands.update(hit if isinstance(hit, list) else (hit,))
        return self.sigs.first_similar(np.fromiter(cands, dtype=np.int64, count=len(cands)), sig, self.threshold)

    def nearest_many(self, sigs: np.ndarray) -> list[int | None]:
        return [self.nearest(sig) for sig in sigs]

    def memory(self) -> dict[str, Any]:
        import psutil
        import ray

        return {"rows": len(self.sigs), "rss_bytes": psutil.Process(os.getpid()).memory_info().rss, "pid": os.getpid(),
                "node": ray.get_runtime_context().get_node_id(), "signature_bytes": self.sigs.nbytes}


def _collide(a: np.ndarray, b: np.ndarray, bands: list[tuple[int, int]]) -> bool:
    return any(np.array_equal(a[s:e], b[s:e]) for s, e in bands)


class PartitionedNear:
    """The driver's side: row ids by number, batched inserts, queries fanned out to every group.
    `prefetch` asks about a chunk's rows in one round trip; rows added after it (the chunk's own
    earlier rows) are compared here, by the same band rule, so the answers stay sequential ones."""

    def __init__(self, cfg: DedupConfig, lsh_margin: float):
        import ray

        if not ray.is_initialized():
            raise UserError("dedup.index 'partitioned' keeps its index in Ray actors: run with runner.executor ray")
        bands = self.bands = geometry(cfg, lsh_margin)
        self.cfg, self.threshold = cfg, cfg.threshold
        self.groups = [bands[g::cfg.partitions] for g in range(min(cfg.partitions, len(bands)))]
        self.actors = [self._spawn(g) for g in self.groups]
        self.ids: list[str] = []
        self.sigs = SignatureRows(cfg.num_perm)  # every row's, for rebuilding a lost group
        self.pending: list[np.ndarray] = []
        self.sent = 0
        self.inflight: list[tuple[int, Any, Any]] = []  # (group, actor handle, insert ref)
        self.rebuilds = 0
        self.prefetched: dict[str, int | None] = {}
        self.recent: list[tuple[int, np.ndarray]] = []  # added since the last prefetch

    def _spawn(self, bands: list[tuple[int, int]]) -> Any:
        import ray

        actor = ray.remote(BandGroup).options(num_cpus=0, resources=self.cfg.partition_resources or None,
                                              max_restarts=0)
        return actor.remote(bands, self.cfg.num_perm, self.cfg.threshold)

    def _rebuild(self, i: int, dead: Any, why: BaseException) -> None:
        """Replace group i's actor (lost with its node, or crashed) and refill it with every row sent."""
        import ray

        if self.actors[i] is not dead:
            return  # already replaced: this was another of the dead actor's calls failing
        self.rebuilds += 1
        if self.rebuilds > MAX_REBUILDS:
            raise WorkersLost(f"dedup index partitions were lost {self.rebuilds} times ({plain_error(why)}); committed "
                              "shards are intact — rerun the same command once the cluster is stable") from None
        log.warning("dedup index partition %d lost (%s); rebuilding it from the driver's %d signatures", i,
                    plain_error(why), self.sent)
        ray.kill(dead)
        actor = self.actors[i] = self._spawn(self.groups[i])
        refs = [actor.insert_many.remote(start, self.sigs.data[start:min(start + INSERT_BATCH, self.sent)])
                for start in range(0, self.sent, INSERT_BATCH)]
        self._settle([(i, actor, r) for r in refs])

    def _settle(self, calls: list[tuple[int, Any, Any]]) -> None:
        """Wait for inserts on group actors; a lost actor is rebuilt with every row sent, theirs included."""
        import ray

        for i, actor, ref in calls:
            try:
                ray.get(ref)
            except ray.exceptions.RayActorError as e:
                self._rebuild(i, actor, e)

    def _fanout(self, method: str, *args: Any) -> list[Any]:
        """One call per group, made again on a rebuilt actor if its first one died with the old."""
        import ray

        results: list[Any] = [None] * len(self.actors)
        todo = list(range(len(self.actors)))
        while todo:
            calls = [(i, self.actors[i], getattr(self.actors[i], method).remote(*args)) for i in todo]
            todo = []
            for i, actor, ref in calls:
                try:
                    results[i] = ray.get(ref)
                except ray.exceptions.RayActorError as e:
                    self._rebuild(i, actor, e)
                    todo.append(i)
        return results

    def add(self, row_id: str, sig: np.ndarray) -> None:
        sig = np.ascontiguousarray(sig, dtype=np.uint32)
        if self.prefetched:
            self.recent.append((len(self.ids), sig))
        self.ids.append(row_id)
        self.sigs.extend(sig[None, :])
        self.pending.append(sig)
        if len(self.pending) >= INSERT_BATCH:
            self.flush()

    def flush(self) -> None:
        import ray

        if self.pending:
            batch = ray.put(np.stack(self.pending))
            self.inflight += [(i, a, a.insert_many.remote(self.sent, batch)) for i, a in enumerate(self.actors)]
            self.sent += len(self.pending)
            self.pending = []
        if not self.inflight:
            return
        # Keep a bounded number of batches in flight, and meet a lost group early (it is rebuilt
        # from every row sent, this batch included).
        refs = [r for _, _, r in self.inflight]
        ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
        over = len(refs) - 4 * len(self.actors)
        if over > len(ready):
            ready, _ = ray.wait(refs, num_returns=over)
        done = set(ready)
        self._settle([c for c in self.inflight if c[2] in done])
        self.inflight = [c for c in self.inflight if c[2] not in done]

    def prefetch(self, items: list[tuple[str, np.ndarray]]) -> None:
        """Query these rows against everything indexed so far, all actors at once."""
        self.flush()
        self.prefetched, self.recent = {}, []
        if not items:
            return
        batch = np.stack([np.asarray(sig, dtype=np.uint32) for _, sig in items])
        per_actor = self._fanout("nearest_many", batch)
        for j, (key, _) in enumerate(items):
            hits = [r[j] for r in per_actor if r[j] is not None]
            self.prefetched[key] = min(hits) if hits else None

    def nearest(self, sig: np.ndarray, key: str | None = None) -> str | None:
        if key is not None and key in self.prefetched:
            hit = self.prefetched.pop(key)
            if hit is not None:  # an indexed row: earlier than any row added since the prefetch
                return self.ids[hit]
            for n, other in self.recent:  # in insertion order: the first confirmed one is the earliest
                if _collide(sig, other, self.bands) and np.count_nonzero(sig == other) / len(sig) >= self.threshold:
                    return self.ids[n]
            return None
        self.flush()  # an actor runs one caller's calls in order: the query sees every earlier insert
        hits = [h for h in self._fanout("nearest", sig) if h is not None]
        return self.ids[min(hits)] if hits else None

    def memory(self) -> list[dict[str, Any]]:
        self.flush()
        return self._fanout("memory")

    def close(self) -> None:
        import ray

        for a in self.actors:
            ray.kill(a)
        self.actors = []
