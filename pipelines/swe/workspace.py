"""A repository inside a sandbox: the image that carries it, a fresh workspace per trajectory at
/work/repo with its own baseline commit, diffs against that baseline, snapshots and restores of
/work (tar), and a hash of the workspace's content."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from factory.errors import UserError
from sandboxes import docker_backend, image
from sandboxes.base import RunResult, SandboxError
from sandboxes.config import SandboxConfig
from sandboxes.pool import AsyncSandbox
from sandboxes.select import Backend
from tf_common import cache_root

REPO = "/work/repo"
IMAGE_REPO = "/opt/swe/repo"
TF_DIR = ".tf"  # under /work, outside the repository; holds the grader's plugin and report
PLUGIN = Path(__file__).with_name("report_plugin.py")
RUNNER = Path(__file__).with_name("test_runner.py")
LAYER_VERSION = 2  # bump when layer_tree puts different files next to the repository
CACHES = "__pycache__/\n*.pyc\n.pytest_cache/\n*.egg-info/\n.mypy_cache/\n"
GIT = ["git", "-c", "user.name=baseline", "-c", "user.email=baseline@localhost", "-c", "commit.gpgsign=false"]
HASH_SCRIPT = r"""
import hashlib, os, sys
h = hashlib.sha256()
root = sys.argv[1]
skip = {".git", "__pycache__", ".pytest_cache"}
for d, dirs, files in os.walk(root):
    dirs[:] = sorted(x for x in dirs if x not in skip)
    for f in sorted(files):
        if f.endswith(".pyc"):
            continue
        p = os.path.join(d, f)
        h.update(os.path.relpath(p, root).encode() + b"\0")
        h.update(os.readlink(p).encode() if os.path.islink(p) else open(p, "rb").read())
        h.update(b"\0")
