"""A pytest plugin put into grading sandboxes (not imported by the factory): it writes one outcome
per test id to the file named by --tf-swe-report. The grader reads this file and the exit code,
never the printed log, so a conftest.py or a test that prints "PASSED" decides nothing."""

import json

_OUT = {}
_ERRORS = []


def pytest_addoption(parser):
    parser.addoption("--tf-swe-report", default=None)


def _rank(outcome):
    return {"passed": 0, "skipped": 1, "failed": 2, "error": 3}[outcome]


def pytest_runtest_logreport(report):
    if report.when == "call":
        outcome = "skipped" if report.skipped else report.outcome  # an xfail counts as skipped
    elif report.failed:
        outcome = "error"
    elif report.skipped:
        outcome = "skipped"
    else:
        return
    prev = _OUT.get(report.nodeid)
    if prev is None or _rank(outcome) > _rank(prev["outcome"]):
        text = report.longreprtext if outcome in ("failed", "error") else ""
        _OUT[report.nodeid] = {"outcome": outcome, "message": "\n".join(text.splitlines()[-12:])[:1500]}


def pytest_collectreport(report):
    if report.failed:
        _ERRORS.append({"nodeid": report.nodeid, "message": report.longreprtext[-1500:]})


def pytest_sessionfinish(session, exitstatus):
    path = session.config.getoption("--tf-swe-report")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"tests": _OUT, "collect_errors": _ERRORS, "exitstatus": int(exitstatus)}, f)
