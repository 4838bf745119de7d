"""The ability catalogue: the shipped file is valid, and each kind of mistake is caught with one
line that names the entry."""

import copy

import pytest
import yaml

from factory.errors import UserError
from pipelines.math.catalogue import CATALOGUE_FILE, Selection, load_catalogue, select, shipped_catalogue
from pipelines.math.problems import GENERATORS


def test_shipped_catalogue_has_111_abilities_over_three_roots():
    cat = shipped_catalogue()
    assert len(cat.abilities) == 111 and len({a.id for a in cat.abilities}) == 111
    assert {a.root for a in cat.abilities} == set(cat.roots) and len(cat.roots) == 3
    with_gen = [a for a in cat.abilities if a.source == "generator"]
    assert len(with_gen) >= 100 and {a.id for a in with_gen} == set(GENERATORS)
    assert {a.module for a in cat.abilities} <= set(cat.modules)
    assert len(cat.categories()) >= 10


def _broken(tmp_path, mutate):
    raw = yaml.safe_load(CATALOGUE_FILE.read_text())
    raw = copy.deepcopy(raw)
    mutate(raw)
    p = tmp_path / "abilities.yaml"
    p.write_text(yaml.safe_dump(raw))
    with pytest.raises(UserError) as e:
        load_catalogue(p)
    msg = str(e.value)
    assert "\n" not in msg and str(p) in msg
    return msg


def test_duplicate_id(tmp_path):
    def dup(raw):
        raw["abilities"][1]["id"] = raw["abilities"][0]["id"]
    assert "duplicate ability ids: basic.symbols.interval_notation" in _broken(tmp_path, dup)


def test_wrong_count(tmp_path):
    def drop_user_file_one(raw):
        raw["abilities"] = [a for a in raw["abilities"] if a["id"] != "meta.strategy.choose_method"]
    assert "expected exactly 111 abilities, found 110" in _broken(tmp_path, drop_user_file_one)


def test_unknown_module_and_tool(tmp_path):
    def bad_module(raw):
        raw["abilities"][5]["module"] = "astrology"
    assert "module 'astrology' is not one of" in _broken(tmp_path, bad_module)

    def bad_tool(raw):
        raw["modules"]["algebra"]["tools"].append("wolfram")
    assert "modules.algebra.tools: unknown tool(s) ['wolfram']" in _broken(tmp_path, bad_tool)


def test_unused_root_and_unknown_root(tmp_path):
    def extra_root(raw):
        raw["roots"]["astronomy"] = "Astronomy"
    assert "root(s) ['astronomy'] have no ability" in _broken(tmp_path, extra_root)

    def bad_root(raw):
        raw["abilities"][0]["root"] = "nope"
    assert "root 'nope' is not one of" in _broken(tmp_path, bad_root)


def test_generator_claims_must_hold(tmp_path):
    def claims_generator(raw):
        next(a for a in raw["abilities"] if a["source"] == "user_file")["source"] = "generator"
    assert "no generator is registered" in _broken(tmp_path, claims_generator)


def test_schema_errors_name_the_field(tmp_path):
    def bad_range(raw):
        raw["abilities"][3]["difficulty"] = [4, 2]
    assert "abilities.3" in _broken(tmp_path, bad_range)

    def extra(raw):
        raw["abilities"][0]["colour"] = "red"
    assert "abilities.0.colour: unknown field" in _broken(tmp_path, extra)


def test_selection_by_id_root_category_and_weights():
    cat = shipped_catalogue()
    assert set(select(cat, Selection(roots=["mathematical_metacognition"]))) == {
        a.id for a in cat.abilities if a.root == "mathematical_metacognition"}
    only = select(cat, Selection(abilities=["basic.numbers.gcd"], weights={"basic.numbers.gcd": 3}))
    assert only == {"basic.numbers.gcd": 3.0}
    w = select(cat, Selection(categories=["calculus", "probability"], weights={"calculus": 2, "reasoning.calculus.limit": 0}))
    assert "reasoning.calculus.limit" not in w and w["reasoning.calculus.chain_rule"] == 2.0
    assert w["reasoning.probability.bayes"] == 1.0


@pytest.mark.parametrize("sel, msg", [
    (Selection(abilities=["basic.nope"]), "pipeline_options.abilities: unknown ability id 'basic.nope'"),
    (Selection(roots=["art"]), "pipeline_options.roots: unknown root 'art'"),
    (Selection(categories=["poetry"]), "pipeline_options.categories: unknown category 'poetry'"),
    (Selection(weights={"calculus": -1}), "weights.calculus: weight must be >= 0"),
    (Selection(weights={"calculus": 0}, categories=["calculus"]), "keeps no ability"),
])
def test_selection_errors(sel, msg):
    with pytest.raises(UserError, match=msg.replace(".", r"\.").replace("(", r"\(")):
        select(shipped_catalogue(), sel)
