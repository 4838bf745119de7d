"""What a user does: `factory run` with the defaults (embedded model, Ray, vLLM in an actor), then
load the shards in a training job's tools."""

import json
import subprocess
import sys

import pytest

from tests.fakes.servers import ROOT

pytestmark = pytest.mark.engine


def test_default_run_loads_in_datasets_duckdb_polars(tmp_path):
    out_dir = tmp_path / "runs"
    cmd = [sys.executable, "-m", "factory.cli.app", "run", "--pipeline", "agentic_cot", "--limit", "6",
           "--output-dir", str(out_dir)]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=500)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "accepted" in p.stdout and "tokens in / out" in p.stdout
    run = out_dir / "agentic_cot"
    manifest = json.loads((run / "manifest.json").read_text())
    assert sum(len(c["task_ids"]) for c in manifest["commits"]) == 6
    assert (run / "config.yaml").exists() and (run / "stats.json").exists()

    import datasets
    import duckdb
    import polars as pl

    both = str(run / "*" / "*.parquet")
    ds = datasets.load_dataset("parquet", data_files=both, split="train")
    assert ds.num_rows >= 6 and {"messages", "verdicts", "meta"} <= set(ds.column_names)
    assert [m["role"] for m in ds[0]["messages"]][:2] == ["system", "user"]  # the /think or /no_think flag
    log = [json.loads(line) for line in (run / "run.log").read_text().splitlines()]
    assert any(r["component"] == "factory.runner.driver" and "done" in r["message"] for r in log)
    n = duckdb.sql(f"select count(distinct task_id) from read_parquet('{both}')").fetchall()[0][0]
    assert n == 6
    assert pl.read_parquet(both).height == ds.num_rows

    again = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert again.returncode == 0 and "nothing left to do" in again.stdout
