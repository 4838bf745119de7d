"""A hosted search service the user brings, over HTTP (httpx, retried with tenacity):
`GET {url}/search?q=…&k=…[&exclude=id…]` → `{"results": [{"id", "title", "snippet", "score"?}]}` and
`GET {url}/docs?offset=…&limit=…` → `{"docs": [{id, title, text, links, summary?, facts?}], "next": int|null}`
(the documents tasks are built from and `open`/`find` read)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from factory.errors import UserError
from pipelines.research.corpora.documents import Document, _row
from pipelines.research.index.base import Hit, terms

_RETRY = dict(retry=retry_if_exception_type((httpx.TransportError, httpx.HTTPStatusError)),
              stop=stop_after_attempt(4), wait=wait_exponential(multiplier=0.2, max=3), reraise=True)


class EndpointIndex:
    engine = "endpoint"

    def __init__(self, url: str, client: httpx.Client | None = None, timeout_s: float = 20.0):
        self.url = url.rstrip("/")
        self.client = client or httpx.Client(timeout=timeout_s)

    @retry(**_RETRY)
    def _get(self, path: str, params: list[tuple[str, Any]]) -> Any:
        r = self.client.get(f"{self.url}{path}", params=params)
        if r.status_code >= 500 or r.status_code == 429:
            r.raise_for_status()
        if r.status_code != 200:
            raise UserError(f"search endpoint {self.url}{path} answered {r.status_code}: {r.text[:120]}")
        return r.json()

    def search(self, query: str, k: int, exclude: frozenset[str] = frozenset()) -> list[Hit]:
        if not terms(query):
            return []
        data = self._get("/search", [("q", query), ("k", k), *(("exclude", x) for x in sorted(exclude))])
        rows = data.get("results") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise UserError(f"search endpoint {self.url}/search: expected {{'results': [...]}}")
        return [Hit(str(r["id"]), str(r.get("title", "")), str(r.get("snippet", "")), float(r.get("score", 0.0)))
                for r in rows if isinstance(r, dict) and "id" in r and str(r["id"]) not in exclude][:k]

    def documents(self, page: int = 500) -> Iterator[Document]:
        offset: int | None = 0
        while offset is not None:
            data = self._get("/docs", [("offset", offset), ("limit", page)])
            for i, raw in enumerate(data.get("docs", [])):
                yield _row(raw, f"{self.url}/docs offset {offset + i}")
            nxt = data.get("next")
            offset = int(nxt) if isinstance(nxt, int) and nxt > offset else None

    def close(self) -> None:
        self.client.close()
