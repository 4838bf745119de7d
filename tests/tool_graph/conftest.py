import pytest

from pipelines.tool_use.tasks import Options
from sandboxes.pool import SandboxPool
from tool_graph.mcp_tools import McpHost


@pytest.fixture(scope="session")
def host():
    h = McpHost()
    yield h
    h.close()


@pytest.fixture(scope="session")
def tool_pool():
    p = SandboxPool(Options().sandbox)
    yield p
    p.close()