print(h.hexdigest())
"""
SHOW_SCRIPT = ("import subprocess, sys; "
               "open(sys.argv[2], 'wb').write(subprocess.run(['git', 'show', sys.argv[1]], capture_output=True, "
               "check=True).stdout)")


def env_for(python_path: list[str]) -> dict[str, str]:
    paths = [f"{REPO}/{p}".rstrip("/") for p in python_path]
    return {"PYTHONPATH": ":".join(paths), "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/work",
            "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C.UTF-8"}


def layer_tree(repo_tree: Path) -> Path:
    """A directory holding the repository at opt/swe/repo, as an image layer wants it (cached)."""
    key = hashlib.sha256(f"{LAYER_VERSION}\n{repo_tree.resolve()}".encode()).hexdigest()[:16]
    out = cache_root() / "swe" / "layers" / key
    if not (out / ".complete").exists():
        # built beside and renamed into place: tasks (threads, workers) may ask for the same layer at once
        out.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=out, prefix=".build-"))
        tmp.chmod(0o755)  # the image's root directory: mkdtemp makes it private to us
        dest = tmp / IMAGE_REPO.lstrip("/")
        shutil.copytree(repo_tree, dest, symlinks=True)
        for p in [dest, *dest.rglob("*")]:  # readable by the sandbox user, whatever the archive said
            if not p.is_symlink():
                p.chmod(p.stat().st_mode | (0o555 if p.is_dir() else 0o444))
        # agents (and models trained on SWE-agent logs) type `python`; Debian only has python3
        (tmp / "usr" / "local" / "bin").mkdir(parents=True)
        (tmp / "usr" / "local" / "bin" / "python").symlink_to("/usr/bin/python3")
        try:
            tmp.rename(out / "tree")
        except OSError:
            if (out / ".complete").exists():  # another builder got there first: its tree is the same
                shutil.rmtree(tmp, ignore_errors=True)
                return out / "tree"
            shutil.rmtree(out / "tree", ignore_errors=True)  # what an interrupted build left
            tmp.rename(out / "tree")
        (out / ".complete").touch()
    return out / "tree"


def prepare_image(cfg: SandboxConfig, repo_tree: Path, name: str, debian: list[str]) -> SandboxConfig:
    """Build (once) the image of a repository: the base image (plus `debian` packages) with the
    repository layered on; returns the sandbox config that opens it."""
    backend = Backend(cfg.model_copy(update={"image": None}))
    try:
        client = backend.client if backend.name == "docker" else None
        base = image.build(docker_client=client, recipe=image.with_packages(debian))
        tag = image.layer(base, f"swe-{name}", layer_tree(repo_tree), docker_client=client)
    finally:
        backend.close()
    return cfg.model_copy(update={"image": tag})


def docker_engine_answers() -> bool:
    client = docker_backend.engine()
    if client is None:
        return False
    client.close()
    return True


@dataclass
class Workspace:
    """One repository checkout in one sandbox."""

    sb: AsyncSandbox
    env: dict[str, str]
    baseline: str = ""

    async def run(self, argv: list[str], timeout_s: float, cwd: str = "repo") -> RunResult:
        return await self.sb.run(argv, env=self.env, cwd=cwd, timeout_s=timeout_s)

    async def _ok(self, argv: list[str], what: str, timeout_s: float = 120, cwd: str = "repo") -> str:
        res = await self.run(argv, timeout_s, cwd)
        if not res.passed:
            raise SandboxError(f"{what} failed (exit {res.exit_code}): {(res.stderr or res.stdout).strip()[-300:]}")
        return res.stdout

    async def init(self, setup_patch: str = "") -> None:
        """Copy the image's repository to /work/repo, apply `setup_patch` (a synthesised bug), and
        commit the result as the only commit: the agent's history holds nothing of the bug."""
        await self._ok(["mkdir", "-p", f"/work/{TF_DIR}"], "making the grader's directory", cwd=".")
        await self._ok(["cp", "-R", IMAGE_REPO, REPO], "copying the repository", cwd=".")
        await self._ok(["chmod", "-R", "u+w", REPO], "making the repository writable", cwd=".")
        if setup_patch:
            await self.sb.put_files({f"{TF_DIR}/setup.patch": setup_patch})
            await self._ok(["git", "apply", "--whitespace=nowarn", f"/work/{TF_DIR}/setup.patch"],
                           "applying the task's setup patch")
            await self._ok(["rm", "-f", f"/work/{TF_DIR}/setup.patch"], "removing the setup patch", cwd=".")
        await self._ok(["rm", "-rf", ".git"], "clearing history")
        await self._ok(["git", "init", "-q"], "git init")
        await self.sb.put_files({"repo/.git/info/exclude": CACHES})
        await self._ok([*GIT, "add", "-A"], "git add")
        await self._ok([*GIT, "commit", "-q", "--no-verify", "-m", "baseline"], "baseline commit")
        self.baseline = (await self._ok(["git", "rev-parse", "HEAD"], "git rev-parse")).strip()

    async def diff(self) -> str:
        """The working tree (tracked, new and deleted files) against the baseline commit."""
        await self._ok([*GIT, "add", "-A"], "git add")
        return await self._ok(["git", "-c", "core.quotepath=false", "diff", "--cached", "--no-color",
                               "--no-ext-diff", "--binary", self.baseline], "git diff")

    async def apply(self, patch: str, name: str) -> RunResult:
        await self.sb.put_files({f"{TF_DIR}/{name}": patch})
        return await self.run(["git", "apply", "--whitespace=nowarn", f"/work/{TF_DIR}/{name}"], 60)

    async def apply_lenient(self, patch: str, name: str) -> RunResult:
        """Apply a patch as a model writes it: a missing final newline is added, and hunk line
        counts that do not add up are recounted. No fuzz: GNU `patch --fuzz` also picks file names
        its own way, which is how a file the grader protects would slip past it."""
        if not patch.endswith("\n"):
            patch += "\n"
        res = await self.apply(patch, name)
        if not res.passed:
            retry = await self.run(["git", "apply", "--recount", "--whitespace=nowarn", f"/work/{TF_DIR}/{name}"], 60)
            if retry.passed:
                return retry
        return res

    async def changed(self) -> list[list[str]]:
        """What the working tree changes against the baseline, as git sees it: [status, path, (new path)]."""
        await self._ok([*GIT, "add", "-A"], "git add")
        out = await self._ok(["git", "diff", "--cached", "-M", "--name-status", "-z", "--no-color", self.baseline],
                             "git diff --name-status")
        fields, rows = out.split("\0"), []
        i = 0
        while i < len(fields) and fields[i]:
            status = fields[i]
            n = 2 if status[:1] in ("R", "C") else 1
            rows.append([status, *fields[i + 1:i + 1 + n]])
            i += 1 + n
        return rows

    async def revert(self, paths: list[str]) -> None:
        """Put `paths` back as the baseline has them (removed if the baseline has no such file)."""
        if not paths:
            return
        lit = ["git", "--literal-pathspecs"]
        known = (await self._ok([*lit, "ls-tree", "-r", "-z", "--name-only", self.baseline, "--", *paths],
                                "git ls-tree")).split("\0")
        old = [p for p in paths if p in known]
        new = [p for p in paths if p not in known]
        if new:
            await self._ok([*lit, "rm", "-q", "-f", "-r", "--ignore-unmatch", "--", *new], "git rm")
        if old:
            await self._ok([*lit, "checkout", self.baseline, "--", *old], "git checkout")

    async def read_pair(self, path: str, before_path: str | None) -> tuple[str | None, str]:
        """(baseline text of `before_path` or None, working-tree text of `path`), whole files:
        through /work/.tf rather than stdout, which the sandbox caps."""
        before = None
        if before_path:
            res = await self.run(["python3", "-I", "-c", SHOW_SCRIPT, f"{self.baseline}:{before_path}",
                                  f"/work/{TF_DIR}/before.txt"], 60)
            if res.passed:
                before = (await self.sb.read_file(f"{TF_DIR}/before.txt")).decode("utf-8", "replace")
        after = (await self.sb.read_file(f"repo/{path}")).decode("utf-8", "replace")
        return before, after

    async def snapshot(self) -> bytes:
        """/work/repo as a tar (history included, so a restored workspace diffs the same)."""
        # the tar stays in /work/.tf (outside the repository) until the next snapshot overwrites it:
        # one sandbox call fewer per turn
        await self._ok(["tar", "-C", "/work", "-cf", f"/work/{TF_DIR}/snap.tar", "repo"], "snapshot", cwd=".")
        return await self.sb.read_file(f"{TF_DIR}/snap.tar")

    async def restore(self, tar: bytes, baseline: str) -> None:
        """Replace /work/repo with a snapshot (in this or a fresh sandbox)."""
        await self.sb.put_files({f"{TF_DIR}/snap.tar": tar})
        await self._ok(["sh", "-c", f'rm -rf {REPO} && tar -C /work -xf /work/{TF_DIR}/snap.tar && '
                                    f'rm -f /work/{TF_DIR}/snap.tar'], "restore", cwd=".")
        self.baseline = baseline

    async def content_hash(self) -> str:
        return (await self._ok(["python3", "-I", "-c", HASH_SCRIPT, REPO], "hashing the workspace", cwd=".")).strip()

    async def run_tests(self, test_cmd: list[str], ids: list[str], timeout_s: float,
                        changed: dict[str, list[str]] | None = None) -> tuple[RunResult, dict]:
        """Run `ids` through the grader's runner; returns the run and the runner's report ({} if
        none arrived or its signature does not hold, with `forged` set in the latter case).
        `changed`: the files the graded patch changed, each with the tampering families its
        baseline already had — where the run-time tripwires look."""
        args, plugins = pytest_args(test_cmd)
        key, name = secrets.token_hex(32), f"r-{secrets.token_hex(12)}.json"
        await self.sb.put_files({f"{TF_DIR}/tf_swe_report.py": PLUGIN.read_bytes(),
                                 f"{TF_DIR}/test_runner.py": RUNNER.read_bytes()})
        env = {k: v for k, v in self.env.items() if not k.startswith("PYTHON")}
        env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
        paths = [p for p in self.env.get("PYTHONPATH", "").split(":") if p]
        stdin = json.dumps({"key": key, "report": f"/work/{TF_DIR}/{name}", "path": paths,
                            "args": [*args, *ids], "plugins": plugins,
                            "changed": {f"{REPO}/{p}": had for p, had in (changed or {}).items()}}) + "\n"
        res = await self.sb.run(["python3", "-I", f"/work/{TF_DIR}/test_runner.py"], env=env, cwd="repo",
                                stdin=stdin.encode(), timeout_s=timeout_s)
        try:
            raw = json.loads(await self.sb.read_file(f"{TF_DIR}/{name}"))
        except (SandboxError, ValueError):
            return res, {}
        return res, signed_body(raw, key)


