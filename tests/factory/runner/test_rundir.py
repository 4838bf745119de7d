"""The run directory: created once, reopened only by the same run, cleaned of uncommitted files."""

from __future__ import annotations

import logging

import pytest
import yaml

from factory.config import RunConfig
from factory.errors import UserError
from factory.manifest import load_manifest
from factory.pipeline import PipelineView
from factory.runner.rundir import open_run_dir


def cfg(tmp_path, **over) -> RunConfig:
    return RunConfig.model_validate({"pipeline": "toy", "output_dir": str(tmp_path), "name": "r", **over})


def test_create_then_reopen(tmp_path):
    view = PipelineView(name="toy", stat_keys=["k"])
    run_dir, m = open_run_dir(cfg(tmp_path), view)
    assert run_dir == tmp_path / "r" and m.run_id.startswith("r-") and m.commits == []
    assert load_manifest(run_dir).view == view
    assert yaml.safe_load((run_dir / "config.yaml").read_text())["pipeline"] == "toy"
    # what may change on resume: workers, shard sizes, limit
    _, again = open_run_dir(cfg(tmp_path, runner={"workers": 3}, limit=2), view)
    assert again.run_id == m.run_id


def test_a_different_run_is_refused_naming_what_differs(tmp_path):
    open_run_dir(cfg(tmp_path), None)
    with pytest.raises(UserError, match=r"different config \(seed differ\).*--name"):
        open_run_dir(cfg(tmp_path, seed=1), None)
    with pytest.raises(UserError, match="teacher"):
        open_run_dir(cfg(tmp_path, teacher={"sampling": {"temperature": 0.1}}), None)


def test_uncommitted_files_are_removed_with_a_warning(tmp_path, caplog):
    run_dir, _ = open_run_dir(cfg(tmp_path), None)
    (run_dir / "accepted").mkdir()
    (run_dir / "accepted" / "part-00007.parquet").write_bytes(b"half")
    (run_dir / "staging").mkdir()
    (run_dir / "staging" / "part-00007.parquet.tmp").write_bytes(b"half")
    with caplog.at_level(logging.WARNING):
        open_run_dir(cfg(tmp_path), None)
    assert not any((run_dir / "accepted").iterdir()) and not any((run_dir / "staging").iterdir())
    assert "accepted/part-00007.parquet" in caplog.text


def test_a_run_made_before_a_config_field_existed_resumes_while_it_keeps_its_default(tmp_path):
    run_dir, m = open_run_dir(cfg(tmp_path), None)
    old = yaml.safe_load((run_dir / "config.yaml").read_text())
    del old["dedup"]["roles"]  # as written by a version without the field
    (run_dir / "config.yaml").write_text(yaml.safe_dump(old))
    m.config_sha256 = "sha-of-the-older-schema"
    from factory.manifest import save_manifest

    save_manifest(run_dir, m)
    _, again = open_run_dir(cfg(tmp_path), None)
    assert again.run_id == m.run_id and again.config_sha256 != "sha-of-the-older-schema"
    m.config_sha256 = "sha-of-the-older-schema"
    save_manifest(run_dir, m)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(old))
    with pytest.raises(UserError, match=r"\(dedup differ\)"):
        open_run_dir(cfg(tmp_path, dedup={"roles": ["user"]}), None)
