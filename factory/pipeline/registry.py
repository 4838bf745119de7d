"""How the engine finds pipelines: Python entry points in the group `trajectory_factory.pipelines`
(this project registers its own built-ins there too, in pyproject.toml), or `module.path:Class` for
a pipeline that is not registered at all. The engine itself names no pipeline.

An entry point names either a `PipelineRef` (a light object: listing pipelines then imports no
pipeline's heavy dependencies) or a `Pipeline` subclass directly (simpler; listing imports it)."""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from factory.errors import UserError
from factory.pipeline.base import Pipeline
from factory.pipeline.view import PipelineView

GROUP = "trajectory_factory.pipelines"


@dataclass(frozen=True)
class PipelineRef:
    target: str  # "package.module:ClassName"
    description: str = ""

    def load(self) -> type[Pipeline]:
        module, _, attr = self.target.partition(":")
        try:
            cls = getattr(_import_here(module), attr)
        except (ImportError, AttributeError) as e:
            raise UserError(f"pipeline '{self.target}': cannot import it ({e}); "
                            "check that its package is installed, or use module.path:ClassName") from None
        if not (isinstance(cls, type) and issubclass(cls, Pipeline)):
            raise UserError(f"pipeline '{self.target}': not a subclass of factory.pipeline.Pipeline")
        return cls


def _import_here(module: str) -> Any:
    """Import `module`, also from the directory the command runs in — where a pipeline of your own
    lives (`factory` is a console script, so that directory is not on the path by itself; Ray's
    local workers get it from the driver)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        here = os.getcwd()
        if e.name != module.split(".")[0] or here in sys.path:
            raise
        sys.path.append(here)
        return importlib.import_module(module)


def _as_ref(name: str, obj: object) -> PipelineRef:
    if isinstance(obj, PipelineRef):
        return obj
    if isinstance(obj, type) and issubclass(obj, Pipeline):
        return PipelineRef(f"{obj.__module__}:{obj.__qualname__}", obj.description)
    raise UserError(f"entry point '{name}' in group {GROUP}: expected a PipelineRef or a Pipeline subclass, "
                    f"got {type(obj).__name__}")


def registered() -> dict[str, PipelineRef | str]:
    """name → ref, or → the reason it cannot be loaded (a broken plugin must not hide the others)."""
    out: dict[str, PipelineRef | str] = {}
    for ep in entry_points(group=GROUP):
        try:
            out[ep.name] = _as_ref(ep.name, ep.load())
        except (ImportError, AttributeError, UserError) as e:
            out[ep.name] = f"cannot load {ep.value}: {e}"
    return out


def resolve(name: str) -> PipelineRef:
    """A registered name, or `package.module:Class` for a pipeline outside any registry."""
    found = registered()
    if name in found:
        ref = found[name]
        if isinstance(ref, str):
            raise UserError(f"pipeline '{name}': {ref}")
        return ref
    if ":" in name:
        return PipelineRef(name)
    known = ", ".join(sorted(found)) or "none (is the project installed? `pip install -e .` registers the built-ins)"
    raise UserError(f"unknown pipeline '{name}'; known: {known} (see `factory pipelines`, or pass module.path:Class)")


def get_pipeline(name: str) -> type[Pipeline]:
    return resolve(name).load()


def view_of(name: str, recorded: PipelineView | None = None) -> PipelineView:
    """What to show for a run: the declarations recorded in its manifest; for runs made before they
    were recorded, those of the installed pipeline; else nothing pipeline-specific."""
    if recorded is not None:
        return recorded
    try:
        return get_pipeline(name).view()
    except UserError:
        return PipelineView(name=name)
