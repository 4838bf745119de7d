"""The shard writer (trajectories → Arrow → Parquet, fsync, sha256, atomic rename) against a bare
`pyarrow.parquet.write_table` of the same table; and read-back speed."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from bench.common import rate, series
from factory.config import ShardConfig
from factory.records import to_table
from factory.shards.writer import write_shard
from factory.trajectory import Message, ToolCall, Trajectory, Usage, Verdict


def trajectories(n: int, seed: int = 0) -> list[Trajectory]:
    """Rows shaped like math trajectories (system, user, 3 assistant turns, 2 tool results)."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(3000)]
    text = lambda k: " ".join(rng.choice(words) for _ in range(k))  # noqa: E731
    out = []
    for i in range(n):
        calls = [ToolCall(id=f"c{i}", name="python", arguments='{"code": "print(1)"}')]
        msgs = [Message(role="system", content=text(200)), Message(role="user", content=text(40)),
                Message(role="assistant", content=text(60), tool_calls=calls),
                Message(role="tool", content=text(10), tool_call_id=f"c{i}", name="python"),
                Message(role="assistant", content=text(60), tool_calls=calls),
                Message(role="tool", content=text(10), tool_call_id=f"c{i}", name="python"),
                Message(role="assistant", content=text(40) + " \\boxed{1}")]
        out.append(Trajectory(pipeline="math", task_id=f"t{i}", messages=msgs, meta={"ability": "x", "attempt": 0},
                              verdicts=[Verdict(verifier="answer", passed=True)], usage=Usage(completion_tokens=300))
                   .with_content_id())
    return out


def run(n: int = 2000, repeats: int = 5) -> dict[str, Any]:
    rows = trajectories(n)
    cfg = ShardConfig()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        table = to_table(rows)
        counter = iter(range(10**9))

        def factory() -> None:  # what a commit does: convert, write, fsync, hash, rename
            write_shard(to_table(rows), d, f"accepted/part-{next(counter):05d}.parquet",
                        row_group_rows=cfg.row_group_rows, compression=cfg.compression)

        def bare() -> None:
            pq.write_table(table, d / f"bare-{next(counter)}.parquet", compression=cfg.compression)

        f_s, b_s = series(factory, repeats), series(bare, repeats)
        one = next(d.glob("accepted/*.parquet"))
        mb = one.stat().st_size / 1e6
        r_s = series(lambda: pq.read_table(one), repeats)
    return {"rows": n, "file_mb": round(mb, 2), "compression": cfg.compression,
            "factory_writer": {"rows_per_s": rate(n, f_s), "mb_per_s": rate(mb, f_s)},
            "bare_pyarrow": {"rows_per_s": rate(n, b_s), "mb_per_s": rate(mb, b_s)},
            "read_back": {"rows_per_s": rate(n, r_s), "mb_per_s": rate(mb, r_s)},
            "ratio_factory_vs_bare": b_s["median"] / f_s["median"]}
