"""Command groups that plugins add (`factory swe …`): a Typer app named by an entry point of the
group `trajectory_factory.commands`. A broken plugin is reported, never fatal to the rest."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

import typer

GROUP = "trajectory_factory.commands"
log = logging.getLogger(__name__)


def add_plugin_commands(app: typer.Typer) -> None:
    for ep in entry_points(group=GROUP):
        try:
            sub = ep.load()
        except Exception as e:  # noqa: BLE001 - a plugin's import error must not take the CLI down
            log.warning("command group '%s' (%s) not loaded: %s: %s", ep.name, ep.value, type(e).__name__, e)
            continue
        app.add_typer(sub, name=ep.name)
