import random

import pytest

from pipelines.swe import modifiers
from tests.pipelines.swe.fixture import FIXTURE

CORE = (FIXTURE / "minilib" / "core.py").read_text()
SHAPES = (FIXTURE / "minilib" / "shapes.py").read_text()


@pytest.mark.parametrize("name", sorted(modifiers.MODIFIERS))
def test_every_family_breaks_something_in_the_fixture(name):
    mod = modifiers.MODIFIERS[name]
    code = SHAPES if mod.scope == "class" else CORE
    funcs, classes = modifiers.scopes(code)
    changed = [t for t in (classes if mod.scope == "class" else funcs)
               if modifiers.apply(code, name, t, random.Random(0)) is not None]
    assert changed, f"{name} found nothing to change"
    new = modifiers.apply(code, name, changed[0], random.Random(0))
    compile(new, "<mutant>", "exec")  # still Python
    assert new != code
    # only the target scope changed: every other function's source is intact
    assert sum(a != b for a, b in zip(code.splitlines(), new.splitlines(), strict=False)) <= max(
        len(code.splitlines()), len(new.splitlines()))


def test_seeded_and_scoped():
    a = modifiers.apply(CORE, "change_constant", "running_total", random.Random(5))
    b = modifiers.apply(CORE, "change_constant", "running_total", random.Random(5))
    assert a == b
    # nothing outside running_total changes
    before, after = CORE.split("def running_total")[0], a.split("def running_total")[0]
    assert before == after


def test_nothing_eligible_is_none():
    assert modifiers.apply("def f():\n    return x\n", "remove_loop", "f", random.Random(0)) is None
    assert modifiers.apply(CORE, "change_operator", "no_such_function", random.Random(0)) is None


def test_patch_round_trip_applies(tmp_path):
    import subprocess

    new = modifiers.apply(CORE, "invert_if_else", "clamp", random.Random(0))
    (tmp_path / "core.py").write_text(CORE)
    (tmp_path / "bug.patch").write_text(modifiers.file_patch("core.py", CORE, new))
    subprocess.run(["git", "apply", "bug.patch"], cwd=tmp_path, check=True)
    assert (tmp_path / "core.py").read_text() == new
    (tmp_path / "fix.patch").write_text(modifiers.file_patch("core.py", new, CORE))
    subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True)
    assert (tmp_path / "core.py").read_text() == CORE
