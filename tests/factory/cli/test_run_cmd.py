"""Bad input to `factory run`: one clear line, non-zero exit, nothing written."""

import subprocess
import sys

import pytest

from tests.fakes.servers import ROOT


def factory(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "factory.cli.app", "run", "--output-dir", str(tmp_path / "runs"),
                           *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize("args,expect", [
    (["--pipeline", "nope"], "unknown pipeline 'nope'"),
    (["--config", "missing.yaml"], "missing.yaml: config file not found"),
    (["--pipeline", "agentic_cot", "--teacher", "gpt"], "teacher.backend"),
    (["--pipeline", "agentic_cot", "--teacher", "openai", "--base-url", "http://127.0.0.1:9/v1"],
     "teacher endpoint http://127.0.0.1:9/v1 is unreachable"),
    (["--pipeline", "agentic_cot", "--teacher", "vllm", "--model", "/no/such/model"],
     "teacher.model: path '/no/such/model' does not exist"),
])
def test_bad_input_one_line_and_nothing_written(tmp_path, args, expect):
    p = factory(tmp_path, *args)
    assert p.returncode == 2, p.stderr
    assert expect in p.stderr and p.stderr.count("\n") == 1, p.stderr
    assert not (tmp_path / "runs").exists()


def test_bad_config_field_in_file(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("pipeline: agentic_cot\npipeline_options:\n  questions: nowhere.jsonl\n")
    p = factory(tmp_path, "--config", str(cfg))
    assert p.returncode == 2 and "pipeline_options.questions: file 'nowhere.jsonl' not found" in p.stderr
    assert not (tmp_path / "runs").exists()
