"""The fixture repository as a git repository and a profile over it, made once per test session."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipelines.swe.profiles import RepoProfile

FIXTURE = Path(__file__).with_name("fixture_repo")


@functools.cache
def fixture_git() -> Path:
    d = Path(tempfile.mkdtemp(prefix="tf-swe-fixture-")) / "minilib"
    shutil.copytree(FIXTURE, d, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-01-01T00:00:00", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00"}
    for argv in (["git", "init", "-q"], ["git", "add", "-A"],
                 ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "fixture"]):
        subprocess.run(argv, cwd=d, check=True, env=env)
    return d


def profile() -> RepoProfile:
    return RepoProfile(name="minilib", source=f"path:{fixture_git()}", test_paths=["tests"],
                       targets=["minilib/*.py"], timeout_s=60)
