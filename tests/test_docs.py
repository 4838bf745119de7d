"""The front door holds: a short README whose links resolve, whose pipeline snippet is the example
the tests run, and docs pages with no work log in them."""

from __future__ import annotations

import re

from tests.fakes.servers import ROOT

LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_readme_is_short_and_says_what_the_embedded_teacher_accepts():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    head = "\n".join(text.splitlines()[:120]).lower()
    assert "make pipeline=math run" in head and "make test" in head
    assert "accepted" in head and "embedded" in head and "--base-url" in text


def test_every_relative_link_in_readme_and_docs_resolves():
    broken = []
    for page in PAGES:
        for target, _ in LINK.findall(page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).resolve().exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert broken == []


def test_readme_pipeline_snippet_is_the_tested_example():
    text = (ROOT / "README.md").read_text()
    block = text.split("```python\n", 1)[1].split("```", 1)[0]
    example = (ROOT / "examples" / "minimal_pipeline" / "pipeline.py").read_text()
    pos = 0
    for line in (ln for ln in block.splitlines() if ln.strip()):
        found = example.find(line, pos)
        assert found >= 0, f"README line not in the example (in order): {line!r}"
        pos = found + len(line)


def test_readme_mix_spec_is_the_shipped_preset():
    text = (ROOT / "README.md").read_text()
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    preset = (ROOT / "examples" / "mix" / "midtraining.yaml").read_text()
    assert "sources:" in block
    for line in (ln for ln in block.splitlines() if ln.strip()):
        assert line in preset, f"README line not in examples/mix/midtraining.yaml: {line!r}"


def test_docs_carry_no_work_log():
    # Figures that change live in docs/performance.md and bench/results; history lives in git.
    pat = re.compile(r"\bsession \d+\b|\bissue #\d+\b|before this (change|session)|\bused to\b", re.I)
    hits = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in PAGES for m in pat.finditer(p.read_text())]
    assert hits == []
