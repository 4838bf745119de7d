"""The repository layer of a sandbox image: built once however many tasks ask at the same time, its root
readable by the sandbox (a private temp directory as the image root breaks bubblewrap's /dev)."""

import threading

from pipelines.swe.workspace import IMAGE_REPO, layer_tree


def test_concurrent_builds_give_one_readable_layer(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAJECTORY_FACTORY_CACHE", str(tmp_path / "cache"))
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "mod.py").write_text("x = 1\n")
    got: list = []
    threads = [threading.Thread(target=lambda: got.append(layer_tree(repo))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 1
    tree = got[0]
    assert tree.stat().st_mode & 0o777 == 0o755
    assert (tree / IMAGE_REPO.lstrip("/") / "pkg" / "mod.py").read_text() == "x = 1\n"
    assert not [p for p in tree.parent.iterdir() if p.name.startswith(".build-")]  # no leftovers


def test_an_interrupted_build_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("TRAJECTORY_FACTORY_CACHE", str(tmp_path / "cache"))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "a.py").write_text("a = 1\n")
    tree = layer_tree(repo)
    (tree.parent / ".complete").unlink()
    (tree / IMAGE_REPO.lstrip("/") / "a.py").unlink()  # what a killed build leaves: a partial tree
    again = layer_tree(repo)
    assert (again / IMAGE_REPO.lstrip("/") / "a.py").is_file() and (again.parent / ".complete").exists()
