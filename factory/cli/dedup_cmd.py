"""`factory dedup INPUT`: which records of a file duplicate an earlier one (or a committed row of
an `--against` run), and which overlap a benchmark (`--decontaminate`) — the run's own dedup stage,
on someone else's file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from pydantic import ValidationError

from factory.config import DedupConfig
from factory.errors import UserError
from factory.inputs import output_lines, read_records
from factory.manifest import load_manifest
from factory.records import from_record


def dedup(
    input: Path = typer.Argument(..., help=".jsonl or .parquet of records (only `messages` required)"),
    against: list[Path] = typer.Option([], help="run directory whose committed rows count as earlier (repeatable)"),
    decontaminate: list[Path] = typer.Option([], help="benchmark .jsonl/.parquet with a question field (repeatable)"),
    out: Optional[Path] = typer.Option(None, help="write JSON lines here instead of stdout"),
    threshold: float = typer.Option(DedupConfig().threshold, min=0.01, max=1.0, help="estimated Jaccard"),
    ngram: int = typer.Option(13, min=3, help="words in the decontamination n-gram"),
) -> None:
    """One JSON line per input row, in order: {"index", "duplicate_of", "contaminated"}.
    `duplicate_of` is the index of an earlier row of INPUT, or the id of a committed row of an
    --against run, or null."""
    # Imported here: datasketch pulls in scipy (~1 s), which every other `factory` command would pay.
    from factory.dedup.contamination import Contamination, task_text
    from factory.dedup.index import DEDUP_KEY, DedupIndex, dedup_text
    from factory.runner.committer import committed_signatures

    cfg = DedupConfig(threshold=threshold)
    index = DedupIndex(cfg)
    for run in against:
        m = load_manifest(run)
        if m is None:
            raise UserError(f"--against {run}: not a run directory (no manifest.json)")
        for row_id, sig in committed_signatures(run, m, cfg):
            index.add_signature(f"run:{row_id}", sig.exact, sig.minhash)
            if sig.key:
                index.check_key(f"run:{row_id}", sig.key)
    bench = Contamination([str(f) for f in decontaminate], ngram) if decontaminate else None
    rows = read_records(input, "INPUT")
    with output_lines(out) as sink:
        for i, row in enumerate(rows):
            line: dict[str, object] = {"index": i, "duplicate_of": None, "contaminated": None}
            try:
                t = from_record(row, "")
            except (KeyError, TypeError, ValueError, ValidationError) as e:
                line["error"] = f"not a trajectory record: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
            else:
                key = t.meta.get(DEDUP_KEY)
                dup = index.check_key(str(i), key) if key else None
                dup = dup or index.check(str(i), dedup_text(t, cfg.roles))
                if dup is not None:
                    line["duplicate_of"] = dup[len("run:"):] if dup.startswith("run:") else int(dup)
                if bench is not None:
                    line["contaminated"] = bench.check(task_text(t))
            sink.write(json.dumps(line, ensure_ascii=False) + "\n")
