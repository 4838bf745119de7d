"""SQLite FTS5 (in the standard library): the same interface with no extra dependency, slower
(measured in `make bench`)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from pipelines.research.corpora.documents import Document
from pipelines.research.index.base import MARK, Hit, terms


def build(docs: Iterable[Document], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    with con:
        con.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize='porter unicode61')")
        con.executemany("INSERT INTO docs(id, title, body) VALUES (?, ?, ?)", ((d.id, d.title, d.text) for d in docs))
    con.close()


class Fts5Index:
    engine = "fts5"

    def __init__(self, path: Path):
        # Tools run on the worker's event loop and verification threads: one connection, one lock.
        self.con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self.lock = threading.Lock()

    def search(self, query: str, k: int, exclude: frozenset[str] = frozenset()) -> list[Hit]:
        words = terms(query)
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        ex = sorted(exclude)
        sql = (f"SELECT id, title, snippet(docs, 2, '{MARK[0]}', '{MARK[1]}', '…', 24), "
               "bm25(docs, 0.0, 2.0, 1.0) AS s "
               f"FROM docs WHERE docs MATCH ? {'AND id NOT IN (' + ','.join('?' * len(ex)) + ')' if ex else ''} "
               "ORDER BY s LIMIT ?")
        with self.lock:
            rows = self.con.execute(sql, [match, *ex, k]).fetchall()
        return [Hit(i, t, " ".join(s.split()), -float(score)) for i, t, s, score in rows]

    def close(self) -> None:
        with self.lock:
            self.con.close()
