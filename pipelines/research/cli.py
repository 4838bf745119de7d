"""`factory research`: build a corpus and its index ahead of a run (like `factory setup-model`), and
search it as the teacher would. Registered under `trajectory_factory.commands`; imports stay inside."""

from __future__ import annotations

import json

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Research corpora and their search index.")
_CORPUS = typer.Option("manpages", "--corpus", help="manpages, foldoc, pydoc, a .jsonl/.parquet file, or a URL")
_ENGINE = typer.Option("auto", "--engine", help="auto (tantivy), tantivy or fts5")


@app.command()
def build(corpus: str = _CORPUS, engine: str = _ENGINE) -> None:
    """Build the corpus (from Debian packages for the built-ins) and its index into the cache."""
    from pipelines.research.corpora.library import Library

    lib = Library(corpus, engine)
    try:
        typer.echo(json.dumps({**lib.meta, "engine": lib.engine, "dir": str(lib.dir)}, indent=2))
    finally:
        lib.close()


@app.command()
def search(query: str, corpus: str = _CORPUS, engine: str = _ENGINE, k: int = typer.Option(5, "-k")) -> None:
    """Search the corpus the way the `search` tool does (no perturbation)."""
    from pipelines.research.corpora.library import Library

    lib = Library(corpus, engine)
    try:
        for h in lib.index.search(query, max(1, min(k, 50))):
            typer.echo(f"{h.score:7.2f}  [{h.id}] {h.title}\n         {h.snippet}")
    finally:
        lib.close()
