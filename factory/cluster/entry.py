"""The entrypoint of a `factory submit` job, on the cluster: the run config comes in the job's
environment (FACTORY_RUN_CONFIG), is written into the job's own working directory, and `factory run`
runs it, so the job's exit code is `factory run`'s (0 done, 2 bad input, 3 teacher died, 1 other)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from factory.cli.app import main
from factory.cluster.jobs import CONFIG_ENV


def run() -> None:
    text = os.environ.get(CONFIG_ENV)
    if not text:
        print(f"error: {CONFIG_ENV} is not set: this entrypoint runs inside a job made by `factory submit`",
              file=sys.stderr)
        sys.exit(2)
    path = Path("factory-job-config.yaml").resolve()
    path.write_text(text)
    sys.argv = ["factory", "run", "--config", str(path), *sys.argv[1:]]
    main()


if __name__ == "__main__":
    run()
