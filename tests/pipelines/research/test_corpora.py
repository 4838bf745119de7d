"""Corpus adapters on small inputs written here (the real packages are built by `make bench` and the
default run): roff man pages, a dictd FOLDOC database, Sphinx HTML with objects.inv, a user's
JSONL/Parquet (bad rows named by file, row and field), and a hosted search endpoint."""

import gzip
import zlib

import httpx
import pytest

from factory.errors import UserError
from pipelines.research.corpora import foldoc, manpages, pydoc
from pipelines.research.corpora.documents import read_user_corpus, resolve_links
from pipelines.research.index.endpoint import EndpointIndex

PAGE = r""".\" a comment that must not show
.TH widget 2 2026-01-01 "Test pages"
.SH NAME
widget, widget2 \- make a small \fBthing\fP for the caller
.SH SYNOPSIS
.nf
.B #include <widget.h>
.PP
.BI "int widget(int " n );
.fi
.SH DESCRIPTION
.BR widget ()
makes things; see
.IR gadget (3).
.IP \[bu] 3
one point
.SH VERSIONS
It appeared in Linux 4.2; glibc support came with glibc 2.30.
.SH SEE ALSO
.BR gadget (3),
.BR widget_alias (2)
"""


def test_roff_page_to_document_with_facts_and_links(tmp_path):
    root = tmp_path / "usr/share/man"
    (root / "man2").mkdir(parents=True)
    (root / "man3").mkdir()
    (root / "man2/widget.2.gz").write_bytes(gzip.compress(PAGE.encode()))
    (root / "man3/gadget.3.gz").write_bytes(gzip.compress(b".TH gadget 3\n.SH NAME\ngadget \\- a helper part\n"
                                                          b".SH SEE ALSO\n.BR widget (2)\n"))
    (root / "man2/widget_alias.2.gz").symlink_to("widget.2.gz")
    docs = {d.id: d for d in resolve_links(manpages.build(tmp_path))}
    w = docs["widget.2"]
    assert set(docs) == {"widget.2", "gadget.3"}  # the symlinked alias is not a page of its own
    assert w.title == "widget(2)" and w.summary == "make a small thing for the caller"
    assert w.facts == {"header": "widget.h", "linux_version": "4.2", "glibc_version": "2.30"}
    assert w.links == ["gadget.3"]  # the alias resolves to the page itself and is dropped
    assert "comment" not in w.text and "int widget(int n);" in w.text and "• one point" in w.text


def test_foldoc_entries_and_cross_references(tmp_path):
    body = ("widget\n\n   <hardware> A small {gadget} that does one thing well, used in {thingies}.\n\n"
            "   (2001-01-01)\n\n")
    gad = "gadget\n\n   <jargon> Any device whose name escapes you, often called a {widget}.\n\n"
    data = (body + gad).encode()
    b64 = foldoc._B64

    def enc(n):
        s = ""
        while True:
            s = b64[n % 64] + s
            n //= 64
            if not n:
                return s
    index = (f"gadget\t{enc(len(body))}\t{enc(len(gad))}\nwidget\t{enc(0)}\t{enc(len(body))}\n"
             f"widgets\t{enc(0)}\t{enc(len(body))}\n")
    d = tmp_path / "usr/share/dictd"
    d.mkdir(parents=True)
    (d / "foldoc.index").write_text(index)
    (d / "foldoc.dict.dz").write_bytes(gzip.compress(data))
    docs = {x.id: x for x in resolve_links(foldoc.build(tmp_path))}
    assert set(docs) == {"foldoc:widget", "foldoc:gadget"}
    w = docs["foldoc:widget"]
    assert w.links == ["foldoc:gadget"] and w.facts == {"name": "widget"}
    assert w.summary.startswith("A small gadget that does one thing well") and "{" not in w.text


