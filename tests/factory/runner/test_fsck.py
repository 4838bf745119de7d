"""Damaged committed shards: resume refuses to go on silently, `fsck` names the damage, and
quarantine sets whole commits aside so that the next run regenerates exactly their tasks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from factory.errors import UserError
from factory.inspect.reader import open_run
from factory.manifest import load_manifest
from factory.runner import driver, fsck
from tests.factory.pipeline.toy import toy_reply
from tests.fakes.scripted import ScriptedTeacher
from tests.rows import committed_rows

CFG = {"limit": 16, "runner": {"chunk_size": 4, "chunks_in_flight": 1}}  # a commit per chunk


@pytest.fixture
def run_dir(make_cfg):
    """A committed toy run with both sides (this module's resumes use the same config)."""
    out = driver.run(make_cfg(**CFG), teacher=ScriptedTeacher(toy_reply))
    assert out.stats["accepted"] and out.stats["rejected"]
    return out.run_dir


def snapshot(run_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in sorted(run_dir.rglob("*")) if p.is_file()
            and p.name not in ("run.log", "run.lock")}


def flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how,reason", [("flip", "sha256 differs"), ("truncate", "bytes, the manifest says"),
                                        ("delete", "missing")])
def test_resume_and_readers_name_a_damaged_shard_and_change_nothing(run_dir, make_cfg, how, reason):
    m = load_manifest(run_dir)
    victim = run_dir / m.commits[1].accepted.path
    {"flip": flip, "truncate": lambda p: p.write_bytes(p.read_bytes()[:-100]), "delete": Path.unlink}[how](victim)
    before = snapshot(run_dir)
    teacher = ScriptedTeacher(toy_reply)
    with pytest.raises(UserError, match=f"{m.commits[1].accepted.path}: .*{reason}.*factory fsck") as e:
        driver.run(make_cfg(**CFG), teacher=teacher)
    assert "\n" not in str(e.value) and not teacher.calls and snapshot(run_dir) == before
    report = fsck.check(run_dir)
    assert [(d.seq, d.side) for d in report.damage] == [(1, "accepted")] and reason in report.damage[0].reason
    r = open_run(run_dir)
    assert [f for f, _ in r.broken] == [victim] and victim not in r.files["accepted"]


def test_quarantine_sets_the_whole_commit_aside_and_the_rerun_redoes_exactly_its_tasks(run_dir, make_cfg):
    m = load_manifest(run_dir)
    bad = m.commits[1]
    assert bad.accepted and bad.rejected  # both sides: keeping one would duplicate rows on the rerun
    rows_before = {r["id"] for r in committed_rows(run_dir)}
    flip(run_dir / bad.rejected.path)
    report = fsck.quarantine(run_dir)
    assert report.quarantined_commits == [bad.seq] and report.quarantined_tasks == bad.task_ids
    for f in (bad.accepted, bad.rejected, bad.signatures):
        assert not (run_dir / f.path).exists() and (report.quarantined_to / f.path).exists()
    assert (report.quarantined_to / "commits.json").exists()
    assert fsck.check(run_dir).clean
    out = driver.run(make_cfg(**CFG), teacher=ScriptedTeacher(toy_reply))
    assert out.new_tasks == len(bad.task_ids)
    m2 = load_manifest(run_dir)
    tasks = [t for c in m2.commits for t in c.task_ids]
    assert sorted(tasks) == sorted(t for c in m.commits for t in c.task_ids) and len(tasks) == len(set(tasks))
    rows = committed_rows(run_dir)
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["id"] for r in rows} == rows_before  # the redone tasks give the same ids (seeded by task)
    assert fsck.check(run_dir).clean


def test_a_damaged_signature_sidecar_is_derived_data_the_run_goes_on(run_dir, make_cfg):
    m = load_manifest(run_dir)
    flip(run_dir / m.commits[0].signatures.path)
    report = fsck.check(run_dir)
    assert [d.derived for d in report.damage] == [True]
    out = driver.run(make_cfg(**CFG), teacher=ScriptedTeacher(toy_reply))  # resumes: re-hashes that shard
    assert out.new_tasks == 0
    q = fsck.quarantine(run_dir)
    assert q.quarantined_tasks == [] and load_manifest(run_dir).commits[0].signatures is None
    assert len(load_manifest(run_dir).commits) == len(m.commits) and fsck.check(run_dir).clean


@pytest.mark.parametrize("garble", [lambda b: b[: len(b) // 2], lambda b: b"\x00\xff" + b[2:], lambda b: b""])
def test_a_garbled_manifest_is_one_line_and_nothing_is_deleted(run_dir, make_cfg, garble):
    p = run_dir / "manifest.json"
    p.write_bytes(garble(p.read_bytes()))
    (run_dir / "staging").mkdir(exist_ok=True)
    (run_dir / "staging" / "x.tmp").write_bytes(b"left by a crash")
    before = snapshot(run_dir)
    for call in (lambda: driver.run(make_cfg(**CFG), teacher=ScriptedTeacher(toy_reply)),
                 lambda: fsck.check(run_dir), lambda: fsck.quarantine(run_dir), lambda: open_run(run_dir)):
        with pytest.raises(UserError, match="manifest.json: not a valid manifest") as e:
            call()
        assert "\n" not in str(e.value)
    assert snapshot(run_dir) == before


def test_fsck_command_exit_codes(run_dir):
    def factory(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "factory.cli.app", *args], capture_output=True, text=True,
                              env={**os.environ, "COLUMNS": "200"})

    p = factory("fsck", str(run_dir))
    assert p.returncode == 0 and "all match the manifest" in p.stdout
    m = load_manifest(run_dir)
    flip(run_dir / m.commits[0].accepted.path)
    p = factory("fsck", str(run_dir))
    assert p.returncode == 1 and m.commits[0].accepted.path in p.stdout and "--quarantine" in p.stdout
    p = factory("fsck", str(run_dir), "--quarantine")
    assert p.returncode == 0 and "regenerates" in p.stdout
    assert factory("fsck", str(run_dir)).returncode == 0
