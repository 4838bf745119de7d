"""A run as a Slurm batch job: an `sbatch` script that starts a Ray head on the allocation's first
node and a Ray worker on each other node, then runs `factory run` against that cluster; and a
`scrontab` entry that submits it on the schedule. The resolved run config is inside the script, so the
script is the whole job (a file on the shared filesystem is all Slurm needs)."""

from __future__ import annotations

import shlex

from factory.cluster.render_k8s import k8s_name
from factory.config import RunConfig, dump_config
from factory.errors import UserError

END = "FACTORY_RUN_CONFIG_END"


def _job_config_text(cfg: RunConfig) -> str:
    # Inside the allocation the cluster is given by --address on the command line; the code is the
    # shared environment's, so nothing is shipped.
    from factory.cluster.jobs import job_config

    text = dump_config(job_config(cfg))
    if END in text.splitlines():  # a here-document ends only at a line that is exactly its marker
        raise UserError(f"the run config contains a line {END!r}, which would end the script's here-document; "
                        "change that value")
    return text


def sbatch_script(cfg: RunConfig) -> str:
    d = cfg.deploy
    vllm = cfg.teacher.backend == "vllm"
    nodes = cfg.teacher.replicas if vllm else 1
    directives = [f"--job-name=tf-{k8s_name(cfg.run_name)}", f"--nodes={nodes}", "--ntasks-per-node=1",
                  "--exclusive", f"--cpus-per-task={d.worker_cpus}", f"--time={d.slurm_time}",
                  f"--output={cfg.output_dir.rstrip('/')}/slurm-{k8s_name(cfg.run_name)}-%j.log"]
    if vllm:
        directives.append(f"--gpus-per-node={cfg.teacher.tensor_parallel_size}")
    if d.slurm_partition:
        directives.append(f"--partition={d.slurm_partition}")
    if d.slurm_account:
        directives.append(f"--account={d.slurm_account}")
    # --overlap: the Ray steps hold their nodes for the whole job; later steps must not wait on them
    step = "srun --overlap --nodes=1 --ntasks=1" + (f" --gpus-per-node={cfg.teacher.tensor_parallel_size}" if vllm else "")
    run = ["factory", "run", "--config", '"$cfg"', "--address", '"$head_ip:$port"']
    if d.add:
        run += ["--add", str(d.add)]
    lines = ["#!/bin/bash", *(f"#SBATCH {x}" for x in directives), f"""\
# trajectory-factory: run {shlex.quote(cfg.run_name)} (rendered by `factory deploy slurm`; re-render, do not edit)
set -euo pipefail
# Put the project's environment on PATH here if the job does not inherit it, e.g.
# source /shared/trajectory-factory/.venv/bin/activate

port={d.ray_port}
mapfile -t nodes < <(scontrol show hostnames "$SLURM_JOB_NODELIST")
head=${{nodes[0]}}
head_ip=$(srun --nodes=1 --ntasks=1 -w "$head" hostname --ip-address | awk '{{print $1}}')

# Ray's own processes, one job step per node; they end with the allocation.
{step} -w "$head" ray start --head --node-ip-address="$head_ip" --port="$port" \\
  --disable-usage-stats --block &
ready=0
for _ in $(seq 120); do
  if ray health-check --address "$head_ip:$port" >/dev/null 2>&1; then ready=1; break; fi
  sleep 1
done
if [[ $ready != 1 ]]; then echo "ray head on $head did not come up in 120 s" >&2; exit 1; fi
for node in "${{nodes[@]:1}}"; do
  {step} -w "$node" ray start --address="$head_ip:$port" --disable-usage-stats --block &
done

cfg=$(mktemp --suffix=.yaml)
trap 'rm -f "$cfg"' EXIT
cat > "$cfg" <<'{END}'
{_job_config_text(cfg)}{END}
# The driver runs here, on the head node. Its exit code is the job's: 0 done, 2 bad input,
# 3 the teacher died (committed work is kept; the next tick resumes).
{" ".join(run)}
"""]
    return "\n".join(lines)


def scrontab_entry(cfg: RunConfig, script: str) -> str:
    """A `scrontab` entry: at each tick a small job submits the batch script (Slurm's cron runs its
    lines as jobs; submitting from one keeps the run's own allocation as the script asks for it)."""
    opts = ["--time=00:05:00", "--ntasks=1", f"--job-name=tf-cron-{k8s_name(cfg.run_name)}"]
    if cfg.deploy.slurm_partition:
        opts.append(f"--partition={cfg.deploy.slurm_partition}")
    if cfg.deploy.slurm_account:
        opts.append(f"--account={cfg.deploy.slurm_account}")
    return (f"# {cfg.run_name}: nightly top-up (slurmctld's local time; time_zone {cfg.deploy.time_zone} is "
            f"not applied by scrontab)\n#SCRON {' '.join(opts)}\n{cfg.deploy.schedule} sbatch {shlex.quote(script)}\n")
