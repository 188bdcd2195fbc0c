"""goalpost.ray on a two-node Ray cluster (ray.cluster_utils.Cluster, one CPU each): tasks
spread over both nodes, and the run is the one `goalpost run` makes."""

from __future__ import annotations

import json
import logging

import pyarrow.parquet as pq
import pytest

ray = pytest.importorskip("ray")
import ray.data  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

import goalpost  # noqa: E402
import goalpost.ray  # noqa: E402
from conftest import rows  # noqa: E402


@pytest.fixture(scope="module")
def two_nodes():
    store = 100 * 1024 * 1024
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "object_store_memory": store, "include_dashboard": False},
    )
    cluster.add_node(num_cpus=1, object_store_memory=store)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level=logging.WARNING, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


def test_two_nodes_grade_the_run_goalpost_run_makes(two_nodes, specs, corpus, cli_whole, tmp_path):
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    out = goalpost.ray.grade_to(tmp_path / "cluster-run", corpus, specs, batch_size=2)
    assert rows(goalpost.read_results(out), sort=True) == rows(pq.read_table(cli_whole / "results.parquet"), sort=True)
    assert json.loads((out / "manifest.json").read_text())["totals"] == json.loads(
        (cli_whole / "manifest.json").read_text()
    )["totals"]
    # Each task ran where Ray put it, on one CPU: both nodes took part.
    nodes = goalpost.ray.grade(corpus, specs, batch_size=2).map_batches(
        _node, batch_format="pyarrow", num_cpus=1
    )
    assert len(set(nodes.unique("node"))) == 2


def _node(batch):
    import pyarrow as pa

    return pa.table({"node": [ray.get_runtime_context().get_node_id()] * batch.num_rows})
