import json
import shutil
import subprocess
import sys

from factory.manifest import load_manifest
from tests.fakes.servers import ROOT


def factory(*args):
    return subprocess.run([sys.executable, "-m", "factory.cli.app", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_glance_and_json(run_dir):
    p = factory("inspect", str(run_dir), "--json")
    s = json.loads(p.stdout)
    assert p.returncode == 0 and s["tasks"] == 16 and s["accepted"] + s["rejected"] == s["rows"]
    assert sum(s["by_outcome"].values()) == s["rows"] and s["by_outcome"]["success/accepted"] == s["accepted"]
    p = factory("inspect", str(run_dir))
    assert "accepted" in p.stdout and "verifiers" in p.stdout and "audit: 0 accepted" in p.stdout
    assert "by outcome" in p.stdout and "duplicates removed: 0" in p.stdout


def test_show_renders_phases_and_verdicts(run_dir):
    p = factory("inspect", str(run_dir), "--show", "2", "--side", "accepted", "--meta", "variant=thinking")
    assert p.returncode == 0, p.stderr
    assert "ANALYSIS" in p.stdout and "SUMMARY" in p.stdout and "verdicts" in p.stdout
    p = factory("inspect", str(run_dir), "--show", "3", "--sample", "random", "--seed", "4", "--json")
    rows = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(rows) == 3 and isinstance(rows[0]["meta"], dict)


def test_diff_of_two_rows(run_dir):
    p = factory("inspect", str(run_dir), "--show", "2", "--json", "--meta", "variant=thinking")
    a, b = (json.loads(line)["id"] for line in p.stdout.splitlines())
    p = factory("inspect", str(run_dir), "--id", a, "--diff", b, "--json")
    d = json.loads(p.stdout)
    assert d["a"] == a and any(line.startswith("+") for line in d["diff"])


def test_bad_input_and_corrupt_shard(run_dir, tmp_path):
    p = factory("inspect", str(tmp_path))
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "not a run directory" in p.stderr
    p = factory("inspect", str(run_dir), "--where", "1 +")
    assert p.returncode == 2 and p.stderr.startswith("error: --where:")
    p = factory("inspect", str(run_dir), "--meta", "bogus=1")
    assert p.returncode == 2 and "unknown key 'bogus'" in p.stderr
    m = load_manifest(run_dir)
    victim = run_dir / m.shards("accepted")[0].path
    victim.write_bytes(b"PAR1 torn")
    p = factory("inspect", str(run_dir), "--show", "50", "--json")
    assert p.returncode == 0 and f"skipping damaged shard {victim}" in p.stderr
    assert p.stdout.strip()  # the other shards are still served


def test_export_loads_with_datasets(run_dir, tmp_path):
    import datasets

    from factory.inspect import audit

    s = json.loads(factory("inspect", str(run_dir), "--json").stdout)
    ids = [json.loads(x)["id"] for x in factory("inspect", str(run_dir), "--show", "3", "--side", "accepted",
                                                 "--json").stdout.splitlines()]
    audit.append(run_dir / "audit.jsonl", ids[0], "reject", "bad", "t")
    audit.append(run_dir / "audit.jsonl", ids[1], "accept", "", "t")
    p = factory("export", str(run_dir), "--to", str(tmp_path / "out"), "--rows-per-shard", "3")
    assert p.returncode == 0, p.stderr
    ds = datasets.load_dataset("parquet", data_files=str(tmp_path / "out" / "data" / "*.parquet"), split="train")
    assert ds.num_rows == s["accepted"] - 1 and ids[0] not in ds["id"]
    assert len(list((tmp_path / "out" / "data").glob("*.parquet"))) == -(-ds.num_rows // 3)
    card = (tmp_path / "out" / "README.md").read_text()
    assert "1 reject" in card and "pipeline: agentic_cot" in card
    p = factory("export", str(run_dir), "--to", str(tmp_path / "approved"), "--approved-only")
    assert json.loads((tmp_path / "approved" / "manifest.json").read_text())["rows"] == 1
    p = factory("export", str(run_dir), "--to", str(tmp_path / "out"))
    assert p.returncode == 2 and "not empty" in p.stderr


def test_report_renders_in_chromium(run_dir, tmp_path):
    out = tmp_path / "report.html"
    p = factory("report", str(run_dir), "--out", str(out))
    assert p.returncode == 0 and out.stat().st_size > 10_000
    browser = shutil.which("chromium")
    assert browser, "Debian's chromium is needed for this test (.ci/run installs it)"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([browser, *flags, "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.stdout.count("<img") == 5 and "Reasons for rejection" in dom.stdout
    shot = tmp_path / "shot.png"
    subprocess.run([browser, *flags, "--window-size=1000,2400", f"--screenshot={shot}", out.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 50_000  # a page of plots, not a blank one


def test_export_of_nothing_stops_with_one_line_and_writes_nothing(make_cfg, tmp_path):
    from factory.runner import driver
    from tests.fakes.scripted import ScriptedTeacher

    out = driver.run(make_cfg(name="none", limit=2), teacher=ScriptedTeacher(lambda r: "It is grey."))
    assert out.stats["accepted"] == 0
    p = factory("export", str(out.run_dir), "--to", str(tmp_path / "empty"))
    assert p.returncode == 2 and p.stderr.count("\n") == 1, p.stderr
    assert "no accepted rows" in p.stderr and not (tmp_path / "empty").exists()
    some = driver.run(make_cfg(name="some", limit=3), teacher=ScriptedTeacher(lambda r: "It is red, green or blue."))
    assert some.stats["accepted"]
    p = factory("export", str(some.run_dir), "--to", str(tmp_path / "approved"), "--approved-only")
    assert p.returncode == 2 and "--approved-only" in p.stderr and not (tmp_path / "approved").exists()


def test_a_report_of_no_accepted_rows_says_so_and_shows_disagreements(make_cfg, tmp_path):
    from factory.inspect import audit
    from factory.inspect.reader import open_run
    from factory.inspect.report import build_report
    from factory.runner import driver
    from tests.fakes.scripted import ScriptedTeacher

    out = driver.run(make_cfg(name="none", limit=2), teacher=ScriptedTeacher(lambda r: "It is grey."))
    r = open_run(out.run_dir)
    rejected = r.con().execute("SELECT id FROM rows ORDER BY id LIMIT 1").fetchone()[0]
    audit.append(r.audit_path, rejected, "accept", "looks right to me", "carol")
    page = build_report(r)
    assert "no accepted rows: every row was rejected" in page
    assert page.count("<img") == 4  # the pass-rate-by-key chart has no frame: no row carries the keys
    assert "1 labelled accept but rejected by the verifiers (no export includes them)" in page
    p = factory("inspect", str(out.run_dir))
    assert "disagreement: 1 row(s) labelled accept but rejected by the verifiers" in p.stdout


def test_the_pager_is_told_to_show_colours(run_dir, tmp_path):
    seen = tmp_path / "seen"
    pager = tmp_path / "pager.sh"
    pager.write_text(f'#!/bin/sh\necho "LESS=$LESS" > {seen}\ncat >> {seen}\n')
    pager.chmod(0o755)
    p = subprocess.run([sys.executable, "-m", "factory.cli.app", "inspect", str(run_dir), "--show", "1", "--pager"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env={**__import__("os").environ, "PAGER": str(pager), "LESS": "-X", "TERM": "xterm-256color"})
    assert p.returncode == 0, p.stderr
    text = seen.read_text()
    assert text.startswith("LESS=-X -R") and "assistant" in text
