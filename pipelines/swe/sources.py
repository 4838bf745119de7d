"""Where a repository's files come from, unpacked into a cache once per source: a pinned sdist
from the package index (sha256 checked), a commit of a local git repository, or a Debian source
package. The result is a plain tree without history; the workspace gets its own baseline commit."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from factory.errors import UserError
from tf_common import cache_root

INDEX = os.environ.get("TF_PYPI_INDEX", "https://pypi.org/simple")
_PYPI = re.compile(r"^pypi:([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+!-]+)$")
_DEBIAN = re.compile(r"^debian:([a-z0-9][a-z0-9+.-]+)=([A-Za-z0-9.+~:-]+)$")
_PATH = re.compile(r"^path:(.+)$")


def check_source(source: str) -> None:
    if not (_PYPI.match(source) or _DEBIAN.match(source) or _PATH.match(source)):
        raise UserError(f"source '{source}': expected pypi:NAME==VERSION, path:DIR or debian:PACKAGE=VERSION")


def sources_root() -> Path:
    return cache_root() / "swe" / "sources"


def materialize(source: str, *, sha256: str | None = None, commit: str | None = None) -> Path:
    """The repository tree of `source` (cached; never modified by callers)."""
    check_source(source)
    key = hashlib.sha256(f"{source}\n{sha256}\n{commit}".encode()).hexdigest()[:16]
    out = sources_root() / key
    if (out / ".complete").exists():
        return out / "tree"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".build-") as tmp:
        tree = Path(tmp) / "tree"
        if m := _PYPI.match(source):
            _unpack(_sdist(m.group(1), m.group(2), sha256), tree)
        elif m := _DEBIAN.match(source):
            _debian(m.group(1), m.group(2), tree)
        else:
            _git_archive(Path(_PATH.match(source).group(1)).expanduser(), commit or "HEAD", tree)  # type: ignore[union-attr]
        shutil.rmtree(out / "tree", ignore_errors=True)
        tree.rename(out / "tree")
    (out / ".complete").write_text(source + "\n")
    return out / "tree"


class _Transient(Exception):
    pass


@retry(retry=retry_if_exception_type(_Transient), stop=stop_after_attempt(4),
       wait=wait_exponential(multiplier=1, max=10), reraise=True)
def _get(client: httpx.Client, url: str, **kw: object) -> httpx.Response:
    try:
        r = client.get(url, **kw)  # type: ignore[arg-type]
    except httpx.TransportError as e:
        raise _Transient(str(e)) from e
    if r.status_code >= 500 or r.status_code == 429:
        raise _Transient(f"{url}: HTTP {r.status_code}")
    return r


def _sdist(name: str, version: str, sha256: str | None) -> Path:
    """Download NAME==VERSION's sdist through the simple JSON API (PEP 691) into the cache."""
    cache = cache_root() / "swe" / "sdists"
    cache.mkdir(parents=True, exist_ok=True)
    norm = re.sub(r"[-_.]+", "-", name).lower()
    wanted = {f"{n}-{version}.tar.gz".lower() for n in {name, norm, norm.replace("-", "_")}}
    with httpx.Client(timeout=60, follow_redirects=True) as client:
        r = _get(client, f"{INDEX}/{norm}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
        if r.status_code == 404:
            raise UserError(f"source pypi:{name}=={version}: no project '{name}' on {INDEX}")
        files = [f for f in r.json().get("files", []) if f["filename"].lower() in wanted]
        if not files:
            raise UserError(f"source pypi:{name}=={version}: the index has no sdist of that version")
        f = files[0]
        target = cache / f["filename"]
        if not target.exists():
            data = _get(client, f["url"]).content
            tmp = target.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.rename(target)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    if sha256 and digest != sha256:
        target.unlink()
        raise UserError(f"source pypi:{name}=={version}: sha256 {digest} does not match the pinned {sha256}")
    return target


def _unpack(archive: Path, tree: Path) -> None:
    tmp = tree.with_name("unpack")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")  # refuses absolute paths, links out of the tree, devices
    tops = list(tmp.iterdir())
    (tops[0] if len(tops) == 1 and tops[0].is_dir() else tmp).rename(tree)


def _git_archive(repo: Path, commit: str, tree: Path) -> None:
    if not (repo / ".git").exists() and not (repo / "HEAD").exists():
        raise UserError(f"source path:{repo}: not a git repository")
    tree.mkdir(parents=True)
    archive = tree.with_name("archive.tar")
    p = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", "-o", str(archive), commit],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise UserError(f"source path:{repo}: commit '{commit}' cannot be archived: {p.stderr.strip()[:200]}")
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    archive.unlink()


DEBIAN_MIRROR = os.environ.get("TF_SANDBOX_MIRROR", "http://deb.debian.org/debian")
DEBIAN_SUITE = "bookworm"


def _apt_options() -> list[str]:
    """apt options for a private deb-src index in the cache: no root, no change to the system's
    sources.list, and `apt-get source` works on a machine that has no deb-src line."""
    root = cache_root() / "swe" / "apt"
    (root / "sources").mkdir(parents=True, exist_ok=True)
    (root / "lists" / "partial").mkdir(parents=True, exist_ok=True)
    (root / "sources" / "src.sources").write_text(
        f"Types: deb-src\nURIs: {DEBIAN_MIRROR}\nSuites: {DEBIAN_SUITE}\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n")
    opts = ["-o", "Dir::Etc::SourceList=/dev/null", "-o", f"Dir::Etc::SourceParts={root / 'sources'}",
            "-o", f"Dir::State::Lists={root / 'lists'}", "-o", "Debug::NoLocking=1"]
    if os.geteuid() == 0:  # apt's _apt user cannot write into a cache under root's home
        opts += ["-o", "APT::Sandbox::User=root"]
    return opts


def _debian(package: str, version: str, tree: Path) -> None:
    """`apt-get source` against the private deb-src index, unpacked with dpkg-source."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-source") is None:
        raise UserError(f"source debian:{package}={version}: needs apt-get and dpkg-source (Debian/Ubuntu; "
                        "apt-get install dpkg-dev)")
    work = tree.with_name("debian")
    work.mkdir()
    opts = _apt_options()
    steps = [(["apt-get", *opts, "update"], "apt-get update (deb-src index)"),
             (["apt-get", *opts, "source", "--download-only", f"{package}={version}"], "apt-get source")]
    for argv, what in steps:
        p = subprocess.run(argv, cwd=work, capture_output=True, text=True)
        if p.returncode != 0:
            tail = [ln for ln in (p.stderr or p.stdout).strip().splitlines() if ln.startswith("E:")][-1:] or [""]
            raise UserError(f"source debian:{package}={version}: {what} failed: {tail[0][:200]}")
    dscs = sorted(work.glob("*.dsc"))
    if not dscs:
        raise UserError(f"source debian:{package}={version}: apt-get source fetched no .dsc")
    q = subprocess.run(["dpkg-source", "--no-check", "-x", dscs[0].name, "src"], cwd=work,
                       capture_output=True, text=True)
    if q.returncode != 0:
        raise UserError(f"source debian:{package}={version}: dpkg-source -x failed: {q.stderr.strip()[:200]}")
    (work / "src").rename(tree)
