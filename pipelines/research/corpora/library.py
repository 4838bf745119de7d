"""A corpus built once into the cache (documents as Parquet, the search index, licences, what it was
built from) and loaded with its index. `corpus` names a built-in (`manpages`, `foldoc`, `pydoc`), a
user's JSONL/Parquet file, or a search service URL."""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from factory.errors import UserError
from pipelines.research.corpora import documents, foldoc, manpages, pydoc
from pipelines.research.corpora.debs import copy_licences, fetch
from pipelines.research.corpora.documents import Document
from pipelines.research.index.base import SearchIndex
from tf_common import cache_root

log = logging.getLogger(__name__)
BUILTIN = {"manpages": manpages, "foldoc": foldoc, "pydoc": pydoc}
FORMAT = 3  # bump when a builder's output changes, so cached corpora are rebuilt


def engine_for(engine: str) -> str:
    if engine != "auto":
        return engine
    return "tantivy" if importlib.util.find_spec("tantivy") is not None else "fts5"


def is_endpoint(corpus: str) -> bool:
    return corpus.startswith(("http://", "https://"))


def key(corpus: str) -> str:
    if corpus in BUILTIN:
        return f"{corpus}-v{FORMAT}"
    if is_endpoint(corpus):
        return "endpoint-" + hashlib.sha256(corpus.encode()).hexdigest()[:16]
    path = Path(corpus)
    if not path.is_file():
        raise UserError(f"corpus: {corpus!r} is neither a built-in ({', '.join(BUILTIN)}), an existing .jsonl/.parquet "
                        "file, nor an http(s) search endpoint")
    return "user-" + hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def root() -> Path:
    return cache_root() / "research"


@contextmanager
def _locked(name: str) -> Iterator[None]:
    root().mkdir(parents=True, exist_ok=True)
    with open(root() / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _docs(corpus: str, work: Path, meta: dict[str, Any]) -> list[Document]:
    if corpus in BUILTIN:
        mod = BUILTIN[corpus]
        meta["packages"] = fetch(mod.PACKAGES, work)
        meta["licence"] = mod.LICENCE
        meta["licence_files"] = copy_licences(work / "root", mod.PACKAGES, work / "out" / "licences")
        return mod.build(work / "root")
    if is_endpoint(corpus):
        from pipelines.research.index.endpoint import EndpointIndex
        ep = EndpointIndex(corpus)
        try:
            docs = list(ep.documents())
        finally:
            ep.close()
        meta["licence"] = "as served by the endpoint"
        return docs
    meta["source"] = str(Path(corpus).resolve())
    meta["licence"] = "the user's own corpus"
    return documents.read_user_corpus(Path(corpus))


def build(corpus: str, engine: str = "auto") -> Path:
    """Build (once) and return the corpus directory; the index for `engine` is built beside it."""
    engine = engine_for(engine)
    name = key(corpus)
    out = root() / name
    with _locked(name):
        if not (out / "meta.json").is_file():
            with tempfile.TemporaryDirectory(dir=root()) as tmp:
                work = Path(tmp)
                (work / "out").mkdir()
                meta: dict[str, Any] = {"corpus": corpus, "key": name, "format": FORMAT}
                t0 = time.monotonic()
                docs = documents.resolve_links(_docs(corpus, work, meta))
                if not docs:
                    raise UserError(f"corpus {corpus!r}: no documents")
                documents.save(docs, work / "out" / "docs.parquet")
                meta.update(documents=len(docs), links=sum(len(d.links) for d in docs),
                            build_seconds=round(time.monotonic() - t0, 1))
                (work / "out" / "meta.json").write_text(json.dumps(meta, indent=2))
                shutil.rmtree(out, ignore_errors=True)
                (work / "out").rename(out)
                log.info("research corpus %s: %d documents in %.1fs", corpus, len(docs), meta["build_seconds"])
        if not is_endpoint(corpus) and not _index_path(out, engine).exists():
            _build_index(out, engine)
    return out


def _index_path(out: Path, engine: str) -> Path:
    return out / ("tantivy" if engine == "tantivy" else "fts5.sqlite")


def _build_index(out: Path, engine: str) -> None:
    docs = list(documents.load(out / "docs.parquet"))
    tmp = out / f".{engine}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    if engine == "tantivy":
        from pipelines.research.index import tantivy_index
        tantivy_index.build(docs, tmp)
    else:
        from pipelines.research.index import fts5_index
        fts5_index.build(docs, tmp)
    tmp.rename(_index_path(out, engine))


class Library:
    """The documents of one corpus, its link graph and its search index, read-only."""

    def __init__(self, corpus: str, engine: str = "auto", built: str | None = None):
        """`built`: a cache key (`meta.corpus.key` of a row) to open as it was built, even when the
        user's file is no longer where the run found it."""
        self.corpus = corpus
        self.engine = engine_for(engine) if not is_endpoint(corpus) else "endpoint"
        done = root() / built if built else None
        if done is not None and (done / "meta.json").is_file() and not is_endpoint(corpus):
            with _locked(built):
                if not _index_path(done, self.engine).exists():
                    _build_index(done, self.engine)
            self.dir = done
        else:
            self.dir = build(corpus, self.engine)
        self.meta = json.loads((self.dir / "meta.json").read_text())
        self.docs: dict[str, Document] = {d.id: d for d in documents.load(self.dir / "docs.parquet")}
        self.inbound: dict[str, list[str]] = {}
        for d in self.docs.values():
            for x in d.links:
                self.inbound.setdefault(x, []).append(d.id)
        self.index: SearchIndex = self._open_index()

    def _open_index(self) -> SearchIndex:
        if self.engine == "endpoint":
            from pipelines.research.index.endpoint import EndpointIndex
            return EndpointIndex(self.corpus)
        if self.engine == "tantivy":
            from pipelines.research.index.tantivy_index import TantivyIndex
            return TantivyIndex(_index_path(self.dir, "tantivy"))
        from pipelines.research.index.fts5_index import Fts5Index
        return Fts5Index(_index_path(self.dir, "fts5"))

    def describe(self) -> dict[str, Any]:
        return {"corpus": self.corpus, "key": self.meta["key"], "engine": self.engine, "documents": len(self.docs)}

    def close(self) -> None:
        self.index.close()
