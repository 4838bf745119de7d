"""`factory deploy`: the files it writes, the shipped examples staying what the renderer makes of
their config, and `deploy check`'s answers (1 with every problem; 2 with one line for bad input)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "deploy" / "nightly-math.yaml"
SHIPPED = ROOT / "deploy" / "nightly-math"
SHIPPED_SCRIPT = "/shared/trajectory-factory/deploy/nightly-math/run.sbatch"


def factory(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "factory.cli.app", *args], capture_output=True, text=True, cwd=cwd)


def test_shipped_manifests_are_what_their_config_renders(tmp_path):
    p = factory("deploy", "kuberay", "--config", str(EXAMPLE), "--out", str(tmp_path))
    assert p.returncode == 0, p.stderr
    p = factory("deploy", "slurm", "--config", str(EXAMPLE), "--out", str(tmp_path), "--script-path", SHIPPED_SCRIPT)
    assert p.returncode == 0, p.stderr
    names = ["rayjob.yaml", "raycronjob.yaml", "cronjob.yaml", "run.sbatch", "run.scrontab"]
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(names)
    for n in names:  # re-render deploy/nightly-math/ after changing the renderer or the example config
        assert (tmp_path / n).read_text() == (SHIPPED / n).read_text(), n
    assert (tmp_path / "run.sbatch").stat().st_mode & 0o111


def test_check_passes_rendered_files_and_lists_every_problem(tmp_path):
    files = [str(SHIPPED / n) for n in ("rayjob.yaml", "raycronjob.yaml", "cronjob.yaml")]
    p = factory("deploy", "check", *files)
    assert p.returncode == 0, p.stdout + p.stderr
    job = yaml.safe_load((SHIPPED / "rayjob.yaml").read_text())
    job["spec"]["ttlSecondsAfterFinish"] = 5
    job["spec"]["rayClusterSpec"]["workerGroupSpecs"][0]["replicas"] = -1
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump_all([yaml.safe_load((SHIPPED / "raycronjob.yaml").read_text()), job]))
    p = factory("deploy", "check", str(bad))
    assert p.returncode == 1
    lines = p.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{bad} doc 2 (RayJob nightly-math): ") for line in lines)
    assert any("ttlSecondsAfterFinish: unknown field" in line for line in lines)
    assert any("workerGroupSpecs.0.replicas" in line for line in lines)


def test_bad_input_is_one_line(tmp_path):
    p = factory("deploy", "check", str(tmp_path / "missing.yaml"))
    assert p.returncode == 2 and p.stderr.strip().count("\n") == 0 and "missing.yaml: no such file" in p.stderr
    cfg = tmp_path / "c.yaml"
    cfg.write_text("pipeline: math\noutput_dir: /mnt/runs\ndeploy:\n  pvc: x\n")
    p = factory("deploy", "kuberay", "--config", str(cfg), "--out", str(tmp_path / "out"))
    assert p.returncode == 2 and p.stderr.strip() == f"error: {cfg}: deploy.image: required by `factory deploy`: " \
                                                      "the container image with this project installed"
    assert not (tmp_path / "out" / "rayjob.yaml").exists()
    cfg.write_text("pipeline: math\noutput_dir: /mnt/runs\ndeploy:\n  image: i\n  pvc: x\n  schedul: '0 1 * * *'\n")
    p = factory("deploy", "slurm", "--config", str(cfg))
    assert p.returncode == 2 and "deploy.schedul: unknown field" in p.stderr
