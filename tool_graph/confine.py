"""The bubblewrap prison an MCP server runs in: the system read-only, the server's own install and
Python read-only, nothing of the host's home, the project or other trajectories, a private /tmp, its
state directory the only writable place, no network unless the server needs it, every namespace
unshared and the server killed with its parent."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

SYSTEM = ("/usr", "/etc")


def available() -> bool:
    return shutil.which("bwrap") is not None


def wrap(argv: list[str], readable: list[Path], state: Path | None, network: bool) -> list[str]:
    if not available():
        raise RuntimeError("bubblewrap is needed to confine MCP servers: apt-get install bubblewrap "
                           "(or set confine: false for a server you trust with this machine)")
    out = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev",
           "--tmpfs", "/tmp", "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp"]
    if network:
        out.append("--share-net")
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
