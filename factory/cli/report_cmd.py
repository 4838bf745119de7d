"""`factory report RUN --out report.html`: one self-contained page of plots."""

from pathlib import Path

import typer

from factory.inspect.reader import open_run


def report(run: Path = typer.Argument(..., help="run directory"),
           out: Path = typer.Option(Path("report.html"), help="HTML file to write")) -> None:
    """Pass rates, length and turn distributions, rejection reasons, tokens/s over the run."""
    from factory.inspect.report import build_report  # matplotlib: only this command needs it

    out.write_text(build_report(open_run(run)), encoding="utf-8")
    typer.echo(f"wrote {out}")
