"""A SWE-bench-shaped instance over a local git repository (buggy base_commit, gold patch, a
test_patch adding the failing test) through `factory swe check`, with no teacher."""

import json
import shutil
import subprocess
import sys

import pytest

from tests.fakes.servers import ROOT
from tests.pipelines.swe.fixture import FIXTURE

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
NEW_TEST = "from minilib import mean\n\n\ndef test_mean_fraction():\n    assert mean([1, 2]) == 1.5\n"


def _git(repo, *argv):
    return subprocess.run([*GIT, *argv], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def swe_bench_instance(tmp_path_factory):
    d = tmp_path_factory.mktemp("gh") / "acme__minilib"
    shutil.copytree(FIXTURE, d)
    _git(d, "init", "-q")
    _git(d, "add", "-A")
    _git(d, "commit", "-qm", "good")
    core = d / "minilib" / "core.py"
    core.write_text(core.read_text().replace("return total / count", "return total // count"))
    _git(d, "commit", "-qam", "bug")
    base = _git(d, "rev-parse", "HEAD").strip()
    gold = _git(d, "diff", "HEAD", "HEAD~1", "--", "minilib/core.py")
    (d / "tests" / "test_extra.py").write_text(NEW_TEST)
    _git(d, "add", "-A")
    test_patch = _git(d, "diff", "--cached")
    _git(d, "reset", "-q", "--hard")
    row = {"instance_id": "acme__minilib-1", "repo": "acme/minilib", "base_commit": base, "patch": gold,
           "test_patch": test_patch, "problem_statement": "mean([1, 2]) returns 1",
           "FAIL_TO_PASS": json.dumps(["tests/test_extra.py::test_mean_fraction", "tests/test_core.py::test_mean"]),
           "PASS_TO_PASS": json.dumps(["tests/test_core.py::test_clamp_inside", "tests/test_shapes.py::test_square"])}
    return d.parent, row


def _check(tmp_path, rows, repos_dir):
    f = tmp_path / "instances.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return subprocess.run([sys.executable, "-m", "factory.cli.app", "swe", "check", str(f), "--repos-dir",
                           str(repos_dir)], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_valid_instance_passes_check(swe_bench_instance, tmp_path):
    repos, row = swe_bench_instance
    p = _check(tmp_path, [row], repos)
    assert p.returncode == 0, p.stdout + p.stderr[-2000:]
    assert p.stdout.split("\t")[:3] == ["acme__minilib-1", "ok", "valid"]


def test_invalid_instances_fail_check(swe_bench_instance, tmp_path):
    repos, row = swe_bench_instance
    no_fix = {**row, "instance_id": "no-fix", "patch": ""}  # the gold patch does not resolve it
    wrong_f2p = {**row, "instance_id": "passes-anyway", "FAIL_TO_PASS": '["tests/test_core.py::test_clamp_low"]'}
    p = _check(tmp_path, [no_fix, wrong_f2p], repos)
    assert p.returncode == 1
    lines = dict(line.split("\t")[:2] for line in p.stdout.splitlines())
    assert lines == {"no-fix": "INVALID", "passes-anyway": "INVALID"}
    assert "an empty patch resolves it" in p.stdout and "gold patch: empty_patch" in p.stdout


def test_bad_row_is_one_line(tmp_path):
    p = _check(tmp_path, [{"instance_id": "x"}], tmp_path)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "row 1 (x)" in p.stderr
