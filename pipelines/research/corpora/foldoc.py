"""FOLDOC, the Free On-line Dictionary of Computing (Debian `dict-foldoc`, a dictd database): one
document per entry, `{term}` cross-references as links. The fact a question asks for is the entry's
own name (the question describes the entry; the answer is which term it is)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from pipelines.research.corpora.documents import Document, first_sentence, slug

PACKAGES = ["dict-foldoc"]
LICENCE = "FOLDOC: GNU Free Documentation License; see licences/"
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_XREF = re.compile(r"\{([^{}]+)\}")
_DOMAIN = re.compile(r"<[^<>]{1,40}>")


def _num(s: str) -> int:
    n = 0
    for ch in s:
        n = n * 64 + _B64.index(ch)
    return n


def entries(index: str, data: bytes) -> list[tuple[list[str], str]]:
    """(headwords, body) per entry; the dictd index lists each headword with its byte range."""
    by_range: dict[tuple[int, int], list[str]] = {}
    for line in index.splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or parts[0].startswith("00-database") or parts[0].startswith("00database"):
            continue
        by_range.setdefault((_num(parts[1]), _num(parts[2])), []).append(parts[0])
    return [(heads, data[o:o + n].decode("utf-8", "replace")) for (o, n), heads in sorted(by_range.items())]


def entry_doc(heads: list[str], body: str, used: set[str]) -> Document | None:
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body.strip("\n")) if p.strip()]
    if len(paras) < 2:
        return None
    title = body.strip("\n").splitlines()[0].strip()
    text = "\n".join(paras[1:])
    refs = [r for r in _XREF.findall(text) if "http" not in r and "://" not in r]
    plain = _XREF.sub(lambda m: m.group(1), text)
    names = sorted({title, *heads}, key=len, reverse=True)
    definition = _DOMAIN.sub("", plain.split("\n")[0])
    summary = first_sentence(re.sub(r"^\s*\([^()]{1,40}\)", "", definition.strip()))
    for n in names:  # a dictionary entry's name is a word: hide it wherever it stands
        if len(n) > 1:
            summary = re.sub(rf"(?<!\w){re.escape(n)}(?!\w)", "…", summary, flags=re.I)
    if len(summary) < 20:
        return None
    doc_id = "foldoc:" + slug(title)
    while doc_id in used:
        doc_id += "+"
    used.add(doc_id)
    return Document(id=doc_id, title=title, text=f"{title}\n\n{plain}", links=[r.strip().lower() for r in refs],
                    summary=summary.strip(), facts={"name": title})


def build(root: Path) -> list[Document]:
    base = root / "usr/share/dictd"
    data = gzip.open(base / "foldoc.dict.dz").read()
    used: set[str] = set()
    docs, by_word = [], {}
    for heads, body in entries((base / "foldoc.index").read_text("utf-8", "replace"), data):
        d = entry_doc(heads, body, used)
        if d is None:
            continue
        docs.append(d)
        for h in [d.title, *heads]:
            by_word.setdefault(h.lower(), d.id)
    for d in docs:  # cross-references name terms; resolve them to entry ids
        d.links = [by_word[x] for x in d.links if x in by_word]
    return docs
