"""The ability catalogue: one data file (abilities.yaml), validated when loaded, and the selection
of abilities a run draws from (by id, root or category, with weights)."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from factory.config import Strict, describe_validation_error
from factory.errors import UserError
from pipelines.math.tools import TOOL_NAMES

CATALOGUE_FILE = Path(__file__).with_name("abilities.yaml")
EXPECTED_ABILITIES = 111


class Module(Strict):
    """An agent module: what the system prompt stresses and which tools are offered."""

    focus: str = Field(min_length=1)
    tools: list[str] = Field(min_length=1)


class Ability(Strict):
    id: str = Field(pattern=r"^[a-z_]+(\.[a-z0-9_]+)+$")
    name: str = Field(min_length=1)
    root: str
    category: str = Field(min_length=1)
    difficulty: tuple[int, int]
    module: str
    source: Literal["generator", "user_file"]
    description: str = Field(min_length=1)

    @model_validator(mode="after")
    def _range(self) -> "Ability":
        lo, hi = self.difficulty
        if not 1 <= lo <= hi <= 5:
            raise ValueError(f"difficulty [{lo}, {hi}] must satisfy 1 <= low <= high <= 5")
        return self


class Catalogue(Strict):
    version: int
    roots: dict[str, str]
    modules: dict[str, Module]
    abilities: list[Ability]

    def by_id(self) -> dict[str, Ability]:
        return {a.id: a for a in self.abilities}

    def categories(self) -> set[str]:
        return {a.category for a in self.abilities}


def validate(cat: Catalogue, generators: set[str], where: str, expected: int | None = EXPECTED_ABILITIES) -> None:
    """Everything a run relies on, each failure as one line naming the entry."""
    dup = [i for i, n in Counter(a.id for a in cat.abilities).items() if n > 1]
    if dup:
        raise UserError(f"{where}: duplicate ability ids: {', '.join(sorted(dup))}")
    if expected is not None and len(cat.abilities) != expected:
        raise UserError(f"{where}: expected exactly {expected} abilities, found {len(cat.abilities)}")
    for name, mod in cat.modules.items():
        unknown = [t for t in mod.tools if t not in TOOL_NAMES]
        if unknown:
            raise UserError(f"{where}: modules.{name}.tools: unknown tool(s) {unknown}; known: {sorted(TOOL_NAMES)}")
    for a in cat.abilities:
        if a.root not in cat.roots:
            raise UserError(f"{where}: ability {a.id}: root '{a.root}' is not one of {sorted(cat.roots)}")
        if a.module not in cat.modules:
            raise UserError(f"{where}: ability {a.id}: module '{a.module}' is not one of {sorted(cat.modules)}")
        if a.source == "generator" and a.id not in generators:
            raise UserError(f"{where}: ability {a.id} says source: generator but no generator is registered for it; "
                            "add one in pipelines/math/problems/ or set source: user_file")
        if a.source == "user_file" and a.id in generators:
            raise UserError(f"{where}: ability {a.id} has a generator but says source: user_file")
    unused = set(cat.roots) - {a.root for a in cat.abilities}
    if unused:
        raise UserError(f"{where}: root(s) {sorted(unused)} have no ability")
    orphans = generators - {a.id for a in cat.abilities}
    if orphans:
        raise UserError(f"{where}: generators for abilities missing from the catalogue: {sorted(orphans)}")


def load_catalogue(path: Path = CATALOGUE_FILE, expected: int | None = EXPECTED_ABILITIES) -> Catalogue:
    from pipelines.math.problems import GENERATORS

    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        raise UserError(f"{path}: cannot read the ability catalogue: {str(e).splitlines()[0]}") from None
    try:
        cat = Catalogue.model_validate(raw)
    except ValidationError as e:
        raise UserError(describe_validation_error(e, str(path))) from None
    validate(cat, set(GENERATORS), str(path), expected)
    return cat


@cache
def shipped_catalogue() -> Catalogue:
    return load_catalogue()


class Selection(Strict):
    """Which abilities a run draws problems from. Empty lists mean "all"; a weight multiplies the
    share of every ability it names (by ability id, root or category)."""

    abilities: list[str] = Field(default_factory=list, description="ability ids")
    roots: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    weights: dict[str, float] = Field(default_factory=dict, description="id, root or category -> weight >= 0")


def select(cat: Catalogue, sel: Selection, field: str = "pipeline_options") -> dict[str, float]:
    """Ability id -> weight (> 0) for the abilities the selection keeps."""
    ids, cats = cat.by_id(), cat.categories()
    _known(sel.abilities, set(ids), f"{field}.abilities", "ability id")
    _known(sel.roots, set(cat.roots), f"{field}.roots", "root")
    _known(sel.categories, cats, f"{field}.categories", "category")
    _known(list(sel.weights), set(ids) | set(cat.roots) | cats, f"{field}.weights", "ability id, root or category")
    for key, w in sel.weights.items():
        if w < 0:
            raise UserError(f"{field}.weights.{key}: weight must be >= 0, got {w}")
    out: dict[str, float] = {}
    for a in cat.abilities:
        if sel.abilities and a.id not in sel.abilities:
            continue
        if sel.roots and a.root not in sel.roots:
            continue
        if sel.categories and a.category not in sel.categories:
            continue
        w = 1.0
        for key in (a.id, a.root, a.category):
            w *= sel.weights.get(key, 1.0)
        if w > 0:
            out[a.id] = w
    if not out:
        raise UserError(f"{field}: the selection (abilities/roots/categories/weights) keeps no ability")
    return out


def _known(values: list[str], known: set[str], field: str, what: str) -> None:
    bad = [v for v in values if v not in known]
    if bad:
        hint = ", ".join(sorted(known)[:8]) + (", …" if len(known) > 8 else "")
        raise UserError(f"{field}: unknown {what} {bad[0]!r}; known: {hint} (see pipelines/math/abilities.yaml)")