def test_python_docs_sections_links_and_inventory(tmp_path):
    html = tmp_path / "usr/share/doc/python3.11/html/library"
    html.mkdir(parents=True)
    (html / "widgets.html").write_text(
        '<div role="main"><section id="module-widgets"><h1>widgets — Small parts¶</h1>'
        '<p>This module builds small parts for programs that need them quickly.</p>'
        '<section id="making"><h2>Making parts</h2><dl><dt id="widgets.make">widgets.make()</dt>'
        '<dd><p>Return a new part every time it is called, see '
        '<a class="reference internal" href="gadgets.html#gadgets.fit">fit</a>.</p>'
        '<span class="versionmodified added">New in version 3.9.</span></dd></dl></section></section></div>')
    (html / "gadgets.html").write_text(
        '<div role="main"><section id="module-gadgets"><h1>gadgets — Fitting parts</h1>'
        '<dl><dt id="gadgets.fit">gadgets.fit()</dt><dd><p>Fit a part into another one so that they hold.</p>'
        '</dd></dl></section></div>')
    inv = b"widgets.make py:function 1 library/widgets.html#$ -\ngadgets.fit py:function 1 library/gadgets.html#$ -\n"
    (html.parent / "objects.inv").write_bytes(b"# Sphinx inventory version 2\n# Project: t\n# Version: 1\n"
                                              b"# compressed with zlib\n" + zlib.compress(inv))
    docs = {d.id: d for d in resolve_links(pydoc.build(tmp_path))}
    making = docs["py:library/widgets#making"]
    assert making.links == ["py:library/gadgets#module-gadgets"]
    assert making.facts == {"python_version": "3.9"} and "Defines: widgets.make" in making.text
    assert "Making parts" == making.title


@pytest.mark.parametrize("line, where", [
    ('{"id": "a", "title": "A"}', "line 2: field 'text'"),
    ('{"id": "a b", "title": "A", "text": "t"}', "line 2: field 'id'"),
    ('{"id": "x", "title": "A", "text": "t", "colour": 1}', "line 2: unknown field 'colour'"),
    ('[1, 2]', "line 2: expected an object"),
    ('{"id": "d1", "title": "A", "text": "t"}', "'d1' appears twice"),
])
def test_user_corpus_errors_name_file_row_and_field(tmp_path, line, where):
    f = tmp_path / "c.jsonl"
    f.write_text('{"id": "d1", "title": "One", "text": "first", "links": ["d2", "nowhere"]}\n' + line + "\n")
    with pytest.raises(UserError, match=where) as e:
        read_user_corpus(f)
    assert str(f) in str(e.value) and "\n" not in str(e.value)


def test_user_corpus_drops_links_to_unknown_ids(tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text('{"id": "d1", "title": "One", "text": "first", "links": ["d2", "nowhere", "d1"]}\n'
                 '{"id": "d2", "title": "Two", "text": "second", "links": []}\n')
    assert resolve_links(read_user_corpus(f))[0].links == ["d2"]


def test_search_endpoint_adapter_retries_and_pages():
    calls = {"n": 0}
    docs = [{"id": f"d{i}", "title": f"T{i}", "text": "x", "links": []} for i in range(3)]

    def handler(req):
        calls["n"] += 1
        if calls["n"] == 1:
            return httpx.Response(503)
        if req.url.path == "/search":
            assert req.url.params["q"] == "find me" and req.url.params.get_list("exclude") == ["d0"]
            return httpx.Response(200, json={"results": [{"id": "d0", "title": "T0"}, {"id": "d1", "title": "T1"}]})
        off = int(req.url.params["offset"])
        return httpx.Response(200, json={"docs": docs[off:off + 2], "next": off + 2 if off + 2 < 3 else None})
    ep = EndpointIndex("http://search.local", client=httpx.Client(transport=httpx.MockTransport(handler)))
    assert [h.id for h in ep.search("find me", 5, frozenset({"d0"}))] == ["d1"]
    assert [d.id for d in ep.documents(page=2)] == ["d0", "d1", "d2"]


def test_blur_hides_identifiers_but_not_ordinary_words():
    from pipelines.research.corpora.documents import blur

    assert blur("send a message; see send(2), mq_send() and ipv6", ["send", "mq_send", "ipv6"]) == \
        "send a message; see …, … and …"
