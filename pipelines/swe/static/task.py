"""A static task's payload. It carries what the SWE workspace needs (source, pin, the bug as a setup
patch, python_path) so the agent explores the repository with the usual tools, and what its grader
needs (the gold fix, the expected answer)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tf_common import Strict

Kind = Literal["repair", "localisation", "understanding"]
Question = Literal["callers", "raises", "returns"]
KINDS: tuple[str, ...] = ("repair", "localisation", "callers", "raises", "returns")


class StaticTask(Strict):
    verification: Literal["static"] = "static"
    kind: Kind
    question: Question | None = None
    instance_id: str
    source: str
    source_sha256: str | None = None
    licence: str
    repo: str
    file: str
    function: str = Field(description="qualname in `file`: the broken function (repair, localisation) or the subject")
    problem_statement: str
    setup_patch: str = Field("", description="the injected bug (repair, localisation); never shown")
    patch: str = Field("", description="repair: the gold fix, the reverse of setup_patch")
    modifier: str | None = None
    answer: str = Field("", description="localisation: file::qualname; understanding: the expected answer")
    python_path: list[str] = Field(default_factory=list)
    debian: list[str] = Field(default_factory=list)
    base_commit: str = ""

    @property
    def profile(self) -> str:
        return self.repo

    @property
    def FAIL_TO_PASS(self) -> list[str]:  # noqa: N802 - the workspace helpers read the SWE-bench name
        return []

    def code_key(self) -> tuple[str, str | None, str]:
        return (self.source, self.source_sha256, self.base_commit)
