"""`factory mix --spec mix.yaml --to DIR`: one training set from many runs (or exports) in set
shares of tokens, deduplicated across them, split by task, with a dataset card."""

from __future__ import annotations

from pathlib import Path

import typer


def mix(
    spec: Path = typer.Option(..., help="mix spec (YAML; docs/mixing.md, examples/mix/)"),
    to: Path = typer.Option(..., help="output directory (must be new or empty)"),
    seed: int | None = typer.Option(None, help="override the spec's seed"),
) -> None:
    """Write the mix as Parquet shards per split + README.md (dataset card) + manifest.json + mix.yaml."""
    from factory.mix.build import mix as build
    from factory.mix.spec import load_spec

    s = load_spec(spec)
    if seed is not None:
        s.seed = seed
    out = build(s, to, spec_name=str(spec))
    for r in out.sources:
        if r.shortfall:
            typer.echo(f"shortfall: {r.name}: {r.shortfall}", err=True)
    splits = ", ".join(f"{k} {v['rows']} rows" for k, v in out.splits.items())
    got = ", ".join(f"{r.name} {100 * r.tokens / out.total:.1f}% (asked {100 * r.asked:.1f}%)" for r in out.sources)
    typer.echo(f"mixed {out.total:,} tokens ({splits}) to {to}: {got}")
