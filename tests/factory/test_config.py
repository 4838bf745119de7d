from pathlib import Path

import pytest

from factory.config import load_config
from factory.errors import UserError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "c.yaml"
    p.write_text(text)
    return p


def test_valid_config_fills_defaults(tmp_path):
    cfg = load_config(write(tmp_path, "pipeline: agentic_cot\nteacher:\n  sampling:\n    max_tokens: 99\n"), {})
    assert cfg.teacher.sampling.max_tokens == 99
    assert cfg.teacher.backend == "embedded"
    assert cfg.run_dir == Path("runs/agentic_cot")


def test_unknown_field_names_file_and_field(tmp_path):
    p = write(tmp_path, "pipeline: agentic_cot\nteacher:\n  tempreature: 0.5\n")
    with pytest.raises(UserError) as e:
        load_config(p, {})
    msg = str(e.value)
    assert str(p) in msg and "teacher.tempreature" in msg and "unknown field" in msg
    assert "\n" not in msg


def test_wrong_type_says_what_was_expected(tmp_path):
    with pytest.raises(UserError) as e:
        load_config(write(tmp_path, "pipeline: agentic_cot\nrunner:\n  workers: many\n"), {})
    assert "runner.workers" in str(e.value) and "'many'" in str(e.value)


def test_bad_enum_value(tmp_path):
    with pytest.raises(UserError, match="teacher.backend"):
        load_config(write(tmp_path, "pipeline: x\nteacher:\n  backend: gpt\n"), {})


def test_invalid_yaml_gives_line(tmp_path):
    with pytest.raises(UserError, match=r"line \d+ is not valid YAML"):
        load_config(write(tmp_path, "pipeline: a\nteacher: {a: 1\nseed: 2\n"), {})


def test_missing_file(tmp_path):
    with pytest.raises(UserError, match="config file not found"):
        load_config(tmp_path / "nope.yaml", {})


def test_openai_requires_base_url():
    with pytest.raises(UserError, match="base_url is required"):
        load_config(None, {"pipeline": "agentic_cot", "teacher": {"backend": "openai"}})


def test_overrides_win_over_file(tmp_path):
    cfg = load_config(write(tmp_path, "pipeline: agentic_cot\nseed: 1\n"), {"seed": 7})
    assert cfg.seed == 7
