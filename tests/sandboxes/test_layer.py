"""Layered images: base + a directory of files, for both backends; the base is never written."""

import os

from sandboxes import image
from sandboxes.select import Backend


def test_layer_adds_files_and_leaves_the_base_alone(backend: Backend, tmp_path):
    tree = tmp_path / "layer"
    (tree / "opt" / "layered").mkdir(parents=True)
    (tree / "opt" / "layered" / "hello.txt").write_text(f"hello {os.getpid()}\n")
    os.chmod(tree / "opt" / "layered" / "hello.txt", 0o644)
    client = backend.client if backend.name == "docker" else None
    tag = image.layer(backend.tag, "test", tree, docker_client=client)
    assert tag.startswith(f"{image.REPOSITORY}-test:") and image.layer(backend.tag, "test", tree, docker_client=client) == tag
    assert not (image.rootfs_path(backend.tag) / "opt" / "layered").exists()  # base untouched
    layered = Backend(backend.cfg.model_copy(update={"image": tag, "backend": backend.name}))
    try:
        sb = layered.open()
        try:
            res = sb.run(["cat", "/opt/layered/hello.txt"])
            assert res.exit_code == 0 and res.stdout == f"hello {os.getpid()}\n"
            assert sb.run(["python3", "-c", "print(1)"]).stdout == "1\n"  # the base's contents are there
        finally:
            sb.close()
    finally:
        layered.close()


def test_tree_digest_follows_content_not_time(tmp_path):
    (tmp_path / "a").write_text("x")
    d1 = image.tree_digest(tmp_path)
    os.utime(tmp_path / "a", (0, 0))
    assert image.tree_digest(tmp_path) == d1
    (tmp_path / "a").write_text("y")
    assert image.tree_digest(tmp_path) != d1


def test_with_packages_keeps_the_base_recipe_when_nothing_is_missing():
    assert image.with_packages(["python3"]) is image.RECIPE
    more = image.with_packages(["python3-freezegun"])
    assert "python3-freezegun" in more["packages"] and image.recipe_tag(more) != image.recipe_tag()
