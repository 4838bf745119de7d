"""Built-in corpora come from Debian packages fetched as `.deb`s (`apt-get download`, no install and
no root needed) and unpacked with `dpkg-deb -x`; each package's version and copyright file are
recorded with the corpus."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from factory.errors import UserError


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


def fetch(packages: list[str], work: Path) -> dict[str, str]:
    """Download and unpack `packages` into `work/root`; returns package → version."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise UserError(f"building the {'/'.join(packages)} corpus needs Debian's apt-get and dpkg-deb; on another "
                        "system point `corpus` at a JSONL/Parquet file of your own")
    debs = work / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    r = _run(["apt-get", "download", *packages], debs)
    if r.returncode != 0 and "Unable to locate" in r.stderr and shutil.which("apt-get"):
        # A fresh machine has empty package lists; refreshing them needs root (apt-get says so if not).
        _run(["apt-get", "update", "-qq"], debs)
        r = _run(["apt-get", "download", *packages], debs)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["no output"])[-1]
        raise UserError(f"apt-get download {' '.join(packages)} failed: {last[:200]} (a Debian mirror must be "
                        "reachable; as root run 'apt-get update' first)")
    versions: dict[str, str] = {}
    for deb in sorted(debs.glob("*.deb")):
        x = _run(["dpkg-deb", "-x", str(deb), str(work / "root")], work)
        if x.returncode != 0:
            raise UserError(f"{deb.name}: dpkg-deb -x failed: {x.stderr.strip()[:200]}")
        name, version = deb.name.split("_")[:2]
        versions[name] = version.replace("%3a", ":")
    missing = [p for p in packages if p not in versions]
    if missing:
        raise UserError(f"apt-get download did not fetch {', '.join(missing)}")
    return versions


def copy_licences(root: Path, packages: list[str], dest: Path) -> list[str]:
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for p in packages:
        src = root / "usr/share/doc" / p / "copyright"
        if src.is_file():
            shutil.copyfile(src, dest / f"{p}.copyright")
            out.append(f"licences/{p}.copyright")
    return out
