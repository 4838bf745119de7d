"""Model files are hashed once (cached by path, size and mtime) and every start is recorded."""

from __future__ import annotations

import hashlib
import json

from factory import provenance


def test_model_files_hashed_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAJECTORY_FACTORY_CACHE", str(tmp_path / "cache"))
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.safetensors").write_bytes(b"abc")
    (model / "config.json").write_text("{}")
    got = provenance.model_files(str(model))
    assert got == {"config.json": hashlib.sha256(b"{}").hexdigest(),
                   "weights.safetensors": hashlib.sha256(b"abc").hexdigest()}
    calls = []
    monkeypatch.setattr(provenance, "sha256_file", lambda p: calls.append(p) or "x")
    assert provenance.model_files(str(model)) == got and calls == []  # from the cache
    (model / "weights.safetensors").write_bytes(b"abcd")
    assert provenance.model_files(str(model))["weights.safetensors"] == "x" and len(calls) == 1
    assert provenance.model_files(None) is None and provenance.model_files(str(tmp_path / "nope")) is None


def test_every_start_is_appended(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAJECTORY_FACTORY_CACHE", str(tmp_path / "cache"))
    provenance.record(tmp_path, {"backend": "x"}, None)
    provenance.record(tmp_path, {"backend": "y"}, None)
    hist = json.loads((tmp_path / "provenance.json").read_text())
    assert [h["teacher"]["backend"] for h in hist] == ["x", "y"] and hist[0]["packages"]["pydantic"]


def test_a_start_records_the_code_that_verifies(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAJECTORY_FACTORY_CACHE", str(tmp_path / "cache"))
    entry = provenance.record(tmp_path, {"backend": "x"}, None)
    assert entry["code"] == provenance.code_digest() and entry["code"].startswith("sha256:")
    # Over the files' contents: the same tree gives the same digest, another byte another one.
    root = tmp_path / "tree"
    for pkg in ("factory", "pipelines"):
        (root / pkg).mkdir(parents=True)
        (root / pkg / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(provenance, "__file__", str(root / "factory" / "provenance.py"))
    first = provenance.code_digest()
    assert provenance.code_digest() == first
    (root / "pipelines" / "a.py").write_text("x = 2\n")
    assert provenance.code_digest() != first
