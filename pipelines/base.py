"""What a pipeline is: a task source, a generator (teacher + environment), verifiers, an options
model. Adding a pipeline = one folder with a subclass + one line in `registry.py`."""

from __future__ import annotations

import abc
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from factory.config import RunConfig, describe_validation_error
from factory.errors import UserError
from factory.schema import Task, Trajectory
from factory.teacher.base import Teacher
from factory.verify.base import Verifier


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Pipeline(abc.ABC):
    name: ClassVar[str]
    description: ClassVar[str] = ""
    Options: ClassVar[type[BaseModel]] = NoOptions
    stat_keys: ClassVar[tuple[str, ...]] = ()  # meta keys that stats and the summary break down by

    def __init__(self, cfg: RunConfig):
        self.cfg = cfg
        try:
            self.options = self.Options.model_validate(cfg.pipeline_options)
        except ValidationError as e:
            msg = describe_validation_error(e, f"pipeline_options ({self.name})")
            raise UserError(msg) from None

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

    def preflight(self) -> None:
        """Check (and prepare) the environment in the driver before the teacher starts, so a missing
        sandbox backend fails in seconds with one line instead of inside every worker."""

    def postprocess(self, verified: list[Trajectory]) -> list[Trajectory]:
        """After verification, before dedup: derive extra rows (e.g. variants of accepted ones)."""
        return verified
