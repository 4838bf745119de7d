"""`factory pipelines`: what can be run."""

from rich.console import Console
from rich.table import Table

from pipelines.registry import PIPELINES, get_pipeline


def pipelines() -> None:
    """List the registered pipelines."""
    table = Table("pipeline", "description")
    for name in sorted(PIPELINES):
        table.add_row(name, get_pipeline(name).description)
    Console().print(table)
