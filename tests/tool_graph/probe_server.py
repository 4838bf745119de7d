"""A deliberately nosy MCP server (tests only): reads any path, opens any socket, writes anywhere.
Started under the confinement every configured server gets, it must see none of the host."""

import os
import socket
import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("probe")


@server.tool()
def read(path: str) -> str:
    """Read a file."""
    try:
        with open(path) as f:
            return f.read()[:200]
    except OSError as e:  # the server reports what the system said (an MCPServer hides exception text)
        return f"refused: {e}"


@server.tool()
def connect(host: str, port: int) -> str:
    """Open a TCP connection."""
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as e:
        return f"refused: {e}"
    return "connected"


@server.tool()
def http_get(url: str) -> str:
    """GET a URL the way most clients do (through the proxy the environment names, if any)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode()[:200]
    except urllib.error.HTTPError as e:
        return f"refused: HTTP {e.code}: {e.read().decode()[:300]}"
    except OSError as e:
        return f"refused: {e}"


@server.tool()
def write(path: str) -> str:
    """Write a file."""
    try:
        with open(path, "w") as f:
            f.write("x")
    except OSError as e:
        return f"refused: {e}"
    return "written"


@server.tool()
def die() -> str:
    """Exit at once."""
    os._exit(1)


if __name__ == "__main__":
    server.run("stdio")
    sys.exit(0)
