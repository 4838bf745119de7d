"""A worker node lost mid-run on a real multi-node Ray cluster (ray.cluster_utils.Cluster: a head and
worker nodes, each its own raylet on this machine): the run replaces the lost worker, sends its
chunks again, and completes with every task committed exactly once. The run is a separate process
(as on a cluster, where the driver is not the node manager); this one plays the cluster's operator."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from factory.manifest import load_manifest
from tests.factory.runner.test_driver import all_rows
from tests.fakes.servers import ROOT

N_TASKS = 24
DRIVER = """
import json, sys
from factory.config import RunConfig
from factory.runner import driver
from tests.factory.pipeline.toy import toy_reply
from tests.fakes.scripted import SlowTeacher
out = driver.run(RunConfig.model_validate(json.loads(sys.argv[1])), teacher=SlowTeacher(toy_reply))
print(json.dumps({"tasks": out.stats["tasks"], "new": out.new_tasks}))
"""


@pytest.fixture
def cluster(monkeypatch):
    from ray.cluster_utils import Cluster

    tmp = tempfile.mkdtemp(prefix="tfc-")  # short: Ray's socket paths must fit in 107 bytes
    for k, v in (("RAY_TMPDIR", tmp), ("RAY_AUTH_MODE", "disabled"), ("RAY_USAGE_STATS_ENABLED", "0")):
        monkeypatch.setenv(k, v)
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    # one chunk worker (and, with the partitioned index, one dedup band group) per node
    c.pool = [c.add_node(num_cpus=1, resources={"pool": 1, "dedup": 1}) for _ in range(2)]
    yield c
    c.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize("index", ["memory", "partitioned"])
def test_losing_a_worker_node_mid_run_completes_every_task_once(make_cfg, cluster, index):
    dedup = {"index": index, "partitions": 2, "partition_resources": {"dedup": 1}}
    cfg = make_cfg(limit=N_TASKS, runner={"executor": "ray", "address": cluster.address, "ship_code": False,
                                          "workers": 2, "worker_resources": {"pool": 1}, "chunk_size": 2,
                                          "chunks_in_flight": 2},
                   shards={"rows_per_shard": 2, "flush_seconds": 0.2}, dedup=dedup)
    run = subprocess.Popen([sys.executable, "-c", DRIVER, cfg.model_dump_json()], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not ((cfg.run_dir / "manifest.json").exists() and load_manifest(cfg.run_dir).commits):
            assert run.poll() is None and time.monotonic() < deadline, run.stderr.read()[-2000:]
            time.sleep(0.05)
        cluster.remove_node(cluster.pool[0], allow_graceful=False)
        cluster.add_node(num_cpus=1, resources={"pool": 1, "dedup": 1})  # what an autoscaler brings back
        stdout, stderr = run.communicate(timeout=180)
    finally:
        run.kill()
    assert run.returncode == 0, stderr[-2000:]
    assert json.loads(stdout.strip().splitlines()[-1]) == {"tasks": N_TASKS, "new": N_TASKS}
    m = load_manifest(cfg.run_dir)
    task_ids = [t for c in m.commits for t in c.task_ids]
    assert len(task_ids) == len(set(task_ids)) == N_TASKS
    rows = all_rows(cfg.run_dir, "accepted") + all_rows(cfg.run_dir, "rejected")
    assert len({r["id"] for r in rows}) == len(rows) and {r["task_id"] for r in rows} == set(task_ids)
    log = (cfg.run_dir / "run.log").read_text()
    assert "a chunk worker was lost" in log and "sent again" in log
    if index == "partitioned":  # its band group on the lost node was rebuilt from the driver's signatures
        assert "dedup index partition" in log and "rebuilding it from the driver's" in log
