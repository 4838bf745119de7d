import asyncio

import pytest

from pipelines.swe import sources, synth
from pipelines.swe.tasks import swe_sandbox
from pipelines.swe.workspace import prepare_image
from sandboxes.pool import SandboxPool
from tests.pipelines.swe.fixture import profile

collect_ignore = ["fixture_repo"]  # the fixture repository's own tests run only inside sandboxes


@pytest.fixture(scope="session")
def prof():
    return profile()


@pytest.fixture(scope="session")
def tree(prof):
    return sources.materialize(prof.source)


@pytest.fixture(scope="session")
def pool(prof, tree):
    p = SandboxPool(prepare_image(swe_sandbox().model_copy(update={"max_concurrent": 3}), tree, prof.name, prof.debian))
    yield p
    p.close()


@pytest.fixture(scope="session")
def synthesised(pool, prof, tree):
    """Three validated instances of the fixture repository, and the synthesis figures."""
    return asyncio.run(synth.synthesize(pool, prof, tree, seed=7, limit=3))


def run(coro):
    return asyncio.run(coro)
