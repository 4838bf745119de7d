"""A pipeline defined only in the tests goes through run, stats, inspect, review, export and report,
and each shows and counts what the pipeline declared, with no line of the engine naming it."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from factory.cli.app import app
from factory.manifest import load_manifest
from factory.runner import driver
from factory.trajectory import Message, Trajectory
from factory.verify.decide import decide
from tests.factory.pipeline.toy import Toy, toy_reply
from tests.fakes.scripted import ScriptedTeacher

TOY = "tests.factory.pipeline.toy:Toy"


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("toy")
    cfg = driver.RunConfig.model_validate({
        "pipeline": TOY, "output_dir": str(out), "name": "toy", "runner": {"executor": "inline", "chunk_size": 2},
        "dedup": {"near": False}, "shards": {"rows_per_shard": 4}})
    outcome = driver.run(cfg, teacher=ScriptedTeacher(toy_reply))
    return outcome


def cli(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)


def test_run_counts_the_declared_keys_and_attempts(toy_run):
    s = toy_run.stats
    assert s["tasks"] == 6 and s["rows"] == 12
    # red and green are named on try 0 only; blue never: 4 of 12 rows pass
    assert s["accepted"] == 4 and s["reasons"] == {"colour_named:colour_missing": 8}
    assert s["keys"]["colour=red"] == {"accepted": 2, "rejected": 2, "solved": 2}
    assert s["keys"]["shape=circle"]["accepted"] + s["keys"]["shape=circle"]["rejected"] == 6
    p = s["pass_at_k"]  # attempts counted by the declared `try_no`
    assert (p["tasks"], p["attempts"], p["pass@k_sum"]) == (6, 12, 4)
    assert toy_run.view.summary_keys == ["colour"]
    assert load_manifest(toy_run.run_dir).view == Toy.view()


def test_stats_json_and_breakdown(toy_run):
    r = cli("stats", str(toy_run.run_dir), "--json")
    assert json.loads(r.stdout)["pass_at_k"]["pass@1_sum"] == pytest.approx(4 / 2)
    r = cli("stats", str(toy_run.run_dir), "--by", "shape")
    assert "square" in r.stdout and "red" not in r.stdout.split("breakdown")[1].split("verifiers")[0]


def test_inspect_highlights_declared_sections_and_shows_declared_keys_first(toy_run):
    r = cli("inspect", str(toy_run.run_dir), "--show", "1", "--side", "accepted", "--no-fold")
    assert r.exit_code == 0
    assert "THOUGHT" in r.stdout and "VERDICT" in r.stdout and "<thought>" not in r.stdout
    header = r.stdout.split("user")[0]
    assert "shape circle" in header or "shape square" in header
    r = cli("inspect", str(toy_run.run_dir), "--show", "2", "--json", "--meta", "colour=blue")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 2 and all(row["meta"]["colour"] == "blue" for row in rows)


def test_review_export_and_report_use_the_declarations(toy_run, tmp_path):
    r = cli("review", str(toy_run.run_dir), "--size", "2", "--reviewer", "t", "--side", "accepted",
            input="a\nfine\nr\nnot fine\n")
    assert "all 2 sampled rows reviewed" in r.stdout and "THOUGHT" in r.stdout
    labels = [json.loads(line) for line in (toy_run.run_dir / "audit.jsonl").read_text().splitlines()]
    assert [x["label"] for x in labels] == ["accept", "reject"]

    r = cli("export", str(toy_run.run_dir), "--to", str(tmp_path / "ds"))
    assert "exported 3 rows (1 dropped by audit)" in r.stdout
    card = (tmp_path / "ds" / "README.md").read_text()
    assert "| colour=red |" in card and "shape=" not in card  # card_keys = (colour,)
    assert pq.read_table(tmp_path / "ds" / "data" / "part-00000.parquet").num_rows == 3

    r = cli("report", str(toy_run.run_dir), "--out", str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text()
    assert "tests.factory.pipeline.toy:Toy" in page and page.count("<img") == 5


def test_id_meta_keys_tell_apart_rows_with_the_same_messages():
    toy = Toy(driver.RunConfig(pipeline=TOY))
    msgs = [Message(role="user", content="q"), Message(role="assistant", content="red")]
    a, b = (Trajectory(pipeline=TOY, task_id="t", messages=msgs, meta={"colour": "red", "flavour": f})
            for f in ("plain", "spicy"))
    ja, jb = decide([a], [], toy)[0], decide([b], [], toy)[0]
    assert ja.id and jb.id and ja.id != jb.id
    c = b.model_copy(update={"meta": {**b.meta, "shape": "x"}})  # not an id key: same id
    assert decide([c], [], toy)[0].id == jb.id


def test_every_opened_pipeline_is_closed(toy_run):
    assert Toy.opened >= 1 and Toy.opened == Toy.closed


def test_rows_say_the_sampling_their_calls_used_and_the_run_says_what_produced_it(toy_run):
    rows = pq.read_table(next((toy_run.run_dir / "accepted").glob("*.parquet"))).to_pylist()
    used = json.loads(rows[0]["teacher"]["sampling"])
    assert len(used) == 1 and used[0]["completions"] == 2 and used[0]["max_tokens"] == 512
    prov = json.loads((toy_run.run_dir / "provenance.json").read_text())
    assert prov[-1]["packages"]["ray"] and prov[-1]["packages"]["pyarrow"] and prov[-1]["teacher"]["backend"]
