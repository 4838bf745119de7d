"""The run directory: resolved config, manifest, and the rule that a rerun must be the same run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from factory.config import RunConfig, dump_config
from factory.errors import UserError
from factory.manifest import Manifest, load_manifest, remove_orphans, save_manifest

# Fields that change what a task produces. Everything else (workers, endpoints, timeouts, shard
# sizes, limit) may differ between the first run and a resume.
_CONTENT = ("pipeline", "seed", "pipeline_options", "verify", "dedup")
_TEACHER_CONTENT = ("model", "sampling")


def content_view(cfg: dict[str, Any]) -> dict[str, Any]:
    view = {k: cfg.get(k) for k in _CONTENT}
    view["teacher"] = {k: (cfg.get("teacher") or {}).get(k) for k in _TEACHER_CONTENT}
    return view


def config_sha(cfg: RunConfig) -> str:
    return hashlib.sha256(json.dumps(content_view(cfg.model_dump(mode="json")), sort_keys=True).encode()).hexdigest()


def open_run_dir(cfg: RunConfig) -> tuple[Path, Manifest]:
    run_dir = cfg.run_dir
    sha = config_sha(cfg)
    manifest = load_manifest(run_dir) if run_dir.exists() else None
    if manifest is not None and manifest.config_sha256 != sha:
        old = yaml.safe_load((run_dir / "config.yaml").read_text()) if (run_dir / "config.yaml").exists() else {}
        new, before = content_view(cfg.model_dump(mode="json")), content_view(old or {})
        diff = sorted(k for k in new if new[k] != before.get(k)) or ["(unknown)"]
        raise UserError(f"{run_dir} was produced with a different config ({', '.join(diff)} differ); "
                        "use --name for a new run, or rerun with the original config to resume")
    run_dir.mkdir(parents=True, exist_ok=True)
    if manifest is None:
        manifest = Manifest(run_id=f"{cfg.run_name}-{sha[:8]}", pipeline=cfg.pipeline, config_sha256=sha)
        save_manifest(run_dir, manifest)
    remove_orphans(run_dir, manifest)
    (run_dir / "config.yaml").write_text(dump_config(cfg))
    return run_dir, manifest
