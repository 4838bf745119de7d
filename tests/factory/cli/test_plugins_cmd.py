import logging

import typer
from typer.testing import CliRunner

from factory.cli import plugins_cmd


class EP:
    def __init__(self, name, value, obj=None, error=None):
        self.name, self.value, self._obj, self._error = name, value, obj, error

    def load(self):
        if self._error:
            raise self._error
        return self._obj


def test_plugin_groups_are_added_and_a_broken_one_is_skipped(monkeypatch, caplog):
    sub = typer.Typer()

    @sub.command("hello")
    def hello() -> None:
        print("hi from a plugin")

    @sub.command("other")
    def other() -> None:
        pass

    eps = [EP("broken", "nope:app", error=ImportError("no module named nope")), EP("mine", "x:app", sub)]
    monkeypatch.setattr(plugins_cmd, "entry_points", lambda group: eps if group == plugins_cmd.GROUP else [])
    app = typer.Typer()

    @app.command("base")
    def base() -> None:
        pass

    with caplog.at_level(logging.WARNING, logger="factory.cli.plugins_cmd"):
        plugins_cmd.add_plugin_commands(app)
    assert "'broken'" in caplog.text and "no module named nope" in caplog.text
    out = CliRunner().invoke(app, ["mine", "hello"])
    assert out.exit_code == 0 and "hi from a plugin" in out.output


def test_the_swe_group_is_registered():
    from importlib.metadata import entry_points

    assert "swe" in {ep.name for ep in entry_points(group=plugins_cmd.GROUP)}
