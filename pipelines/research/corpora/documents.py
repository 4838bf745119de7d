"""The one document shape every corpus adapter yields, and the JSONL/Parquet form users bring."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, Field, ValidationError

from factory.errors import UserError

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/#:+@-]{0,199}$")


class Document(BaseModel):
    id: str
    title: str
    text: str
    links: list[str] = Field(default_factory=list)
    summary: str = ""
    """one sentence saying what the document is about, without its own name (the question blurs names)"""
    facts: dict[str, str] = Field(default_factory=dict)
    """kind → the single value a program extracted (e.g. header, linux_version); absent when not unique"""

    def sentence(self) -> str:
        return self.summary or first_sentence(self.text)


def first_sentence(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    m = re.search(r"(.+?[.!?])(\s|$)", flat)
    return (m.group(1) if m else flat)[:limit]


def blur(text: str, names: list[str], mark: str = "…") -> str:
    """Hide names in a description: `name()` / `name(2)` always; a bare name only when it looks like an
    identifier (`_`, digits, dots), because a page called `send` or `kill` names an ordinary verb too."""
    for n in sorted({n for n in names if len(n) > 1}, key=len, reverse=True):
        e = re.escape(n)
        text = re.sub(rf"(?<![\w.]){e}\(\w*\)", mark, text, flags=re.I)
        if re.search(r"[_0-9.+]", n):
            text = re.sub(rf"(?<![\w.]){e}(?![\w])", mark, text, flags=re.I)
    return text


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9+#.]+", "-", text.lower()).strip("-.")
    return s or "x"


_FIELDS = ("id", "title", "text", "links", "summary", "facts")


def _row(raw: Any, where: str) -> Document:
    if not isinstance(raw, dict):
        raise UserError(f"{where}: expected an object with id, title, text, links; got {type(raw).__name__}")
    extra = sorted(set(raw) - set(_FIELDS))
    if extra:
        raise UserError(f"{where}: unknown field '{extra[0]}' (expected id, title, text, links, summary, facts)")
    try:
        doc = Document.model_validate({k: v for k, v in raw.items() if v is not None})
    except ValidationError as e:
        err = e.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "row"
        raise UserError(f"{where}: field '{field}': {err['msg']}") from None
    if not ID.match(doc.id):
        raise UserError(f"{where}: field 'id': {doc.id[:60]!r} is not a document id (letters, digits, ._/#:+@-)")
    return doc


def read_user_corpus(path: Path) -> list[Document]:
    """A user's corpus: JSONL or Parquet rows `id, title, text, links` (+ optional summary, facts).
    Links to ids not in the file are dropped (counted in the build log), duplicate ids are an error."""
    if not path.is_file():
        raise UserError(f"{path}: no such corpus file (expected .jsonl or .parquet with id, title, text, links)")
    docs: list[Document] = []
    if path.suffix == ".parquet":
        try:
            rows: Iterable[Any] = pq.read_table(path).to_pylist()
        except (pa.ArrowException, OSError) as e:
            raise UserError(f"{path}: not a readable Parquet file ({str(e).splitlines()[0][:120]})") from None
        docs = [_row(r, f"{path} row {i + 1}") for i, r in enumerate(rows)]
    elif path.suffix == ".jsonl":
        with path.open("rb") as f:
            for i, line in enumerate(f):
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
                    raise UserError(f"{path} line {i + 1}: not a JSON object ({type(e).__name__})") from None
                docs.append(_row(raw, f"{path} line {i + 1}"))
    else:
        raise UserError(f"{path}: a corpus file is .jsonl or .parquet, not '{path.suffix}'")
    if not docs:
        raise UserError(f"{path}: the corpus is empty (expected rows with id, title, text, links)")
    seen: set[str] = set()
    for d in docs:
        if d.id in seen:
            raise UserError(f"{path}: document id {d.id!r} appears twice; ids must be unique")
        seen.add(d.id)
    return docs


def resolve_links(docs: list[Document]) -> list[Document]:
    """Links to documents the corpus does not hold are dropped, self-links too, order kept."""
    ids = {d.id for d in docs}
    return [d.model_copy(update={"links": list(dict.fromkeys(x for x in d.links if x in ids and x != d.id))})
            for d in docs]


def save(docs: Iterable[Document], path: Path) -> None:
    rows = [{**d.model_dump(exclude={"facts"}), "facts": json.dumps(d.facts, sort_keys=True)} for d in docs]
    pq.write_table(pa.Table.from_pylist(rows), path)


def load(path: Path) -> Iterator[Document]:
    for r in pq.read_table(path).to_pylist():
        yield Document(**{**r, "facts": json.loads(r["facts"])})
