"""Linux man pages (Debian `manpages`, `manpages-dev`): one document per page, SEE ALSO as links,
facts a program can read off a page: the one header its SYNOPSIS includes, the one Linux / glibc
version its VERSIONS section names."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from pipelines.research.corpora.documents import Document, blur
from pipelines.research.corpora.roff import Page

PACKAGES = ["manpages", "manpages-dev"]
LICENCE = "Linux man-pages licences (mostly 'Linux-man-pages-copyleft', GPL for some pages); see licences/"
_REF = re.compile(r"([A-Za-z_][\w.+:-]*)\((\d\w*)\)")
_INCLUDE = re.compile(r"#include\s*<([^>\s]+)>")
_LINUX = re.compile(r"\bLinux (\d+\.\d+(?:\.\d+)?)\b")
_GLIBC = re.compile(r"\bglibc (\d+\.\d+(?:\.\d+)?)\b")


def _one(values: list[str]) -> str | None:
    distinct = list(dict.fromkeys(values))
    return distinct[0] if len(distinct) == 1 else None


def page_doc(doc_id: str, page: Page) -> Document | None:
    name_line = page.text_of("NAME").replace("\n", " ")
    names, _, summary = name_line.partition(" - ")
    if not summary:
        return None
    names_l = [n.strip() for n in names.split(",") if n.strip()]
    summary = blur(summary, names_l)  # the summary must not give the page's name away
    facts: dict[str, str] = {}
    header = _one(_INCLUDE.findall(page.text_of("SYNOPSIS")))
    if header:
        facts["header"] = header
    versions = page.text_of("VERSIONS") + "\n" + page.text_of("HISTORY")
    for kind, rx in (("linux_version", _LINUX), ("glibc_version", _GLIBC)):
        v = _one(rx.findall(versions))
        if v:
            facts[kind] = v
    links = [f"{n}.{s}" for n, s in _REF.findall(page.text_of("SEE ALSO"))]
    title = f"{names_l[0] if names_l else page.title}({page.section})"
    return Document(id=doc_id, title=title, text=page.text(), links=links, summary=summary.strip(), facts=facts)


def build(root: Path) -> list[Document]:
    pages: dict[str, Page] = {}
    alias: dict[str, str] = {}
    for f in sorted((root / "usr/share/man").glob("man*/*.gz")):
        doc_id = f.name[:-3]
        if f.is_symlink():  # Debian ships a page's other names as symlinks to it
            alias[doc_id] = Path(f.readlink()).name.removesuffix(".gz")
            continue
        pages[doc_id] = Page(gzip.open(f).read().decode("utf-8", "replace"))
    alias.update({k: Path(p.alias).name for k, p in pages.items() if p.alias})
    docs = []
    for doc_id, page in pages.items():
        if page.alias:
            continue
        d = page_doc(doc_id, page)
        if d is not None:
            d.links = [alias.get(x, x) for x in d.links]
            docs.append(d)
    return docs