def signed_body(raw: object, key: str) -> dict:
    """The runner's report if its signature holds, else `{"forged": True}`."""
    if not isinstance(raw, dict) or not isinstance(raw.get("body"), str) or not isinstance(raw.get("sig"), str):
        return {"forged": True}
    want = hmac.new(key.encode(), raw["body"].encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, raw["sig"]):
        return {"forged": True}
    try:
        body = json.loads(raw["body"])
    except ValueError:
        return {"forged": True}
    return body if isinstance(body, dict) else {"forged": True}


def pytest_args(test_cmd: list[str]) -> tuple[list[str], list[str]]:
    """pytest's own arguments in a profile's `test_cmd`, and the plugins it names with `-p`. The
    grader runs pytest in its own isolated interpreter, so the command must be pytest's."""
    if len(test_cmd) >= 3 and Path(test_cmd[0]).name.startswith("python") and test_cmd[1:3] == ["-m", "pytest"]:
        args = test_cmd[3:]
    elif test_cmd and Path(test_cmd[0]).name in ("pytest", "py.test"):
        args = test_cmd[1:]
    else:
        raise UserError(f"test_cmd {test_cmd!r}: expected `python3 -m pytest [options]` or `pytest [options]` "
                        "(the grader runs pytest itself, in an isolated interpreter)")
    plugins = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "-p" and not args[i + 1].startswith("no:")]
    plugins += [a[2:] for a in args if a.startswith("-p") and len(a) > 2 and not a[2:].startswith("no:")]
    return list(args), plugins
