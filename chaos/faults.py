"""The faults. Each injects once into a fresh trial, recovers the way a user would (rerun, fsck), and
raises `Failed` when the promise breaks. It returns what happened and the monotonic time of the
injection; the caller measures recovery from there to a verified complete run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from chaos.harness import Failed, Trial, one_line_error
from chaos.teachers import Server
from factory.manifest import load_manifest


@dataclass
class Context:
    server: Server
    baseline_s: float  # a clean run's wall time: kill moments are drawn inside it
    first_commit_s: float  # when its first commit landed (before it: start-up)
    baseline_bytes: int  # a clean run directory's size: the disk-full fault sizes its file system by it


Fault = Callable[[Trial, random.Random, Context], tuple[str, float]]


def _until(p: subprocess.Popen, seconds: float) -> bool:
    """Sleep up to `seconds` while `p` runs; False if it ended first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if p.poll() is not None:
            return False
        time.sleep(0.02)
    return True


def _kill(signal_group: bool) -> Fault:
    def fault(t: Trial, rng: random.Random, ctx: Context) -> tuple[str, float]:
        # Most moments fall while chunks are in flight and commits land; a quarter during start-up.
        start_up = rng.random() < 0.25
        lo = 0.0 if start_up else 0.9 * ctx.first_commit_s
        # The working part of the run, minus a margin: runs vary, and a later moment may miss the run.
        hi = ctx.first_commit_s if start_up else ctx.first_commit_s + 0.7 * (ctx.baseline_s - ctx.first_commit_s)
        moment = rng.uniform(lo, hi)
        p = t.run()
        if not _until(p, moment):
            t.finish(p)
            raise Failed(f"the run ended before the kill moment ({moment:.1f} s): lengthen the run")
        (os.killpg if signal_group else os.kill)(p.pid, signal.SIGKILL)
        p.wait()
        injected = time.monotonic()
        done = t.check(complete=False)
        t.complete()
        return f"at {moment:.1f} s, {done} task(s) committed", injected
    return fault


def _descendant(p: subprocess.Popen, marker: str, timeout: float = 300) -> psutil.Process:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and p.poll() is None:
        try:
            for c in psutil.Process(p.pid).children(recursive=True):
                if marker in " ".join(c.cmdline()):
                    return c
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            pass
        time.sleep(0.1)
    raise Failed(f"no {marker} process appeared")


def worker_kill(t: Trial, rng: random.Random, ctx: Context) -> tuple[str, float]:
    """A Ray worker actor dies mid-run: the run replaces it and finishes by itself."""
    if t.scenario.executor != "ray":
        raise Failed("worker_kill needs the Ray executor")
    p = t.run()
    t.wait_commits(p, 1)  # a worker holds chunks in flight from here on
    victim = _descendant(p, "ChunkWorker")
    if p.poll() is not None:
        raise Failed("the run ended before a worker could be killed: lengthen the run")
    victim.kill()
    injected = time.monotonic()
    code, err = t.finish(p)
    if code != 0:
        raise Failed(f"the run did not survive a lost worker (exit {code}): {err.splitlines()[-1:]}")
    t.check(complete=True)
    return f"worker pid {victim.pid} killed", injected


def teacher_actor_kill(t: Trial, rng: random.Random, ctx: Context) -> tuple[str, float]:
    """The engine actor (the only replica) dies: exit 3 with one line, then the rerun finishes."""
    p = t.run()
    t.wait_commits(p, 1, timeout=900)
    victim = _descendant(p, "VLLMTeacherActor")
    victim.kill()
    injected = time.monotonic()
    line = one_line_error(*t.finish(p), expect=3)
    t.check(complete=False)
    t.complete()
    return line[:120], injected


def server_restart(t: Trial, rng: random.Random, ctx: Context) -> tuple[str, float]:
    """The OpenAI-compatible server is killed and comes back: the run either rides it out on
    retries or exits 3 with one line; either way the rerun completes."""
    p = t.run()
    t.wait_commits(p, 1)
    ctx.server.kill()
    injected = time.monotonic()
    time.sleep(rng.uniform(0, 2))
    ctx.server.start()
    code, err = t.finish(p)
    if code == 0:
        t.check(complete=True)
        return "rode it out on retries", injected
    one_line_error(code, err, expect=3)
    t.check(complete=False)
    t.complete()
    return "exit 3, then resumed", injected


