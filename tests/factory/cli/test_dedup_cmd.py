"""`factory dedup`: one line per input row, in order, pointing at the earlier row or committed id."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from factory.cli.app import app, main

LONG = " ".join(f"word{i}" for i in range(80))


def rec(user: str, answer: str) -> dict:
    return {"messages": [{"role": "system", "content": "shared scaffolding " * 50},
                         {"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def test_dedup_file_against_itself_a_run_and_a_benchmark(tmp_path, run_dir):
    committed = pq.read_table(next((run_dir / "accepted").glob("*.parquet"))).to_pylist()[0]
    rows = [rec("Question one about trains", LONG), rec("A different question about boats", "short reply here"),
            rec("question ONE about   trains", LONG),                       # exact after normalising
            rec("Question one about trains", LONG.replace("word40", "other")),  # near
            {"messages": [{k: v for k, v in m.items() if v is not None} for m in committed["messages"]]},
            {"not": "a record"}]
    f = tmp_path / "in.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in rows))
    bench = tmp_path / "bench.jsonl"
    bench.write_text(json.dumps({"question": "a different question about boats"}) + "\n")
    out = tmp_path / "out.jsonl"
    r = CliRunner().invoke(app, ["dedup", str(f), "--against", str(run_dir), "--decontaminate", str(bench),
                                 "--out", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["index"] for x in lines] == list(range(6))
    assert [x["duplicate_of"] for x in lines[:5]] == [None, None, 0, 0, committed["id"]]
    assert [x["contaminated"] for x in lines[:4]] == [None, str(bench), None, None]
    assert "not a trajectory record" in lines[5]["error"]


def test_unreadable_input_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    monkeypatch.setattr("sys.argv", ["factory", "dedup", str(bad)])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "bad.jsonl line 1" in err and "\n" not in err
