"""The short variant of `make chaos`: each fault of the harness once or twice against a stand-in
OpenAI server (canned replies, so that the faults, not the teacher, take the time), inline
executor. Every fault must be survived: all tasks exactly once, one line, nothing left behind.
The full harness (embedded model, Ray executor, ≥ 10 driver kills) is `make chaos`."""

from __future__ import annotations

import sys

from chaos.__main__ import SHORT, run_faults, table
from chaos.harness import Scenario
from chaos.teachers import ProcessServer, free_port
from tests.fakes.servers import ROOT


def test_every_fault_of_the_short_plan_is_survived(tmp_path):
    port = free_port()
    server = ProcessServer([sys.executable, "-m", "tests.fakes.openai_server", str(port), "--delay", "0.05"], port,
                           cwd=ROOT, ready_s=30)
    server.start()
    try:
        # With a warm-up run first: a cold baseline is slower than the runs after it, and a kill moment
        # drawn from it can fall after a warm run has ended (the harness's own baseline() says so).
        res = run_faults(Scenario(base_url=server.base_url, tasks=16, executor="inline"), server, SHORT, 0, tmp_path,
                         warm_up=True)
    finally:
        server.kill()
    res["scenario"] = "short"
    failures = {name: [o["why"] for o in r["outcomes"] if not o["survived"]] for name, r in res["faults"].items()}
    assert all(not f for f in failures.values()), failures
    assert set(res["faults"]) == set(SHORT) and all(r["trials"] == SHORT[n] for n, r in res["faults"].items())
    assert table(res).row_count == len(SHORT)
