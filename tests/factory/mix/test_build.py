"""`factory mix` end to end on two pipelines' runs: loadable by `datasets` as a folder, shares of
tokens within one trajectory of the target, splits by task, reproducible, selectors, dedup across
sources, decontamination, shortfalls and impossible mixes (one line, nothing written)."""

from __future__ import annotations

import json

import datasets
import pyarrow.parquet as pq
import yaml

from factory.export import formats, templates
from factory.inspect import audit
from tests.factory.conftest import export
from tests.factory.mix.conftest import run_mix, two_sources


def _rows(to, split=None):
    return [r for f in sorted((to / "data").glob(f"{split or '*'}-*.parquet")) for r in pq.read_table(f).to_pylist()]


def test_two_pipelines_mixed_load_as_a_dataset_and_meet_their_shares(mix_runs, tmp_path):
    code, out, to = run_mix(two_sources(mix_runs), tmp_path)
    assert code == 0, out
    ds = datasets.load_dataset(str(to))
    assert set(ds) == {"train", "validation"} and len(ds["validation"]) > 0
    m = json.loads((to / "manifest.json").read_text())
    assert len(ds["train"]) + len(ds["validation"]) == sum(s["rows"] for s in m["sources"])
    # Tokens recounted here with the student's template, row by row, per source.
    tpl = templates.load("embedded")
    got: dict[str, list[int]] = {}
    for row in _rows(to):
        msgs = [{k: v for k, v in x.items() if v is not None} for x in formats.chat_messages(row["messages"])]
        got.setdefault(row["mix_source"], []).append(tpl.tokens(tpl.render(msgs, [json.loads(t) for t in row["tools"]])))
    assert set(got) == {"math", "cot"}
    for s in m["sources"]:
        assert sum(got[s["name"]]) == s["tokens"]
        assert abs(s["tokens"] - s["tokens_asked"]) <= max(got[s["name"]]), s  # within one trajectory
        assert abs(s["share_got"] - s["share_asked"]) < 0.2
    # A task (its attempts, its branches) never straddles the splits.
    tasks = {split: {(r["run_id"], r["task_id"]) for r in _rows(to, split)} for split in ("train", "validation")}
    assert tasks["train"] and tasks["validation"] and not tasks["train"] & tasks["validation"]
    card = (to / "README.md").read_text()
    header = yaml.safe_load(card.split("---")[1])
    assert [f["split"] for f in header["configs"][0]["data_files"]] == ["train", "validation"]
    assert "| math | scripted | script |" in card and "| cot | scripted | script |" in card
    assert "answer, generation" in card and "sha256:" in card  # verifiers and the code that ran them
    assert yaml.safe_load((to / "mix.yaml").read_text())["seed"] == 3


def test_the_same_spec_gives_the_same_set_and_another_seed_another(mix_runs, tmp_path):
    spec = two_sources(mix_runs)
    files = []
    for name, args in (("a", ()), ("b", ()), ("c", ("--seed", "11"))):
        code, out, to = run_mix(spec, tmp_path, name, *args)
        assert code == 0, out
        files.append({f["path"]: f["sha256"] for f in json.loads((to / "manifest.json").read_text())["files"]})
    assert files[0] == files[1]
    assert files[0] != files[2]


def test_two_mixes_in_folders_of_one_name_load_as_themselves(mix_runs, tmp_path):
    ids = []
    for parent, seed in (("first", 1), ("second", 2)):
        (tmp_path / parent).mkdir()
        code, out, to = run_mix(two_sources(mix_runs, seed=seed, validation=0), tmp_path / parent, "sft")
        assert code == 0, out
        ids.append(({r["id"] for r in _rows(to)}, set(datasets.load_dataset(str(to))["train"]["id"])))
    assert ids[0][0] != ids[1][0]
    assert ids[0][1] == ids[0][0] and ids[1][1] == ids[1][0]  # not the first one's rows from the cache


def test_selectors_and_audit_labels_choose_the_rows(mix_runs, tmp_path):
    cot = mix_runs["agentic_cot"]
    ids = sorted(r["id"] for f in (cot / "accepted").glob("*.parquet") for r in pq.read_table(f).to_pylist())
    spec = {"tokenizer": "embedded", "validation": 0.0,
            "sources": [{"name": "cot", "path": str(cot), "weight": 1, "select": {"meta": {"variant": ["thinking"]}}}]}
    code, out, to = run_mix(spec, tmp_path, "variant")
    assert code == 0, out
    assert {json.loads(r["meta"])["variant"] for r in _rows(to)} == {"thinking"}
    # An auditor's reject keeps a row out; `labels: [accept]` takes only what an auditor accepted.
    log = cot / "audit.jsonl"
    before = log.read_text() if log.exists() else None
    try:
        audit.append(log, ids[0], "reject", "", "t")
        audit.append(log, ids[1], "accept", "", "t")
        audit.append(log, ids[2], "accept", "", "t")
        spec["sources"][0]["select"] = {}
        code, out, to = run_mix(spec, tmp_path, "all")
        assert code == 0, out
        assert ids[0] not in {r["id"] for r in _rows(to)} and len(_rows(to)) == len(ids) - 1
        spec["sources"][0]["select"] = {"labels": ["accept"]}
        code, out, to = run_mix(spec, tmp_path, "approved")
        assert code == 0, out
        assert sorted(r["id"] for r in _rows(to)) == ids[1:3]
    finally:
        log.unlink() if before is None else log.write_text(before)


