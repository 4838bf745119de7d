"""Reading user-supplied record files (.jsonl / .parquet) with one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
        except (pa.ArrowInvalid, OSError) as e:
            raise UserError(f"{path}: not a readable Parquet file ({e})") from None
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
                if not isinstance(row, dict):
                    raise UserError(f"{path} line {n}: expected a JSON object, got {type(row).__name__}")
                yield row
    except UnicodeDecodeError as e:
        raise UserError(f"{path} line {n + 1}: not UTF-8 text (byte {e.start} of the line's chunk); "
                        "write the file as UTF-8") from None
