"""Repository profiles: where a repository's code comes from (a pinned sdist with its sha256, or a
local git repository), how its tests run, what they need, and which modules synthesis may break.
The shipped ones were measured on a 2-core machine: each suite is green in the sandbox in seconds."""

from __future__ import annotations

from pydantic import Field

from factory.errors import UserError
from tf_common import Strict

PYTEST = ["python3", "-m", "pytest", "-p", "no:cacheprovider", "-q", "-o", "addopts="]


class RepoProfile(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    source: str = Field(description="pypi:NAME==VERSION | path:DIR | debian:PACKAGE=VERSION")
    sha256: str | None = Field(None, description="of the sdist / archive; required for pypi sources in profiles")
    root: str = Field("", description="the repository inside the unpacked source ('' = its top directory)")
    python_path: list[str] = Field(default_factory=list, description="dirs (relative to the repo) put on PYTHONPATH")
    test_cmd: list[str] = Field(default_factory=lambda: list(PYTEST), description="argv; test ids are appended")
    test_paths: list[str] = Field(description="what the whole suite is (files or directories)")
    targets: list[str] = Field(description="globs of modules synthesis may inject bugs into")
    debian: list[str] = Field(default_factory=list, description="Debian packages the tests need (in the image)")
    ignore: list[str] = Field(default_factory=list, description="globs never mutated (vendored code, generated files)")
    timeout_s: float = Field(120.0, gt=0, description="wall-clock budget of one full suite run")


SHIPPED: dict[str, RepoProfile] = {p.name: p for p in [
    RepoProfile(name="toolz", source="pypi:toolz==1.2.0",
                sha256="9667a038e9d6ecba37995e26cb2f59ec6420b6ad8dd9677de59db9b956b08490",
                test_paths=["toolz/tests"], timeout_s=60,
                targets=["toolz/itertoolz.py", "toolz/dicttoolz.py", "toolz/functoolz.py", "toolz/recipes.py"],
                ignore=["toolz/tests/*", "toolz/compatibility.py"]),
    RepoProfile(name="six", source="pypi:six==1.17.0",
                sha256="ff70335d468e7eb6ec65b95b99d3a2836546063f63acc5171de367e834932a81",
                test_paths=["test_six.py"], targets=["six.py"], timeout_s=60),
    RepoProfile(name="markupsafe", source="pypi:markupsafe==3.0.4",
                sha256="2e9ad7dd851bf45fab9f75cbff4cb493fee9979e8d8c7c9c3ee119022518edd6",
                python_path=["src"], test_paths=["tests"], timeout_s=60,
                targets=["src/markupsafe/__init__.py", "src/markupsafe/_native.py"]),
    RepoProfile(name="itsdangerous", source="pypi:itsdangerous==2.2.0",
                sha256="e0050c0b7da1eea53ffaf149c0cfbb5c6e2e2b69c4bef22c81fa6eb73e5f6173",
                python_path=["src"], test_paths=["tests"], debian=["python3-freezegun"], timeout_s=90,
                targets=["src/itsdangerous/*.py"]),
    RepoProfile(name="boltons", source="pypi:boltons==26.2.0",
                sha256="d39cfd15c1a1c3bd4d705c82252fa9edb8e4f5e8cc039f8e39afac7b1b47e92c",
                test_paths=["tests"], timeout_s=120,
                targets=["boltons/iterutils.py", "boltons/strutils.py", "boltons/dictutils.py",
                         "boltons/listutils.py", "boltons/setutils.py"]),
]}


def get(name: str) -> RepoProfile:
    try:
        return SHIPPED[name]
    except KeyError:
        raise UserError(f"unknown SWE profile '{name}'; shipped: {', '.join(SHIPPED)} "
                        "(or give a profile inline in pipeline_options.profile)") from None
