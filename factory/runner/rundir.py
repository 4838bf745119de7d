"""The run directory: resolved config, manifest, and the rule that a rerun must be the same run."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import yaml

from factory.config import RunConfig, dump_config
from factory.errors import UserError
from factory.manifest import Manifest, load_manifest, remove_orphans, save_manifest
from factory.migrate import check_current
from factory.pipeline.view import PipelineView
from factory.records import SCHEMA_VERSION
from factory.shards.integrity import check_run, damage_message

log = logging.getLogger(__name__)
# Fields that change what a task produces. Everything else (workers, endpoints, timeouts, shard
# sizes, limit) may differ between the first run and a resume.
_CONTENT = ("pipeline", "seed", "pipeline_options", "verify", "dedup")
_TEACHER_CONTENT = ("model", "sampling")
_DEDUP_PLACEMENT = ("index", "partitions", "partition_resources")


def content_view(cfg: dict[str, Any], stream_option: str | None = None) -> dict[str, Any]:
    view = {k: cfg.get(k) for k in _CONTENT}
    if stream_option and isinstance(view.get("pipeline_options"), dict):
        # the size of an append-only stream: a run grows by raising it (--add) and stays the same run
        view["pipeline_options"] = {k: v for k, v in view["pipeline_options"].items() if k != stream_option}
    view["teacher"] = {k: (cfg.get("teacher") or {}).get(k) for k in _TEACHER_CONTENT}
    if isinstance(view.get("dedup"), dict):  # where the index lives does not change its answers
        view["dedup"] = {k: v for k, v in view["dedup"].items() if k not in _DEDUP_PLACEMENT}
    return view


def config_sha(cfg: RunConfig, stream_option: str | None = None) -> str:
    view = content_view(cfg.model_dump(mode="json"), stream_option)
    return hashlib.sha256(json.dumps(view, sort_keys=True).encode()).hexdigest()


def _differs(new: Any, old: Any, default: Any, missing: bool) -> bool:
    """Whether a content field changed. A field the stored config does not have at all (it was
    added to the config models later) is unchanged when the new value is its default."""
    if missing:
        return new != default
    if isinstance(new, dict) and isinstance(old, dict):
        d = default if isinstance(default, dict) else {}
        return any(_differs(new.get(k), old.get(k), d.get(k), k not in old) for k in new.keys() | old.keys())
    return new != old


def open_run_dir(cfg: RunConfig, view: PipelineView | None = None, option_defaults: dict[str, Any] | None = None,
                 stream_option: str | None = None) -> tuple[Path, Manifest]:
    """Create or reopen the run directory: refuse a config that would change the data, remove
    uncommitted shard files, record the resolved config and the pipeline's declarations.
    `option_defaults` (the pipeline's Options defaults) lets a run made before an option existed
    resume when the option keeps its default."""
    run_dir = cfg.run_dir
    sha = config_sha(cfg, stream_option)
    manifest = load_manifest(run_dir) if run_dir.exists() else None
    if manifest is not None and manifest.config_sha256 != sha:
        old = yaml.safe_load((run_dir / "config.yaml").read_text()) if (run_dir / "config.yaml").exists() else {}
        new = content_view(cfg.model_dump(mode="json"), stream_option)
        before = content_view(old or {}, stream_option)
        defaults = content_view({**RunConfig(pipeline=cfg.pipeline).model_dump(mode="json"),
                                 "pipeline_options": option_defaults or {}}, stream_option)
        diff = sorted(k for k in new if _differs(new[k], before.get(k), defaults.get(k), False))
        if diff or not old:
            raise UserError(f"{run_dir} was produced with a different config ({', '.join(diff or ['(unknown)'])} "
                            "differ); use --name for a new run, or rerun with the original config to resume")
        log.info("config of %s gained fields at their defaults since it was made; resuming", run_dir)
        manifest.config_sha256 = sha
        save_manifest(run_dir, manifest)
    if manifest is not None:
        damage = check_run(run_dir, manifest)
        if any(not d.derived for d in damage):
            raise UserError(damage_message(run_dir, damage))
    run_dir.mkdir(parents=True, exist_ok=True)
    if manifest is None:
        manifest = Manifest(run_id=f"{cfg.run_name}-{sha[:8]}", pipeline=cfg.pipeline, config_sha256=sha,
                            schema_version=SCHEMA_VERSION)
        save_manifest(run_dir, manifest)
    elif manifest.schema_version != SCHEMA_VERSION:
        if manifest.commits:
            check_current(manifest, run_dir)
        manifest.schema_version = SCHEMA_VERSION
        save_manifest(run_dir, manifest)
    if view is not None and manifest.view != view:
        manifest.view = view
        save_manifest(run_dir, manifest)
    removed = remove_orphans(run_dir, manifest)
    if removed:
        log.warning("removed %d uncommitted file(s) left by an interrupted run: %s", len(removed),
                    ", ".join(removed[:5]) + (" …" if len(removed) > 5 else ""))
    (run_dir / "config.yaml").write_text(dump_config(cfg))
    return run_dir, manifest
