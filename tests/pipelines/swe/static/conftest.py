import asyncio

import pytest

from pipelines.swe.static.synth import synthesize
from sandboxes.config import SandboxConfig
from sandboxes.pool import SandboxPool

SOURCE = "pypi:toolz==1.2.0"  # already in the cache: the SWE fixtures' profile uses it


@pytest.fixture(scope="session")
def toolz_static():
    """Every static kind from toolz, synthesised once (the returns question runs in a sandbox)."""
    pool = SandboxPool(SandboxConfig())
    try:
        return asyncio.run(synthesize(SOURCE, 11, pool=pool))
    finally:
        pool.close()


@pytest.fixture(scope="session")
def by_kind(toolz_static):
    return {t.question or t.kind: t for t in toolz_static.tasks}
