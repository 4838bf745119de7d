"""Options and the task list: instances from a file, or synthesised from a repository profile
(cached per profile, seed and limits, so a resumed or repeated run gets the same tasks)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path
from typing import Literal

from pydantic import Field

from factory.errors import UserError
from factory.seeding import derive_seed
from factory.trajectory import Task
from pipelines.swe import instances as inst_io
from pipelines.swe import profiles, sources, synth
from pipelines.swe.instances import Instance
from pipelines.swe.profiles import RepoProfile
from pipelines.swe.static import plan as static_plan
from pipelines.swe.static.plan import StaticOptions
from pipelines.swe.workspace import prepare_image
from sandboxes.config import SandboxConfig
from sandboxes.pool import SandboxPool
from tf_common import Strict, cache_root

log = logging.getLogger(__name__)
SYNTH_VERSION = 2  # bump when synthesis would make different instances from the same inputs


def swe_sandbox() -> SandboxConfig:
    # a repository's suite needs more than math's snippets: memory for pytest, time for a suite
    return SandboxConfig(memory_mb=1024, pids=256, timeout_s=120, output_cap_bytes=256 * 1024, work_mb=512,
                         max_concurrent=4)


class Options(Strict):
    instances: str | None = Field(None, description="FILE.jsonl|.parquet of SWE-bench-format instances; "
                                                    "unset: synthesise from `profile`")
    repos_dir: str | None = Field(None, description="local clones (owner__name/) for instances without `source`")
    profile: str | RepoProfile = Field("toolz", description="a shipped profile's name, or a profile")
    synth_limit: int = Field(3, ge=1, description="instances to synthesise")
    synth_max_candidates: int = Field(80, ge=1, description="bug candidates to try at most")
    issue_text: Literal["template", "teacher"] = Field("template", description="who writes synthesised problem statements")
    limit: int | None = Field(None, ge=1, description="use only the first N instances")
    max_turns: int = Field(12, ge=1)
    turn_max_tokens: int = Field(768, ge=16)
    temperature: float = Field(0.7, ge=0)
    guided: bool | None = Field(None, description="a JSON schema per turn (weak teachers); unset: on for the embedded teacher")
    thought_max_chars: int = Field(400, ge=20)
    branches: int = Field(2, ge=0, description="continuations forked from a resolved trajectory's key actions")
    step_probes: int = Field(3, ge=0, description="single alternative steps probed in a failed trajectory")
    bash_timeout_s: float = Field(60.0, gt=0)
    max_output_chars: int = Field(4000, ge=200, description="a tool output is clipped to its head and tail beyond this")
    context_chars: int = Field(24000, ge=1000, description="tool output the teacher is sent at most; older is elided")
    sandbox: SandboxConfig = Field(default_factory=swe_sandbox)
    static: StaticOptions | None = Field(None, description="static tasks over long-tail repositories instead of "
                                         "test-graded instances (docs/pipelines/swe.md#static-tasks)")


def profile_of(o: Options) -> RepoProfile:
    return o.profile if isinstance(o.profile, RepoProfile) else profiles.get(o.profile)


def image_for(inst: Instance, cfg: SandboxConfig) -> SandboxConfig:
    tree = sources.materialize(inst.source, sha256=inst.source_sha256, commit=inst.base_commit or None)
    return prepare_image(cfg, tree, inst.profile or inst.repo.replace("/", "__") or "repo", inst.debian)


def synthesised(o: Options, seed: int) -> list[Instance]:
    prof = profile_of(o)
    key = json.dumps([SYNTH_VERSION, prof.model_dump(), seed, o.synth_limit, o.synth_max_candidates], sort_keys=True)
    cache = cache_root() / "swe" / "synth" / f"{prof.name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}.jsonl"
    if cache.exists():
        return inst_io.load(cache)
    tree = sources.materialize(prof.source, sha256=prof.sha256)
    cfg = prepare_image(o.sandbox, tree, prof.name, prof.debian)
    pool = SandboxPool(cfg)
    try:
        found, stats = asyncio.run(synth.synthesize(pool, prof, tree, seed=seed, limit=o.synth_limit,
                                                    max_candidates=o.synth_max_candidates))
    finally:
        pool.close()
    log.info("synthesised %d instance(s) from %d candidate(s) of profile %s in %.1fs (rejected: %s)",
             stats.valid, stats.candidates, prof.name, stats.seconds, stats.rejected)
    if not found:
        raise UserError(f"profile {prof.name}: no valid instance among {stats.candidates} candidates "
                        f"(rejected: {stats.rejected}); raise synth_max_candidates")
    cache.parent.mkdir(parents=True, exist_ok=True)
    inst_io.dump(found, cache)
    return found


def load_instances(o: Options, seed: int) -> list[Instance]:
    if o.instances:
        found = inst_io.load(Path(o.instances).expanduser(), Path(o.repos_dir).expanduser() if o.repos_dir else None)
    else:
        found = synthesised(o, seed)
    return found[: o.limit] if o.limit else found


def load_tasks(o: Options, seed: int, pipeline: str) -> list[Task]:
    if o.static is not None:
        found = static_plan.plan(o.static, seed, o.sandbox).tasks
        found = found[: o.limit] if o.limit else found
        return [Task(id=f"swe-{hashlib.sha256(t.instance_id.encode()).hexdigest()[:16]}", pipeline=pipeline,
                     seed=derive_seed(seed, t.instance_id), payload=t.model_dump()) for t in found]
    out = []
    for inst in load_instances(o, seed):
        digest = hashlib.sha256(f"{inst.instance_id}\x1f{inst.setup_patch}\x1f{inst.patch}".encode()).hexdigest()[:16]
        tid = f"swe-{digest}"
        out.append(Task(id=tid, pipeline=pipeline, seed=derive_seed(seed, tid), payload=inst.model_dump()))
    return out
