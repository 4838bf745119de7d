"""Disk full while a shard is written, on a real size-limited file system (a tmpfs mounted for the
test): one line, staging cleaned, the manifest consistent with what is on disk; after space is
freed the rerun completes with every task exactly once."""

from __future__ import annotations

import subprocess
import sys

import pytest

from factory.config import RunConfig
from factory.errors import StorageFull
from factory.manifest import load_manifest
from factory.runner import driver, fsck
from tests.conftest import TOY
from tests.factory.pipeline.toy import toy_reply
from tests.fakes.scripted import ScriptedTeacher
from tests.fakes.servers import ROOT, free_port, start_fake, stop
from tests.rows import committed_rows


@pytest.fixture
def small_disk(tmp_path):
    """A 512 KiB tmpfs (the test runs as root, as CI does: mounting needs CAP_SYS_ADMIN)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(disk)], capture_output=True, text=True)
    assert p.returncode == 0, f"cannot mount a tmpfs for the disk-full test: {p.stderr.strip()}"
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def cfg(disk) -> RunConfig:
    return RunConfig.model_validate({"pipeline": TOY, "output_dir": str(disk / "runs"), "name": "full",
                                     "limit": 16, "pipeline_options": {"tasks": 16, "padding": 1500},
                                     "runner": {"executor": "inline", "chunk_size": 2},
                                     "shards": {"rows_per_shard": 4}})


@pytest.mark.parametrize("free_kib", [40, 90])  # the space runs out at different moments of a commit
def test_disk_full_mid_commit_then_rerun_after_space_is_freed(small_disk, free_kib, capsys):
    ballast = small_disk / "ballast"
    with ballast.open("wb") as f:
        f.write(b"\0" * (512 - free_kib) * 1024)
    with pytest.raises(StorageFull) as e:
        driver.run(cfg(small_disk), teacher=ScriptedTeacher(toy_reply))
    msg = str(e.value)
    assert "\n" not in msg and "free space and rerun" in msg, msg
    run_dir = small_disk / "runs" / "full"
    staging = run_dir / "staging"
    assert not staging.exists() or not any(staging.iterdir())
    report = fsck.check(run_dir)  # the manifest loads and lists exactly the files on disk
    assert report.clean and report.uncommitted == []
    assert "Traceback" not in capsys.readouterr().err
    done_before = {t for c in load_manifest(run_dir).commits for t in c.task_ids}

    ballast.unlink()
    out = driver.run(cfg(small_disk), teacher=ScriptedTeacher(toy_reply))
    assert out.new_tasks == 16 - len(done_before)
    m = load_manifest(run_dir)
    tasks = [t for c in m.commits for t in c.task_ids]
    assert len(tasks) == 16 and len(set(tasks)) == 16
    rows = committed_rows(run_dir)
    assert len({r["id"] for r in rows}) == len(rows) and fsck.check(run_dir).clean


def test_cli_run_on_a_full_disk_exits_1_with_one_line(small_disk, tmp_path):
    """Through the CLI, the openai backend and a stand-in OpenAI server (no traceback on the console)."""
    with (small_disk / "ballast").open("wb") as f:
        f.write(b"\0" * (512 - 40) * 1024)
    port = free_port()
    server = start_fake(port)
    try:
        conf = tmp_path / "c.yaml"
        conf.write_text(f"""pipeline: agentic_cot
name: full
output_dir: {small_disk / 'runs'}
limit: 16
teacher: {{backend: openai, base_url: "http://127.0.0.1:{port}/v1"}}
runner: {{executor: inline, chunk_size: 2}}
shards: {{rows_per_shard: 4}}
""")
        p = subprocess.run([sys.executable, "-m", "factory.cli.app", "run", "--config", str(conf)], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    finally:
        stop(server)
    assert p.returncode == 1, p.stderr
    assert p.stderr.startswith("error: ") and p.stderr.count("\n") == 1, p.stderr
    assert "No space left on device" in p.stderr and "free space and rerun" in p.stderr
    assert fsck.check(small_disk / "runs" / "full").clean
