"""`factory pipelines`: what can be run (registered entry points; nothing heavy is imported)."""

from rich.console import Console
from rich.table import Table

from factory.pipeline.registry import registered


def pipelines() -> None:
    """List the registered pipelines (built-in and installed plugins)."""
    table = Table("pipeline", "description", "class")
    for name, ref in sorted(registered().items()):
        if isinstance(ref, str):
            table.add_row(name, f"[red]{ref}[/red]", "")
        else:
            table.add_row(name, ref.description, ref.target)
    Console().print(table)
    Console().print("[dim]also runnable: any Pipeline subclass as --pipeline module.path:ClassName[/dim]")
