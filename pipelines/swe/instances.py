"""Task instances in the SWE-bench shape (SWE-bench / SWE-Gym / SWE-smith fields) plus where the
code comes from. A bad row is one line naming the file, the row and the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from factory.errors import UserError
from factory.inputs import read_records
from pipelines.swe.profiles import PYTEST
from pipelines.swe.sources import check_source
from tf_common import Strict


class Instance(Strict):
    instance_id: str = Field(min_length=1)
    repo: str = ""
    base_commit: str = ""
    patch: str = Field(description="the gold fix, applied to the task's starting state")
    test_patch: str = ""
    problem_statement: str = Field(min_length=1)
    FAIL_TO_PASS: list[str] = Field(min_length=1)
    PASS_TO_PASS: list[str] = Field(default_factory=list)
    source: str = Field(description="pypi:NAME==VERSION | path:DIR | debian:PACKAGE=VERSION")
    source_sha256: str | None = None
    setup_patch: str = Field("", description="applied before the agent starts (a synthesised bug); never shown")
    test_cmd: list[str] = Field(default_factory=lambda: list(PYTEST))
    python_path: list[str] = Field(default_factory=list)
    debian: list[str] = Field(default_factory=list)
    timeout_s: float = 120.0
    profile: str | None = None
    modifier: str | None = None
    issue_text: str | None = None
    version: str | None = None
    created_at: str | None = None
    hints_text: str | None = None
    environment_setup_commit: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _extra_columns(cls, data: Any) -> Any:
        """Peers' extra columns (SWE-smith's image_name, …) are kept in `meta`, not refused."""
        if isinstance(data, dict):
            extra = {k: v for k, v in data.items() if k not in cls.model_fields}
            if extra:
                data = {k: v for k, v in data.items() if k in cls.model_fields}
                data["meta"] = {**(data.get("meta") or {}), **extra}
        return data

    @field_validator("FAIL_TO_PASS", "PASS_TO_PASS", "test_cmd", "python_path", "debian", mode="before")
    @classmethod
    def _json_list(cls, v: Any) -> Any:
        """SWE-bench stores these lists as JSON strings; test_cmd may be a plain command line."""
        if isinstance(v, str):
            try:
                return json.loads(v)
            except json.JSONDecodeError:
                import shlex
                return shlex.split(v)
        return v

    @field_validator("source")
    @classmethod
    def _source(cls, v: str) -> str:
        try:
            check_source(v)
        except UserError as e:
            raise ValueError(str(e)) from None
        return v

    def code_key(self) -> tuple[str, str | None, str]:
        """What determines the image: source, pin and commit."""
        return (self.source, self.source_sha256, self.base_commit)


def _resolve_source(row: dict[str, Any], repos_dir: Path | None) -> dict[str, Any]:
    """A GitHub instance (repo 'owner/name', no source) uses the local clone repos_dir/owner__name."""
    if row.get("source") or not row.get("repo") or repos_dir is None:
        return row
    return {**row, "source": f"path:{repos_dir / str(row['repo']).replace('/', '__')}"}


def read_rows(path: Path) -> list[dict[str, Any]]:
    return list(read_records(path, "instances"))


def load(path: Path, repos_dir: Path | None = None) -> list[Instance]:
    out: list[Instance] = []
    seen: set[str] = set()
    for n, row in enumerate(read_rows(path), 1):
        try:
            inst = Instance.model_validate(_resolve_source(row, repos_dir))
        except ValidationError as e:
            err = e.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "(row)"
            rid = row.get("instance_id", "?")
            raise UserError(f"{path}: row {n} ({rid}): field '{field}': {err['msg']}") from None
        if inst.instance_id in seen:
            raise UserError(f"{path}: row {n}: instance_id '{inst.instance_id}' appears twice")
        seen.add(inst.instance_id)
        out.append(inst)
    if not out:
        raise UserError(f"{path}: no instances")
    return out


def dump(instances: list[Instance], path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("w", encoding="utf-8") as f:
        for i in instances:
            f.write(json.dumps(i.model_dump(exclude_none=True), ensure_ascii=False) + "\n")
    tmp.rename(path)
