"""The Python documentation (Debian `python3.11-doc`, Sphinx HTML): one document per section, its
own text (subsections are documents of their own), internal references as links resolved to the
section holding their anchor, the API objects `objects.inv` says it defines, and the one "New in
version X" it states as a fact."""

from __future__ import annotations

import posixpath
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path

from pipelines.research.corpora.documents import Document, blur, first_sentence

PACKAGES = ["python3.11-doc"]
LICENCE = "Python documentation: PSF License Agreement and BSD Zero Clause (code samples); see licences/"
_ROOT = "usr/share/doc/python3.11/html"
_SKIP = ("_", "genindex", "search", "py-modindex", "contents", "copyright", "license", "bugs", "about")
_ADDED = re.compile(r"New in version (\d+\.\d+)")
_BLOCK = {"p", "li", "dt", "dd", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "div"}


class _Sections(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.stack: list[dict] = []
        self.done: list[dict] = []
        self.anchor: dict[str, str] = {}
        self.heading: list[str] | None = None
        self.skip = 0
        self.body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "div" and a.get("role") == "main":
            self.body = True
        if not self.body:
            return
        if tag in ("script", "style") or (tag == "a" and "headerlink" in (a.get("class") or "")):
            self.skip += 1
            return
        if tag == "section" and a.get("id"):
            sid = f"{self.page}#{a['id']}"
            self.stack.append({"id": sid, "title": "", "text": [], "links": []})
        if not self.stack:
            return
        cur = self.stack[-1]
        if a.get("id"):
            self.anchor[a["id"]] = cur["id"]
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and not cur["title"]:
            self.heading = []
        if tag == "a" and "reference internal" in (a.get("class") or "") and a.get("href"):
            cur["links"].append(a["href"])
        if tag in _BLOCK:
            cur["text"].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if not self.body:
            return
        if tag in ("script", "style") or (tag == "a" and self.skip):
            self.skip = max(0, self.skip - 1)
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self.heading is not None and self.stack:
            self.stack[-1]["title"] = " ".join("".join(self.heading).split())
            self.heading = None
        if tag == "section" and self.stack:
            self.done.append(self.stack.pop())

    def handle_data(self, data: str) -> None:
        if self.skip or not self.stack:
            return
        if self.heading is not None:
            self.heading.append(data)
        self.stack[-1]["text"].append(data)


def inventory(path: Path) -> dict[str, str]:
    """objects.inv (Sphinx v2): object name → uri (page#anchor)."""
    raw = path.read_bytes()
    head_end = 0
    for _ in range(4):
        head_end = raw.index(b"\n", head_end) + 1
    out: dict[str, str] = {}
    for line in zlib.decompress(raw[head_end:]).decode("utf-8", "replace").splitlines():
        m = re.match(r"(.+?)\s+(\S+:\S+)\s+(-?\d+)\s+(\S*)\s+(.*)", line)
        if m and m.group(2).startswith("py:"):
            uri = m.group(4)
            out[m.group(1)] = uri[:-1] + m.group(1) if uri.endswith("$") else uri
    return out


def build(root: Path) -> list[Document]:
    base = root / _ROOT
    sections, anchors = [], {}
    for f in sorted(base.rglob("*.html")):
        rel = f.relative_to(base).as_posix()
        if rel.split("/")[0].startswith(_SKIP) or rel.startswith(_SKIP):
            continue
        page = rel[:-5]
        p = _Sections(page)
        p.feed(f.read_text("utf-8", "replace"))
        sections += [(page, s) for s in p.done]
        anchors.update({f"{page}#{k}": v for k, v in p.anchor.items()})
    defines: dict[str, list[str]] = {}
    for name, uri in inventory(base / "objects.inv").items():
        page, _, anchor = uri.partition("#")
        sec = anchors.get(f"{page.removesuffix('.html')}#{anchor}")
        if sec:
            defines.setdefault(sec, []).append(name)
    docs = []
    for page, s in sections:
        text = "\n".join(" ".join(ln.split()) for ln in "".join(s["text"]).splitlines() if ln.strip())
        title = s["title"].rstrip("¶").strip()
        if not title or len(text) < 80:
            continue
        links = []
        for href in s["links"]:
            target, _, anchor = href.partition("#")
            tpage = posixpath.normpath(posixpath.join(posixpath.dirname(page), target))[:-5] if target else page
            sec = anchors.get(f"{tpage}#{anchor}") if anchor else None
            if sec is None and not anchor:
                sec = next((k for k in (f"{tpage}#{x}" for x in ("",)) if k in anchors), None)
            if sec and sec != s["id"]:
                links.append(sec)
        body = text[len(s["title"]):].strip() if text.startswith(s["title"]) else text
        summary = first_sentence(body)
        summary = blur(summary, [title, *title.split(" — ")[:1], *title.split()[:1]])
        facts = {}
        added = list(dict.fromkeys(_ADDED.findall(text)))
        if len(added) == 1:
            facts["python_version"] = added[0]
        names = defines.get(s["id"], [])
        if names:
            text += "\nDefines: " + ", ".join(sorted(names)[:40])
        docs.append(Document(id="py:" + s["id"], title=title, text=text, links=["py:" + x for x in links],
                             summary=summary, facts=facts))
    return docs
