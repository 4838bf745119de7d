"""`factory tools list|graph|setup` from the command line, and bad sources as one line."""

import json
import subprocess
import sys


def _factory(*args):
    return subprocess.run([sys.executable, "-m", "factory.cli.app", *args], capture_output=True, text=True)


def test_graph_file_and_picture(tmp_path):
    out = _factory("tools", "graph", "--mcp", "time", "--out", str(tmp_path / "g.json"), "--picture",
                   str(tmp_path / "g.png"), "--check")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    data = json.loads((tmp_path / "g.json").read_text())
    check = summary.pop("check")  # how many edges ran, and why the others did not: never a bare count
    assert check["checked:ok"] == summary["checked"] and sum(check.values()) == summary["edges_by_kind"]["field"]
    assert summary == data["summary"] and summary["nodes"] == 15 and summary["nodes_by_source"] == {"python": 13,
                                                                                                    "mcp": 2}
    edges = {(e["source"], e["target"]): e for e in data["edges"]}
    assert edges[("city_info", "get_current_time")]["checked"] is True
    assert summary["checked"] >= 5 and summary["failed_check"] == 0
    assert (tmp_path / "g.png").stat().st_size > 10_000


def test_list_and_bad_sources_are_one_line(tmp_path):
    out = _factory("tools", "list", "--mcp", "time")
    assert out.returncode == 0 and "convert_time" in out.stdout and "deterministic" in out.stdout
    bad = _factory("tools", "list", "--python", "no.such.module")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "cannot import no.such.module" in bad.stderr
    cfg = tmp_path / "c.yaml"
    cfg.write_text("pipeline: tool_use\npipeline_options:\n  sources:\n    mcp: [nonesuch]\n")
    bad = _factory("tools", "list", "--config", str(cfg))
    assert bad.returncode == 2 and "unknown MCP server 'nonesuch'" in bad.stderr and bad.stderr.count("\n") == 1
    cfg.write_text("pipeline: tool_use\npipeline_options:\n  sources:\n    pyhton: []\n")
    bad = _factory("tools", "list", "--config", str(cfg))
    assert bad.returncode == 2 and "pyhton" in bad.stderr and bad.stderr.count("\n") == 1
