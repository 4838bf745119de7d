import pytest

from factory.rl.scorer import Scorer


@pytest.fixture(scope="session")
def math_scorer():
    """One math pipeline (its sandbox pool, its bounded checker) for every RL test that scores math."""
    s = Scorer("math", concurrency=4, timeout_s=120)
    yield s
    s.close()


@pytest.fixture(scope="session")
def instruct_scorer():
    s = Scorer("instruct")
    yield s
    s.close()


@pytest.fixture(scope="session")
def math_task(math_scorer):
    return math_scorer.pipeline.tasks()[0]
