import subprocess

import pytest

from factory.errors import UserError
from pipelines.swe import sources
from tests.pipelines.swe.fixture import fixture_git


def test_path_source_at_a_commit_has_no_history(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAJECTORY_FACTORY_CACHE", str(tmp_path / "cache"))
    repo = fixture_git()
    first = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    tree = sources.materialize(f"path:{repo}", commit=first)
    assert (tree / "minilib" / "core.py").read_text() == (repo / "minilib" / "core.py").read_text()
    assert not (tree / ".git").exists()
    assert sources.materialize(f"path:{repo}", commit=first) == tree  # cached


@pytest.mark.parametrize("bad", ["github:a/b", "pypi:toolz", "pypi:toolz>=1", "debian:", "path:"])
def test_bad_sources_are_one_line(bad):
    with pytest.raises(UserError, match="expected pypi:NAME==VERSION, path:DIR or debian:PACKAGE=VERSION"):
        sources.check_source(bad)


def test_unknown_commit_and_non_repository(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAJECTORY_FACTORY_CACHE", str(tmp_path / "cache"))
    with pytest.raises(UserError, match="cannot be archived"):
        sources.materialize(f"path:{fixture_git()}", commit="0" * 40)
    with pytest.raises(UserError, match="not a git repository"):
        sources.materialize(f"path:{tmp_path}")


def test_debian_source_package_without_a_deb_src_line(tmp_path, monkeypatch):
    """A private deb-src index in the cache: works on a machine whose sources.list has none."""
    monkeypatch.setenv("TRAJECTORY_FACTORY_CACHE", str(tmp_path / "cache"))
    tree = sources.materialize("debian:hello=2.10-3")
    assert (tree / "debian" / "control").is_file() and (tree / "src" / "hello.c").is_file()
    with pytest.raises(UserError, match=r"^source debian:hello=0\.0-0: apt-get source failed: E: "):
        sources.materialize("debian:hello=0.0-0")
