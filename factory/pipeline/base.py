"""The pipeline contract: a task source, a generator (teacher + environment), verifiers, an options
model, a lifecycle for the resources it holds, and declarations of what the engine shows and counts.
The engine names no pipeline and no pipeline's meta key; everything pipeline-specific is declared
here by the subclass. docs/architecture.md ("Pipelines") has the whole contract and how to add one."""

from __future__ import annotations

import abc
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ValidationError

from factory.config import RunConfig, describe_validation_error
from factory.errors import UserError
from factory.pipeline.view import PipelineView
from factory.teacher.base import Teacher
from factory.trajectory import Task, Trajectory
from factory.verify.base import Verifier
from tf_common import Strict

if TYPE_CHECKING:
    from factory.rl.episode import Episode


class NoOptions(Strict):
    pass


class Pipeline(abc.ABC):
    name: ClassVar[str]
    description: ClassVar[str] = ""
    Options: ClassVar[type[BaseModel]] = NoOptions

    # What the engine shows and counts. Meta keys only; the engine treats them as opaque names.
    stat_keys: ClassVar[tuple[str, ...]] = ()
    """meta keys that stats, the run summary and the report break rows down by"""
    summary_keys: ClassVar[tuple[str, ...] | None] = None
    """the subset of `stat_keys` the run summary shows (None: all; a key with 100+ values buries it)"""
    attempt_key: ClassVar[str | None] = None
    """meta key that numbers independent attempts at one task; when set, stats report pass@1/pass@k"""
    inspect_keys: ClassVar[tuple[str, ...]] = ()
    """meta keys the inspector shows first in a row's header"""
    highlight_tags: ClassVar[tuple[str, ...]] = ()
    """`<tag>…</tag>` sections of assistant text that the inspector sets off, each in its own colour"""
    id_meta_keys: ClassVar[tuple[str, ...]] = ()
    """meta keys that tell apart rows with identical messages (e.g. a variant); part of the content id"""
    repetition_per_message: ClassVar[bool] = False
    """True when later turns restate earlier ones by design (a report built from checked notes): the
    generic repetition check then looks for loops within each assistant message, not across the row"""
    stream_option: ClassVar[str | None] = None
    """the option that sizes an append-only task stream (task i depends only on (seed, i), so more
    tasks never change earlier ones): `factory run --add N` raises it, and it is not part of the
    run's identity. None: the task list is fixed by the options (a file, an allocation over them)"""
    card_keys: ClassVar[tuple[str, ...] | None] = None
    """meta keys the exported dataset card counts rows by (None: `stat_keys`)"""
    rl_form_verifiers: ClassVar[tuple[str, ...]] = ()
    """verifiers that judge the form SFT data should have (tagged phases, a plan), not whether the
    task was done: a reward ignores them. The generic `length` check is always ignored by rewards
    (a trainer bounds a completion's length itself)."""

    def __init__(self, cfg: RunConfig):
        self.cfg = cfg
        try:
            self.options = self.Options.model_validate(cfg.pipeline_options)
        except ValidationError as e:
            where = f"{cfg.source}: " if cfg.source else ""
            msg = describe_validation_error(e, f"{where}pipeline_options ({self.name})")
            raise UserError(msg) from None

    @classmethod
    def option_defaults(cls) -> dict[str, Any]:
        """The options a config that names none gets ({} when some option is required)."""
        try:
            return cls.Options().model_dump(mode="json")
        except ValidationError:
            return {}

    @classmethod
    def view(cls) -> PipelineView:
        return PipelineView(
            name=cls.name, description=cls.description, stat_keys=list(cls.stat_keys),
            summary_keys=list(cls.stat_keys if cls.summary_keys is None else cls.summary_keys),
            attempt_key=cls.attempt_key, inspect_keys=list(cls.inspect_keys),
            highlight_tags=list(cls.highlight_tags),
            card_keys=list(cls.stat_keys if cls.card_keys is None else cls.card_keys))

    # -- work ---------------------------------------------------------------------------------

    @abc.abstractmethod
    def tasks(self) -> list[Task]:
        """All tasks of the run, deterministic for a given config (ids stable across reruns)."""

    @abc.abstractmethod
    async def generate(self, task: Task, teacher: Teacher) -> list[Trajectory]:
        """Trajectories for one task. Malformed teacher output is recorded in
        `meta['failure_reason']`; only a dead teacher may raise."""

    @abc.abstractmethod
    def verifiers(self) -> list[Verifier]:
        """Pipeline-specific verifiers; the generic ones are added by the engine."""

    def record(self, run_dir: Path) -> None:
        """Write what `tasks()` was built from and a later resume can read instead of rebuilding
        (a tool graph): called in the driver once the run dir is open, before any task runs."""

    def postprocess(self, verified: list[Trajectory]) -> list[Trajectory]:
        """After verification, before dedup: set outcomes, derive extra rows (e.g. variants of
        accepted ones). Returns the input rows first, in order, then any derived rows."""
        return verified

    # -- as an RL environment (factory.rl; docs/rl.md) --------------------------------------------

    def rl_episode(self, task: Task) -> "Episode":
        """The task as an environment: prompt, tools on this pipeline's runtimes, the row to judge."""
        raise UserError(f"pipeline '{self.name}' does not define an RL environment (Pipeline.rl_episode)")

    def rl_reward(self, row: Trajectory) -> tuple[float, str]:
        """The reward of a verified row and why: 0 with the first failed verdict's reason when any
        verifier that judges the task failed, else 1. Pipelines with a graded verifier override this
        for partial credit."""
        failed = next((v for v in row.verdicts if not v.passed and v.verifier not in
                       (*self.rl_form_verifiers, "length")), None)
        if row.outcome == "error":
            return 0.0, row.reject_reason or "error"
        return (0.0, f"{failed.verifier}:{failed.reason}") if failed else (1.0, "")

    # -- lifecycle ----------------------------------------------------------------------------

    def preflight(self) -> None:
        """Check (and prepare, e.g. build an image) the environment in the driver before the teacher
        starts, so a missing backend fails in seconds with one line instead of inside every worker.
        Must not hold anything open afterwards: the workers open their own resources."""

    def open(self) -> None:
        """Acquire what `generate`/verifiers use (sandbox pools, helper processes, servers): called
        once per worker before its first task."""

    def close(self) -> None:
        """Release everything `open` (or lazy use) acquired: called once when the worker ends,
        after a failed run too. Must be safe to call twice."""

    def __enter__(self) -> "Pipeline":
        self.open()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
