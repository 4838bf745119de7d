"""The entrypoint of a `factory submit` job, on the cluster. Before anything else it checks, with the
standard library only, that its interpreter has the packages the project needs (a head started
outside the project's environment would otherwise fail on an import, deep in a traceback); then the
run config, which comes in the job's environment (FACTORY_RUN_CONFIG), is written into the job's
working directory and validated; then it says it started (what `factory submit` waits for) and
`factory run` runs it, so the job's exit code is `factory run`'s (0 done, 2 bad input, 3 teacher
died, 1 other)."""

from __future__ import annotations

import os
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def missing_packages(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The project's dependencies (by distribution name) this interpreter does not have."""
    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    out = []
    for dep in deps:
        name = re.split(r"[\s\[<>=!~;]", dep, maxsplit=1)[0]
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            out.append(name)
    return out


def _fail(line: str) -> None:
    print(f"error: {line}", file=sys.stderr, flush=True)
    sys.exit(2)


def run() -> None:
    lacking = missing_packages()
    if lacking:
        _fail(f"the job's Python ({sys.executable}) lacks {', '.join(lacking)}, which trajectory-factory needs: "
              "start the Ray head from the project's environment, or pass `factory submit --python "
              "/path/to/env/bin/python`")
    from factory.cli.app import main
    from factory.cluster.jobs import CONFIG_ENV, STARTED
    from factory.config import load_config
    from factory.errors import UserError

    text = os.environ.get(CONFIG_ENV)
    if not text:
        _fail(f"{CONFIG_ENV} is not set: this entrypoint runs inside a job made by `factory submit`")
    path = Path("factory-job-config.yaml").resolve()
    path.write_text(text)
    try:
        cfg = load_config(path, {})
    except UserError as e:
        _fail(str(e))
    print(f"{STARTED} run {cfg.run_name} · python {sys.executable}", flush=True)
    sys.argv = ["factory", "run", "--config", str(path), *sys.argv[1:]]
    main()


if __name__ == "__main__":
    run()