def test_a_source_that_repeats_another_is_deduplicated_across_sources(mix_runs, tmp_path):
    again = export(mix_runs["agentic_cot"], tmp_path / "cot-export")
    spec = {"tokenizer": "embedded", "sources": [{"name": "cot", "path": str(mix_runs["agentic_cot"]), "weight": 1},
                                                 {"name": "copy", "path": str(again), "weight": 1}]}
    code, out, to = run_mix(spec, tmp_path, "dup")
    assert code == 2 and not to.exists(), out
    assert "source copy has no rows left" in out and "duplicates" in out and len(out.strip().splitlines()) == 1
    code, out, to = run_mix({**spec, "dedup": False}, tmp_path, "nodup")  # the export is read back as rows
    assert code == 0, out
    m = json.loads((to / "manifest.json").read_text())
    assert [s["rows"] for s in m["sources"]][0] == [s["rows"] for s in m["sources"]][1] > 0


def test_rows_that_overlap_a_benchmark_are_left_out(mix_runs, tmp_path):
    rows = [r for f in (mix_runs["agentic_cot"] / "accepted").glob("*.parquet") for r in pq.read_table(f).to_pylist()]
    question = next(m["content"] for m in rows[0]["messages"] if m["role"] == "user")
    bench = tmp_path / "bench.jsonl"
    bench.write_text(json.dumps({"question": question}) + "\n")
    spec = {"tokenizer": "embedded", "validation": 0, "decontaminate": [str(bench)],
            "sources": [{"name": "cot", "path": str(mix_runs["agentic_cot"]), "weight": 1}]}
    code, out, to = run_mix(spec, tmp_path)
    assert code == 0, out
    m = json.loads((to / "manifest.json").read_text())
    assert m["sources"][0]["counts"]["contaminated"] >= 1
    assert rows[0]["task_id"] not in {r["task_id"] for r in _rows(to)}


def test_a_shortfall_is_said_or_refused_and_a_cap_holds(mix_runs, tmp_path):
    spec = two_sources(mix_runs, total_tokens=10_000_000)
    code, out, to = run_mix(spec, tmp_path, "warn")
    assert code == 0 and "shortfall: math: asked 2,500,000 tokens" in out
    assert "asked 2,500,000 tokens" in (to / "README.md").read_text()
    code, out, to = run_mix({**spec, "shortfall": "fail"}, tmp_path, "fail")
    assert code == 2 and not to.exists() and "cannot fill the shares" in out
    # A cap with no budget shrinks the whole mix, so the shares still hold; with a budget it is a shortfall.
    capped = two_sources(mix_runs)
    capped["sources"][1]["max_tokens"] = 2000
    code, out, to = run_mix(capped, tmp_path, "cap")
    assert code == 0, out
    got = {s["name"]: s for s in json.loads((to / "manifest.json").read_text())["sources"]}
    assert 0 < got["cot"]["tokens"] <= 2000 and got["cot"]["shortfall"] is None
    code, out, to = run_mix({**capped, "total_tokens": 4000}, tmp_path, "cap-budget")
    got = {s["name"]: s for s in json.loads((to / "manifest.json").read_text())["sources"]}
    assert code == 0 and got["cot"]["tokens"] <= 2000 and "capped at max_tokens 2,000" in got["cot"]["shortfall"]
    assert "shortfall: cot:" in out


def test_impossible_mixes_stop_with_one_line_and_write_nothing(mix_runs, tmp_path):
    spec = two_sources(mix_runs)
    spec["sources"][0]["select"] = {"pipeline": ["no_such_pipeline"]}
    code, out, to = run_mix(spec, tmp_path, "none")
    assert code == 2 and not to.exists() and len(out.strip().splitlines()) == 1
    assert "source math has no rows left (read 1, selected 0" in out
    assert not list(tmp_path.glob(".none.partial-*"))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    code, out, _ = run_mix(two_sources(mix_runs), tmp_path, "full")
    assert code == 2 and "exists and is not an empty directory" in out


def test_a_spec_error_names_the_file_and_field(mix_runs, tmp_path):
    spec = two_sources(mix_runs, tokeniser="qwen3")
    code, out, _ = run_mix(spec, tmp_path, "typo")
    assert code == 2 and "typo.yaml" in out and "tokeniser" in out
    spec = two_sources(mix_runs)
    spec["sources"][1]["name"] = "math"
    code, out, _ = run_mix(spec, tmp_path, "twice")
    assert code == 2 and "'math' appears twice" in out
    spec = two_sources(mix_runs)
    spec["sources"][0]["path"] = str(tmp_path)
    code, out, _ = run_mix(spec, tmp_path, "nowhere")
    assert code == 2 and "sources[0] (math)" in out and "not a run or an export" in out


def test_the_text_form_counts_tokens_and_the_card_says_what_the_template_does(mix_runs, tmp_path):
    code, out, to = run_mix(two_sources(mix_runs, format="text", tokenizer="qwen3"), tmp_path)
    assert code == 0, out
    rows = _rows(to)
    m = json.loads((to / "manifest.json").read_text())
    assert sum(r["tokens"] for r in rows) == m["tokens"] and all("<|im_start|>" in r["text"] for r in rows)
    assert "inserts an empty `<think></think>` block into the last assistant turn" in (to / "README.md").read_text()
