"""Reading user-supplied record files (.jsonl / .parquet) with one-line errors."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from factory.errors import UserError


def read_records(path: Path, what: str) -> Iterator[dict[str, Any]]:
    """Yield dict rows; `what` names the config field or argument the path came from."""
    if not path.is_file():
        raise UserError(f"{what}: file '{path}' not found; pass an existing .jsonl or .parquet file")
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except (pa.ArrowException, OSError) as e:
            raise UserError(f"{path}: not a readable Parquet file ({str(e).splitlines()[0][:200]})") from None
        yield from table.to_pylist()
        return
    if path.suffix not in (".jsonl", ".json"):
        raise UserError(f"{what}: '{path}' should be a .jsonl or .parquet file")
    n = 0
    try:
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise UserError(f"{path} line {n}: not valid JSON ({e.msg}); expected one JSON object per line") from None
                except RecursionError:
                    raise UserError(f"{path} line {n}: JSON nested too deeply to be a record") from None
                if not isinstance(row, dict):
                    raise UserError(f"{path} line {n}: expected a JSON object, got {type(row).__name__}")
                yield row
    except UnicodeDecodeError as e:
        raise UserError(f"{path} line {n + 1}: not UTF-8 text (byte {e.start} of the line's chunk); "
                        "write the file as UTF-8") from None


@contextlib.contextmanager
def output_lines(out: Path | None) -> Iterator[IO[str]]:
    """Where a command writes its JSON lines: stdout, or `out` — written as `out.part` and renamed
    when the command succeeds, so a failure half-way (a bad row, a full disk) leaves no partial file."""
    if out is None:
        yield sys.stdout
        return
    tmp = out.with_name(out.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8") as f:
            yield f
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
