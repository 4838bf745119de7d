"""The bubblewrap prison an MCP server runs in: the system read-only, the server's own install and
Python read-only, nothing of the host's home, the project or other trajectories, a private /tmp, its
state directory the only writable place, every namespace unshared and the server killed with its
parent. Its network namespace is its own and empty; a server that needs the network reaches it only
through the host's egress proxy (`egress.py`), which enforces the server's allowlist."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SYSTEM = ("/usr", "/etc")


def available() -> bool:
    return shutil.which("bwrap") is not None


FORWARD = Path(__file__).with_name("egress_forward.py")
PROXY_PORT = 3128  # inside the sandbox's own network namespace, so it never meets a host port


def _python() -> str:
    exe = Path(sys.base_prefix) / "bin" / "python3"
    return str(exe) if exe.exists() else "/usr/bin/python3"


def wrap(argv: list[str], readable: list[Path], state: Path | None, egress: Path | None) -> list[str]:
    """`egress`: the egress proxy's Unix socket, for a server that needs the network; without it the
    server's network namespace is empty (loopback only, nothing listening)."""
    if not available():
        raise RuntimeError("bubblewrap is needed to confine MCP servers: apt-get install bubblewrap "
                           "(or set confine: false for a server you trust with this machine)")
    out = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev",
           "--tmpfs", "/tmp", "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp"]
    if egress is not None:
        proxy = f"http://127.0.0.1:{PROXY_PORT}"
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            out += ["--setenv", name, proxy]
        out += ["--unsetenv", "NO_PROXY", "--unsetenv", "no_proxy", "--unsetenv", "ALL_PROXY", "--unsetenv",
                "all_proxy", "--setenv", "NODE_USE_ENV_PROXY", "1", "--ro-bind", str(egress.parent), str(egress.parent)]
        readable = [*readable, FORWARD]
        argv = [_python(), "-S", "-I", str(FORWARD), str(egress), str(PROXY_PORT), "--", *argv]
    for d in SYSTEM:
        out += ["--ro-bind", d, d]
    for link in ("bin", "lib", "lib64", "sbin"):
        p = Path("/") / link
        if p.is_symlink():
            out += ["--symlink", os.readlink(p), str(p)]
        elif p.exists():
            out += ["--ro-bind", str(p), str(p)]
    # The interpreter a PyPI server's venv points at lives outside /usr when Python is not Debian's.
    extra = [Path(sys.base_prefix), *readable]
    for p in sorted({str(x.resolve()) for x in extra if x.exists()}):
        if not p.startswith(SYSTEM):
            out += ["--ro-bind", p, p]
    if state is not None:
        out += ["--bind", str(state), str(state), "--chdir", str(state)]
    else:
        out += ["--chdir", "/tmp"]
    return [*out, "--", *argv]