def disk_full(t: Trial, rng: random.Random, ctx: Context) -> tuple[str, float]:
    """The run directory's file system fills while shards are written (a tmpfs; needs root)."""
    size_kib = max(256, 3 * ctx.baseline_bytes // 1024)
    disk = t.out
    disk.mkdir(parents=True, exist_ok=True)
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(disk)],
                       capture_output=True, text=True)
    if m.returncode != 0:
        raise Failed(f"cannot mount a size-limited file system (needs root): {m.stderr.strip()}")
    try:
        free = int(rng.uniform(0.15, 0.7) * ctx.baseline_bytes)
        ballast = disk / "ballast"
        with ballast.open("wb") as f:
            f.write(b"\0" * max(0, size_kib * 1024 - free))
        code, err = t.finish(t.run())
        injected = time.monotonic()
        if code == 0:
            raise Failed(f"the run fit in {free // 1024} KiB: the disk never filled")
        line = one_line_error(code, err, expect=1)
        if "No space left" not in line:
            raise Failed(f"the error line does not say the disk is full: {line}")
        done = t.check(complete=False)
        if t.leftovers():
            raise Failed(f"left behind on the full disk: {t.leftovers()}")
        ballast.unlink()
        t.complete()
        return f"{free // 1024} KiB free, {done} task(s) committed before", injected
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def _expect(t: Trial, args: list[str], code: int, needle: str, stream: str = "err") -> None:
    p = t.factory(*args)
    out, _ = p.communicate(timeout=600)
    err = Path(p.err_path).read_text()  # type: ignore[attr-defined]
    text = out if stream == "out" else err
    if p.returncode != code or needle not in text:
        raise Failed(f"`factory {' '.join(args[:2])}` exited {p.returncode} (expected {code}) without naming "
                     f"{needle!r}: {(err or out).strip().splitlines()[-1:]}")
    if "Traceback" in err:
        raise Failed(f"`factory {args[0]}` printed a traceback")


def shard_damage(t: Trial, rng: random.Random, ctx: Context) -> tuple[str, float]:
    """A committed shard is flipped, truncated or deleted: resume, inspect and export name it; fsck
    quarantines its commit; the rerun regenerates exactly those tasks."""
    t.complete()
    m = load_manifest(t.run_dir)
    shards = [s for side in ("accepted", "rejected") for s in m.shards(side)]
    victim = rng.choice(shards)
    how = rng.choice(["flip", "truncate", "delete"])
    f = t.run_dir / victim.path
    data = bytearray(f.read_bytes())
    if how == "flip":
        data[rng.randrange(len(data))] ^= 0xFF
        f.write_bytes(bytes(data))
    elif how == "truncate":
        f.write_bytes(bytes(data[: rng.randrange(len(data))]))
    else:
        f.unlink()
    injected = time.monotonic()
    run = str(t.run_dir)
    _expect(t, ["run", "--config", str(t.config)], 2, victim.path)
    _expect(t, ["inspect", run], 0, victim.path)
    _expect(t, ["export", run, "--to", str(t.dir / "export")], 2, victim.path)
    _expect(t, ["fsck", run], 1, victim.path, stream="out")
    _expect(t, ["fsck", run, "--quarantine"], 0, "regenerates", stream="out")
    t.complete()
    _expect(t, ["fsck", run], 0, "all match", stream="out")
    return f"{how} {victim.path}", injected


def _snapshot(run_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in sorted(run_dir.rglob("*"))
            if p.is_file() and p.name not in ("run.log", "run.lock", "manifest.json")}


def manifest_garble(t: Trial, rng: random.Random, ctx: Context) -> tuple[str, float]:
    """manifest.json truncated, overwritten with bytes, or emptied: one line, nothing deleted."""
    t.complete()
    path = t.run_dir / "manifest.json"
    good = path.read_bytes()
    how = rng.choice(["truncate", "garble", "empty"])
    bad = {"truncate": good[: rng.randrange(1, len(good))], "empty": b"",
           "garble": bytes(rng.randrange(256) for _ in range(64)) + good[64:]}[how]
    path.write_bytes(bad)
    before = _snapshot(t.run_dir)
    injected = time.monotonic()
    _expect(t, ["run", "--config", str(t.config)], 2, "manifest.json")
    _expect(t, ["inspect", str(t.run_dir)], 2, "manifest.json")
    if _snapshot(t.run_dir) != before or path.read_bytes() != bad:
        raise Failed("files changed after the manifest was found garbled")
    path.write_bytes(good)  # the user restores it from a copy
    t.complete()
    return how, injected


FAULTS: dict[str, Fault] = {
    "driver_kill": _kill(signal_group=False),
    "group_kill": _kill(signal_group=True),
    "worker_kill": worker_kill,
    "teacher_actor_kill": teacher_actor_kill,
    "server_restart": server_restart,
    "disk_full": disk_full,
    "shard_damage": shard_damage,
    "manifest_garble": manifest_garble,
}
