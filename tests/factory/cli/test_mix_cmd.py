"""`factory mix` as a user types it: an impossible mix is one line on stderr, exit 2, nothing written."""

from __future__ import annotations

import subprocess
import sys

import yaml

from tests.fakes.servers import ROOT


def test_an_impossible_mix_is_one_line_and_writes_nothing(mix_runs, tmp_path):
    spec = tmp_path / "mix.yaml"
    spec.write_text(yaml.safe_dump({"tokenizer": "embedded", "sources": [
        {"name": "cot", "path": str(mix_runs["agentic_cot"]), "weight": 1, "select": {"outcome": ["no_such_outcome"]}}]}))
    p = subprocess.run([sys.executable, "-m", "factory.cli.app", "mix", "--spec", str(spec), "--to", str(tmp_path / "out")],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 2, p.stderr
    assert p.stderr.count("\n") == 1 and p.stderr.startswith("error: nothing to mix — source cot has no rows left")
    assert not (tmp_path / "out").exists() and [x.name for x in tmp_path.iterdir()] == ["mix.yaml"]
