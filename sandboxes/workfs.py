"""The bubblewrap sandbox's work dir as a size-limited tmpfs mounted on the host, so `work_mb` is a
hard limit (a write past it fails with ENOSPC inside the sandbox, as under Docker's tmpfs) while the
files stay on the host side between runs, where put_files/read_file reach them. A mount inside
bubblewrap (`--size --tmpfs`) would be limited too but would vanish after every run."""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

from sandboxes.base import SandboxError

MS_NOSUID, MS_NODEV = 2, 4
MNT_DETACH = 2


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def mount(target: Path, size_mb: int, uid: int) -> None:
    opts = f"size={size_mb}m,uid={uid},gid={uid},mode=0700".encode()
    if _libc().mount(b"tmpfs", os.fsencode(target), b"tmpfs", MS_NOSUID | MS_NODEV, opts) == 0:
        return
    err = ctypes.get_errno()
    if err == errno.EPERM:
        raise SandboxError("the bubblewrap backend limits the work dir to work_mb with a tmpfs mount, which "
                           "needs root; run as root or use the docker backend")
    raise SandboxError(f"cannot mount the sandbox work dir (tmpfs at {target}): {os.strerror(err)}")


def unmount(target: Path) -> None:
    """Detach the work dir's tmpfs; a path that is not (or no longer) a mount is left as it is."""
    if _libc().umount2(os.fsencode(target), MNT_DETACH) != 0:
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOENT):
            raise SandboxError(f"cannot unmount the sandbox work dir {target}: {os.strerror(err)}")
