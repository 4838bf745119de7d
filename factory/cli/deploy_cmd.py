"""`factory deploy`: render a run config as files a scheduler runs (KubeRay, Kubernetes, Slurm), and
check manifests offline."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from factory.config import RunConfig, load_config

app = typer.Typer(no_args_is_help=True, help="Render a run as a scheduled job (KubeRay, Kubernetes CronJob, Slurm); "
                  "check manifests offline.")

CONFIG_HELP = "YAML run config with a deploy: section (image, pvc, schedule, …)"
OUT_HELP = "directory for the rendered files (default: deploy/<run>)"


def _load(config: Path, name: str | None, add: int | None) -> RunConfig:
    cfg = load_config(config, {"name": name} if name else {})
    if add:
        cfg = cfg.model_copy(update={"deploy": cfg.deploy.model_copy(update={"add": add})})
    return cfg


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text)
    tmp.replace(path)
    print(f"wrote {path}", file=sys.stderr)


@app.command()
def kuberay(
    config: Path = typer.Option(..., help=CONFIG_HELP),
    out: Optional[Path] = typer.Option(None, help=OUT_HELP),
    name: Optional[str] = typer.Option(None, help="run name (default: the config's)"),
    add: Optional[int] = typer.Option(None, min=1, help="tasks each tick adds (overrides deploy.add)"),
) -> None:
    """rayjob.yaml (one night now), raycronjob.yaml (KubeRay's schedule), cronjob.yaml (the fallback)."""
    from factory.cluster import render_k8s
    from factory.cluster.validate import check_doc

    cfg = _load(config, name, add)
    out = out or Path("deploy") / cfg.run_name
    docs = {out / "rayjob.yaml": [render_k8s.ray_job(cfg)], out / "raycronjob.yaml": [render_k8s.ray_cron_job(cfg)],
            out / "cronjob.yaml": render_k8s.cron_fallback(cfg)}
    problems = [f"{path.name}: {p}" for path, ds in docs.items() for d in ds for p in check_doc(d)]
    if problems:  # the config is validated first, so this is the renderer's bug, not the user's input
        raise RuntimeError("rendered manifests fail validation: " + "; ".join(problems))
    for path, ds in docs.items():
        _write(path, render_k8s.dump_yaml(*ds))
    if cfg.teacher.backend == "openai" and cfg.teacher.api_key_env not in cfg.deploy.secret_env:
        print(f"note: teacher.api_key_env {cfg.teacher.api_key_env} is not read from a Secret; if the endpoint needs a "
              f"key, set deploy.secret_env: {{{cfg.teacher.api_key_env}: {{secret: NAME, key: KEY}}}}", file=sys.stderr)
    print(f"note: the PVC {cfg.deploy.pvc} must be ReadWriteMany (every Ray pod mounts it)", file=sys.stderr)
    print(f"next: kubectl apply -f {out / 'raycronjob.yaml'}  (KubeRay >= 1.6 with the RayCronJob feature gate)\n"
          f"  or: kubectl apply -f {out / 'cronjob.yaml'}  (a plain CronJob that creates a RayJob per tick)\n"
          f"  or, one night now: kubectl create -f {out / 'rayjob.yaml'}", file=sys.stderr)


@app.command()
def slurm(
    config: Path = typer.Option(..., help=CONFIG_HELP),
    out: Optional[Path] = typer.Option(None, help=OUT_HELP),
    name: Optional[str] = typer.Option(None, help="run name (default: the config's)"),
    add: Optional[int] = typer.Option(None, min=1, help="tasks each tick adds (overrides deploy.add)"),
    script_path: Optional[str] = typer.Option(None, help="where run.sbatch will be on the cluster's shared "
                                              "filesystem, for the scrontab line (default: where it is written)"),
) -> None:
    """run.sbatch (head + workers + driver) and run.scrontab (submits it on the schedule)."""
    from factory.cluster.render_slurm import sbatch_script, scrontab_entry

    cfg = _load(config, name, add)
    out = out or Path("deploy") / cfg.run_name
    script = out / "run.sbatch"
    _write(script, sbatch_script(cfg))
    script.chmod(0o755)
    _write(out / "run.scrontab", scrontab_entry(cfg, script_path or str(script.resolve())))
    print(f"next: sbatch {script}  (one night)\n  nightly: add the lines of {out / 'run.scrontab'} to your Slurm "
          "crontab (scrontab -e); `scrontab FILE` would replace it", file=sys.stderr)


@app.command()
def check(
    files: list[Path] = typer.Argument(..., help="manifest files (multi-document YAML)"),
    crd: list[Path] = typer.Option([], help="a cluster's CustomResourceDefinition file(s), e.g. from `kubectl get "
                                   "crd rayjobs.ray.io -o yaml`; the KubeRay kinds are checked against them too"),
) -> None:
    """Validate manifests offline, strictly (unknown fields fail). Exit 1 listing every problem."""
    from factory.cluster.validate import check_file, crd_validators

    validators = crd_validators(crd) if crd else None
    problems = [p for f in files for p in check_file(f, validators)]
    for p in problems:
        print(p)
    if problems:
        raise typer.Exit(1)
    print(f"{len(files)} file(s) valid", file=sys.stderr)
