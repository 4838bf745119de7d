"""Runs a repository's tests for the grader inside the sandbox (not imported by the factory).

Started as `python3 -I test_runner.py` with no other argument: an isolated interpreter (no user
site, no PYTHON* variables, so no repository sitecustomize/usercustomize and no current directory
on the path) with plugin autoloading off (PYTEST_DISABLE_PLUGIN_AUTOLOAD), so a `*.dist-info`
entry point in the repository loads nothing. Everything else arrives as one JSON line on stdin —
the path entries, pytest's arguments, where the report goes and the key that signs it — and is
never visible in `sys.argv` or the environment. The report is written after pytest returns and
the process leaves with `os._exit`, so an `atexit` handler of the code under test runs too late to
touch it, and a report written by anyone without the key fails its signature."""

import hashlib
import hmac
import importlib.util
import json
import os
import sys


def main():
    cfg = json.loads(sys.stdin.readline())
    sys.stdin.close()
    sys.stdin = open(os.devnull)  # the tests read nothing the grader sent
    key, report_path = cfg.pop("key").encode(), cfg.pop("report")
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("tf_swe_report", os.path.join(here, "tf_swe_report.py"))
    plugin_mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin_mod)
    # what `python -m pytest` with PYTHONPATH would give: the working directory, then the profile's dirs
    sys.path[:] = [os.getcwd(), *cfg["path"], *[p for p in sys.path if p != here]]
    import pytest

    reporter = plugin_mod.Reporter(cfg.get("plugins", ()), cfg.get("changed", ()))
    sys.argv = ["pytest", *cfg["args"]]
    del cfg
    code = int(pytest.main(sys.argv[1:], plugins=[reporter]))
    body = json.dumps(reporter.result(code), sort_keys=True)
    sig = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    tmp = report_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"body": body, "sig": sig}, f)
    os.replace(tmp, report_path)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


main()
