"""Where log lines go: ours on the console, everyone else's (Ray actors' prints, other libraries'
warnings, Python warnings) into run.log only."""

from __future__ import annotations

import json
import logging
import warnings

from factory import logs


def test_worker_output_lands_in_run_log_clean_and_not_on_the_console(tmp_path, capsys):
    with logs.run_log(tmp_path / "run.log") as handler:
        logs._log_worker_lines({"pid": 42, "actor_name": "VLLMTeacherActor", "is_err": True, "lines": [
            "\x1b[33mW1205 Triton not available\x1b[0m",
            "\rLoading shards:   0%\rLoading shards: 100%",
            "   ",
        ]})
        logs._log_worker_lines({"pid": "autoscaler", "is_err": False, "lines": ["Autoscaler status"]})
        handler.close()
    lines = [json.loads(x) for x in (tmp_path / "run.log").read_text().splitlines()]
    assert [r["message"] for r in lines] == ["(VLLMTeacherActor pid=42 stderr) W1205 Triton not available",
                                             "(VLLMTeacherActor pid=42 stderr) Loading shards: 100%"]
    assert capsys.readouterr().err == ""


def test_console_shows_our_lines_and_sends_foreign_warnings_to_the_log(tmp_path, capsys):
    root = logging.getLogger()
    before = list(root.handlers)
    logging.captureWarnings(False)  # an earlier in-process CLI call may have captured them already
    try:
        logs.setup_cli(0, False)
        with logs.run_log(tmp_path / "run.log"):
            logging.getLogger("factory.runner").warning("ours")
            logging.getLogger("otherlib.platforms").warning("NUMA binding")  # a library of no fixed name
            warnings.warn("coroutine was never awaited", RuntimeWarning, stacklevel=1)
            logging.getLogger("httpx").error("theirs, but an error")
        err = capsys.readouterr().err
        assert "ours" in err and "theirs, but an error" in err
        assert "NUMA" not in err and "never awaited" not in err
        text = (tmp_path / "run.log").read_text()
        assert "NUMA binding" in text
        assert "never awaited" in text
    finally:
        logging.captureWarnings(False)
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
