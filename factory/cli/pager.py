"""The pager `--pager` opens: the user's $PAGER, else `less`, told to show colours as colours
(`-R` in $LESS) — the system pager Rich falls back to would print the escape codes as text."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from rich.pager import Pager


class ColourPager(Pager):
    def show(self, content: str) -> None:
        cmd = shlex.split(os.environ.get("PAGER") or "less")
        env = {**os.environ, "LESS": f"{os.environ.get('LESS', '')} -R".strip()}
        try:
            subprocess.run(cmd, input=content, text=True, env=env, check=False)
        except FileNotFoundError:  # no pager on this machine: the text itself, not nothing
            sys.stdout.write(content)
