"""Static synthesis: licences read from what a distribution says, repositories skipped with a counted
reason, every kind seeded, answers that agree with the code they were read from."""

import ast
import asyncio
import subprocess

import pytest

from pipelines.swe import sources
from pipelines.swe.static import licence
from pipelines.swe.static.plan import StaticOptions, package_list, sample
from pipelines.swe.static.synth import synthesize
from pipelines.swe.static.task import KINDS


@pytest.mark.parametrize("files,want", [
    ({"PKG-INFO": "Metadata-Version: 2.4\nName: x\nLicense-Expression: MIT OR Apache-2.0\n"}, "MIT"),
    ({"PKG-INFO": "Metadata-Version: 2.1\nName: x\nClassifier: License :: OSI Approved :: BSD License\n"}, "BSD"),
    ({"PKG-INFO": "Metadata-Version: 2.1\nName: x\nLicense: Apache License, Version 2.0\n"}, "Apache-2.0"),
    ({"PKG-INFO": "Metadata-Version: 2.1\nName: x\nLicense: UNKNOWN\n", "LICENSE": "Permission is hereby granted, "
      "free of charge, to any person"}, "MIT"),
    ({"pyproject.toml": '[project]\nname = "x"\nlicense = "GPL-3.0-or-later"\n'}, "GPL-3.0"),
    ({"PKG-INFO": "Metadata-Version: 2.1\nName: x\nLicense: Proprietary, all rights reserved\n"}, None),
    ({}, None),
])
def test_licences_from_what_the_distribution_says(tmp_path, files, want):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    got = licence.of_python(tmp_path)
    assert got == want and licence.redistributable(got) == (want is not None)


def test_debian_copyright(tmp_path):
    (tmp_path / "debian").mkdir()
    (tmp_path / "debian" / "copyright").write_text(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        "Files: *\nCopyright: 2020 Someone\nLicense: Expat\n\nFiles: debian/*\nLicense: GPL-2+\n")
    assert licence.of_debian(tmp_path) == "Expat" and licence.redistributable("Expat")


def _git_repo(path, files):
    path.mkdir()
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    for argv in (["git", "init", "-q"], ["git", "add", "-A"],
                 ["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "x"]):
        subprocess.run(argv, cwd=path, check=True)
    return f"path:{path}"


CODE = "def f(items):\n    total = 0\n    for x in items:\n        total += x\n    return total\n"


def test_repositories_without_a_usable_licence_or_with_native_code_are_skipped(tmp_path):
    unknown = _git_repo(tmp_path / "a", {"pkg/mod.py": CODE})
    native = _git_repo(tmp_path / "b", {"pkg/mod.py": CODE, "pkg/fast.c": "int x;", "LICENSE": "MIT License"})
    assert asyncio.run(synthesize(unknown, 0)).skipped == "licence:unknown"
    assert asyncio.run(synthesize(native, 0)).skipped == "not_pure_python"
    missing = asyncio.run(synthesize("pypi:surely-no-such-project-xyz==1.0", 0))
    assert missing.skipped.startswith("unavailable:")


def test_every_kind_from_one_repository(toolz_static, by_kind):
    assert toolz_static.licence == "BSD-3-Clause" and not toolz_static.skipped
    assert set(by_kind) == {"repair", "localisation", "callers", "raises", "returns"} == set(KINDS)
    for t in toolz_static.tasks:
        assert t.licence == "BSD-3-Clause" and t.verification == "static"
    loc = by_kind["localisation"]
    assert loc.answer == f"{loc.file}::{loc.function}"
    assert loc.function.split(".")[-1] not in loc.problem_statement.replace(loc.file, "")


def test_answers_agree_with_the_code(by_kind):
    tree = sources.materialize(by_kind["callers"].source)
    c = by_kind["callers"]
    target = c.function.split(".")[-1]
    for entry in c.answer.split(", "):
        path, qual = entry.split("::")
        src = (tree / path).read_text()
        fn = next(n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.FunctionDef) and n.name == qual.split(".")[-1])
        assert target in ast.get_source_segment(src, fn)
    r = by_kind["returns"]
    src = (tree / r.file).read_text()
    fn = next(n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef) and n.name == r.function)
    scope: dict = {}
    exec(compile(ast.Module([fn], []), r.file, "exec"), scope)  # toolz's own pure function, alone
    call = r.problem_statement.split("what does `", 1)[1].split("` return", 1)[0]
    assert repr(eval(call, scope)) == r.answer


def test_synthesis_is_seeded(toolz_static):
    again = asyncio.run(synthesize("pypi:toolz==1.2.0", 11, kinds=("repair", "callers", "raises")))
    first = {t.instance_id for t in toolz_static.tasks}
    assert {t.instance_id for t in again.tasks} <= first
    other = asyncio.run(synthesize("pypi:toolz==1.2.0", 12, kinds=("repair", "callers", "raises")))
    assert {t.instance_id for t in other.tasks} != {t.instance_id for t in again.tasks}


def test_package_lists_are_checked_and_sampled_by_seed(tmp_path):
    shipped = package_list(StaticOptions())
    assert len(shipped) >= 300 and all(s.startswith(("pypi:", "debian:")) for s in shipped)
    assert sample(StaticOptions(repos=5), 1) == sample(StaticOptions(repos=5), 1) != sample(StaticOptions(repos=5), 2)
    bad = tmp_path / "list.txt"
    bad.write_text("pypi:toolz==1.2.0\ntoolz\n")
    from factory.errors import UserError

    with pytest.raises(UserError, match=r"list.txt entry 2: source 'toolz': expected pypi:NAME==VERSION"):
        package_list(StaticOptions(packages=str(bad)))


def test_a_debian_source_package_with_its_copyright_licence():
    r = asyncio.run(synthesize("debian:toolz=0.12.0-1", 0, kinds=("repair", "callers")))
    assert r.licence == "BSD-3-Clause" and not r.skipped  # from debian/copyright's `Files: *`
    assert {t.kind for t in r.tasks} == {"repair", "understanding"}
    assert all(t.source == "debian:toolz=0.12.0-1" and t.licence == "BSD-3-Clause" for t in r.tasks)
