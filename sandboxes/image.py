"""The base image, built locally (no registry): Debian minbase + python3 and the Python test
tooling from Debian packages, by mmdebstrap. One tarball feeds both backends: `docker import`
for Docker, an unpacked tree for bubblewrap. The tag is a hash of the recipe, so a changed
recipe means a new image."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from sandboxes.base import SandboxError
from tf_common import cache_root

RECIPE: dict[str, Any] = {
    "suite": "bookworm",
    "variant": "minbase",
    "packages": sorted(["python3", "python3-pytest", "python3-sympy", "python3-numpy", "python3-mpmath",
                        "git", "patch"]),
    "mirror": os.environ.get("TF_SANDBOX_MIRROR", "http://deb.debian.org/debian"),
    "recipe_version": 1,
}
REPOSITORY = "tf-sandbox"


def recipe_tag(recipe: dict[str, Any] = RECIPE) -> str:
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]
    return f"{REPOSITORY}:{digest}"


def images_root() -> Path:
    """Where image trees live. It must be traversable by the sandbox uid (bubblewrap runs as
    65534 and binds the tree), which ~ of root is not: root keeps them under /var/lib."""
    env = os.environ.get("TF_SANDBOX_IMAGES")
    if env:
        return Path(env)
    if os.geteuid() == 0:
        return Path("/var/lib/trajectory-factory/sandboxes")
    return cache_root() / "sandboxes"


def image_dir(tag: str) -> Path:
    return images_root() / tag.replace(":", "-")


def rootfs_path(tag: str) -> Path:
    return image_dir(tag) / "rootfs"


def rootfs_ready(tag: str) -> bool:
    return (image_dir(tag) / "rootfs.complete").exists()


def _run(argv: list[str], what: str) -> None:
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
        raise SandboxError(f"{what} failed (exit {p.returncode}): {' | '.join(tail)}")


def build_tarball(recipe: dict[str, Any], out: Path) -> None:
    if shutil.which("mmdebstrap") is None:
        raise SandboxError("mmdebstrap not found: install it (apt-get install mmdebstrap) to build sandbox images")
    env_epoch = ["env", "SOURCE_DATE_EPOCH=0"]  # reproducible timestamps inside the image
    _run([*env_epoch, "mmdebstrap", "--quiet", f"--variant={recipe['variant']}",
          f"--include={','.join(recipe['packages'])}", "--dpkgopt=path-exclude=/usr/share/doc/*",
          "--dpkgopt=path-exclude=/usr/share/man/*", recipe["suite"], str(out),
          f"deb {recipe['mirror']} {recipe['suite']} main"], "mmdebstrap")


def build(*, force: bool = False, docker_client: Any = None, recipe: dict[str, Any] = RECIPE) -> str:
    """Build (or rebuild with `force`) the image for both backends; returns the tag."""
    tag = recipe_tag(recipe)
    d = image_dir(tag)
    need_rootfs = force or not rootfs_ready(tag)
    need_docker = docker_client is not None and (force or not _docker_has(docker_client, tag))
    if not (need_rootfs or need_docker):
        return tag
    d.mkdir(parents=True, exist_ok=True)
    for p in (d, *d.parents):  # readable trees under traversable folders
        if p == Path("/") or p.stat().st_mode & 0o001:
            break
        p.chmod(p.stat().st_mode | 0o011)
    with tempfile.TemporaryDirectory(dir=d, prefix=".build-") as tmp:
        tar = Path(tmp) / "rootfs.tar"
        build_tarball(recipe, tar)
        if need_rootfs:
            (d / "rootfs.complete").unlink(missing_ok=True)
            shutil.rmtree(rootfs_path(tag), ignore_errors=True)
            staging = Path(tmp) / "rootfs"
            staging.mkdir()
            _run(["tar", "-C", str(staging), "--numeric-owner", "-xf", str(tar)], "unpacking the rootfs")
            (staging / "work").mkdir(exist_ok=True)  # mount point: bubblewrap cannot create it in a read-only root
            staging.rename(rootfs_path(tag))
            (d / "recipe.json").write_text(json.dumps(recipe, indent=1, sort_keys=True))
            (d / "rootfs.complete").touch()
        if need_docker:
            repo, _, version = tag.partition(":")
            with tar.open("rb") as f:
                docker_client.api.import_image_from_data(f, repository=repo, tag=version)
    return tag


def _docker_has(client: Any, tag: str) -> bool:
    import docker.errors

    try:
        client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def with_packages(extra: list[str], recipe: dict[str, Any] = RECIPE) -> dict[str, Any]:
    """The base recipe plus Debian packages (a profile's test dependencies); the same recipe when
    nothing is missing, so most layers share the one base image."""
    missing = sorted(set(extra) - set(recipe["packages"]))
    return recipe if not missing else {**recipe, "packages": sorted([*recipe["packages"], *missing])}


def tree_digest(tree: Path) -> str:
    """Content hash of a directory (paths, modes, bytes; not times), for layer tags."""
    h = hashlib.sha256()
    for p in sorted(tree.rglob("*")):
        rel = p.relative_to(tree).as_posix()
        if p.is_symlink():
            h.update(f"L {rel} {os.readlink(p)}\n".encode())
        elif p.is_file():
            h.update(f"F {rel} {p.stat().st_mode & 0o111:o}\n".encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
        elif p.is_dir():
            h.update(f"D {rel}\n".encode())
    return h.hexdigest()


def layer(base_tag: str, name: str, tree: Path, *, docker_client: Any = None) -> str:
    """An image made of `base_tag` plus the files of `tree` at the same paths under / (e.g. a
    repository under opt/…). Tagged by the hash of base and content, built once for bubblewrap (a
    hard-linked copy of the base tree: cheap, and the base is never written) and for Docker (a
    one-step build FROM the base, offline)."""
    digest = hashlib.sha256(f"{base_tag}\n{tree_digest(tree)}".encode()).hexdigest()[:12]
    tag = f"{REPOSITORY}-{name}:{digest}"
    if not rootfs_ready(tag):
        if not rootfs_ready(base_tag):
            raise SandboxError(f"base image {base_tag} has no rootfs; run `factory sandbox build` first")
        d = image_dir(tag)
        d.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=d, prefix=".build-") as tmp:
            staging = Path(tmp) / "rootfs"
            _run(["cp", "-al", str(rootfs_path(base_tag)), str(staging)], "linking the base rootfs")
            # --remove-destination: a path the layer shares with the base gets a new inode, so the
            # base tree (hard-linked) is never written through
            _run(["cp", "-a", "--remove-destination", f"{tree}/.", str(staging)], "copying the layer")
            staging.chmod(0o755)  # `cp -a tree/.` gives the root the layer's mode; / must stay world-readable
            shutil.rmtree(rootfs_path(tag), ignore_errors=True)
            staging.rename(rootfs_path(tag))
            (d / "recipe.json").write_text(json.dumps({"base": base_tag, "layer": name}, indent=1))
            (d / "rootfs.complete").touch()
    if docker_client is not None and not _docker_has(docker_client, tag):
        _docker_layer(docker_client, base_tag, tag, tree)
    return tag


def _docker_layer(client: Any, base_tag: str, tag: str, tree: Path) -> None:
    import io
    import tarfile

    import docker.errors

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        dockerfile = f"FROM {base_tag}\nCOPY layer/ /\n".encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
        tar.add(str(tree), arcname="layer")
    buf.seek(0)
    try:
        client.images.build(fileobj=buf, custom_context=True, tag=tag, rm=True, pull=False, network_mode="none")
    except (docker.errors.BuildError, docker.errors.APIError) as e:
        raise SandboxError(f"building Docker layer {tag} on {base_tag} failed: {e}") from None
