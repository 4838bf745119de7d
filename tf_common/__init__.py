"""What the engine (`factory/`) and the environments (`sandboxes/`, `tool_graph/`) both need, kept
below all of them so that an environment never imports the engine (docs/architecture.md, "Layers")."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Config models reject unknown fields: a misspelt key is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid")


def cache_root() -> Path:
    """Where built artefacts (the embedded model, sandbox images) are cached, outside the repo."""
    base = os.environ.get("TRAJECTORY_FACTORY_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "trajectory-factory")
    return Path(base)
