"""The sbatch script, run under stand-ins for Slurm's and Ray's commands: it starts the Ray head on
the allocation's first node and a worker on every other, then runs `factory run` on the head against
that cluster with the run's config, and ends with the driver's exit code."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from factory.cluster.jobs import job_config
from factory.cluster.render_slurm import END, sbatch_script, scrontab_entry
from factory.config import RunConfig
from factory.errors import UserError

STANDINS = {
    "scontrol": 'printf "gpu-a\\ngpu-b\\ngpu-c\\n"',
    # srun: record, drop its own options, run the command on "this node"
    "srun": 'echo "srun $*" >> "$LOG"; while [[ $1 == -* ]]; do if [[ $1 == -w ]]; then shift 2; else shift; fi; done; '
            'exec "$@"',
    "hostname": 'echo "10.1.2.3 fe80::1"',
    "ray": 'echo "ray $*" >> "$LOG"',
    "factory": 'echo "factory $*" >> "$LOG"; while [[ $# -gt 0 ]]; do [[ $1 == --config ]] && cp "$2" "$SEEN_CONFIG"; '
               'shift; done; exit "${FACTORY_EXIT:-0}"',
}


def cfg(**over) -> RunConfig:
    base = {"pipeline": "math", "name": "nightly", "output_dir": "/mnt/runs",
            "teacher": {"backend": "vllm", "model": "/models/t", "replicas": 3, "tensor_parallel_size": 4},
            "deploy": {"add": 250, "slurm_partition": "gpu", "ray_port": 6390}}
    return RunConfig.model_validate({**base, **over})


def run_script(tmp_path: Path, text: str, exit_code: int = 0) -> tuple[subprocess.CompletedProcess, list[str], Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in STANDINS.items():
        f = bin_dir / name
        f.write_text(f"#!/bin/bash\n{body}\n")
        f.chmod(f.stat().st_mode | stat.S_IEXEC)
    script = tmp_path / "run.sbatch"
    script.write_text(text)
    log, seen = tmp_path / "calls.log", tmp_path / "seen.yaml"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "LOG": str(log), "SEEN_CONFIG": str(seen),
           "SLURM_JOB_NODELIST": "gpu-[a-c]", "FACTORY_EXIT": str(exit_code)}
    p = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    return p, log.read_text().splitlines(), seen


def test_head_then_workers_then_the_driver(tmp_path):
    c = cfg()
    p, calls, seen = run_script(tmp_path, sbatch_script(c))
    assert p.returncode == 0, p.stderr
    starts = [line for line in calls if line.startswith("srun") and " ray start" in line]
    assert "-w gpu-a ray start --head --node-ip-address=10.1.2.3 --port=6390" in starts[0]
    assert sorted(s.split(" -w ")[1].split()[0] for s in starts[1:]) == ["gpu-b", "gpu-c"]  # started together
    assert all("--address=10.1.2.3:6390" in s and "--gpus-per-node=4" in s for s in starts[1:])
    assert calls.index(next(c for c in calls if c.startswith("ray health-check"))) < calls.index(starts[1])
    [driver] = [line for line in calls if line.startswith("factory")]
    assert driver.startswith("factory run --config ") and driver.endswith("--address 10.1.2.3:6390 --add 250")
    assert RunConfig.model_validate(yaml.safe_load(seen.read_text())) == job_config(c)


def test_directives_follow_the_config():
    text = sbatch_script(cfg())
    for d in ("--nodes=3", "--gpus-per-node=4", "--partition=gpu", "--output=/mnt/runs/slurm-nightly-%j.log"):
        assert f"#SBATCH {d}" in text
    cpu = sbatch_script(cfg(teacher={"backend": "openai", "base_url": "http://x/v1"}))
    assert "#SBATCH --nodes=1" in cpu and "gpus-per-node" not in cpu


def test_the_driver_exit_code_is_the_job_s(tmp_path):
    p, _, _ = run_script(tmp_path, sbatch_script(cfg()), exit_code=3)
    assert p.returncode == 3


def test_a_config_cannot_end_the_here_document():
    c = cfg(pipeline_options={"note": f"a\n{END}\nb"})
    # YAML folds or quotes the value, so the marker never stands alone on a line: the script stays whole
    text = sbatch_script(c)
    body = text.split(f"<<'{END}'\n", 1)[1].split(f"\n{END}\n", 1)[0]
    assert RunConfig.model_validate(yaml.safe_load(body)).pipeline_options["note"] == f"a\n{END}\nb"


def test_a_marker_line_that_would_end_it_is_refused(monkeypatch):
    import factory.cluster.render_slurm as rs

    monkeypatch.setattr(rs, "dump_config", lambda _cfg: f"pipeline: math\n{END}\n")
    with pytest.raises(UserError, match="here-document"):
        rs.sbatch_script(cfg())


def test_scrontab_submits_the_script_on_the_schedule():
    c = cfg(deploy={"schedule": "15 3 * * 1-5", "slurm_account": "ml"})
    text = scrontab_entry(c, "/shared/my run/run.sbatch")
    assert "#SCRON --time=00:05:00 --ntasks=1 --job-name=tf-cron-nightly --account=ml" in text
    assert text.splitlines()[-1] == "15 3 * * 1-5 sbatch '/shared/my run/run.sbatch'"


def test_bash_parses_the_script(tmp_path):
    f = tmp_path / "s.sbatch"
    f.write_text(sbatch_script(cfg()))
    assert subprocess.run(["bash", "-n", str(f)], capture_output=True).returncode == 0
