"""goalpost.ray on a local Ray (2 CPUs, a bounded object store): the rows of the CLI, a run
directory the CLI reads, object-store URIs, and every reader's defaults."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

ray = pytest.importorskip("ray")
import ray.data  # noqa: E402

import goalpost  # noqa: E402
import goalpost.ray  # noqa: E402
from conftest import ROOT, rows, run_cli  # noqa: E402


@pytest.fixture(scope="module")
def ray_local():
    ray.init(
        num_cpus=2,
        object_store_memory=200 * 1024 * 1024,
        include_dashboard=False,
        logging_level=logging.WARNING,
        log_to_driver=False,
    )
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.issue_detectors_config.detectors = []
    yield
    ray.shutdown()


def collect(ds) -> pa.Table:
    return pa.concat_tables(ray.get(ds.to_arrow_refs()))


def test_a_dataset_of_the_rows_python_and_the_cli_give(ray_local, specs, corpus, cli_whole):
    ds = goalpost.ray.grade(corpus, specs, batch_size=4)
    table = collect(ds)
    parquet = pq.read_table(cli_whole / "results.parquet")
    assert table.schema.equals(parquet.schema)
    # Tasks finish in any order: the same rows, as a set with their multiplicity.
    assert rows(table, sort=True) == rows(parquet, sort=True)
    assert rows(table, sort=True) == rows(specs.grade(corpus), sort=True)
    broken = table.filter(pc.field("row") == "error").to_pylist()
    assert any(e["file"].endswith("broken.jsonl") and e["line"] == 2 for e in broken), broken
    # Ray's own readers of it, and of the table the Python API gives.
    assert ds.count() == table.num_rows
    assert len(ds.to_pandas()) == table.num_rows
    local = ray.data.from_arrow(specs.grade(corpus))
    assert local.count() == table.num_rows
    assert local.filter(lambda r: r["row"] == "error").count() == len(broken)


def test_grade_to_writes_a_run_report_compare_and_gate_read(ray_local, goalpost_bin, specs, corpus, cli_whole, tmp_path):
    out = goalpost.ray.grade_to(tmp_path / "ray-run", corpus, specs, batch_size=4)
    parts = sorted(p.name for p in out.glob("part-*.parquet"))
    assert len(parts) > 2 and parts[0] == "part-000000000000.parquet", parts
    assert rows(goalpost.read_results(out), sort=True) == rows(pq.read_table(cli_whole / "results.parquet"), sort=True)
    ours = json.loads((out / "manifest.json").read_text())
    theirs = json.loads((cli_whole / "manifest.json").read_text())
    assert ours["totals"] == theirs["totals"]
    assert ours.get("skipped") == theirs.get("skipped") and theirs.get("skipped"), "files skipped, with the reason"
    assert ours.get("unlisted_tools") == theirs.get("unlisted_tools") and theirs.get("unlisted_tools")
    assert [s["blake3"] for s in ours["scenarios"]] == [s["blake3"] for s in theirs["scenarios"]]
    # results.jsonl holds the very lines `goalpost run` writes (in another order).
    lines = lambda d: sorted((d / "results.jsonl").read_text().splitlines())  # noqa: E731
    assert lines(out) == lines(cli_whole)
    assert not list(out.glob("part-*.jsonl")), "the parts' lines are assembled, then removed"
    run_cli(goalpost_bin, ["report", str(out)], tmp_path)
    run_cli(goalpost_bin, ["report", str(cli_whole)], tmp_path)
    report = lambda d: json.loads((d / "report.json").read_text())  # noqa: E731
    for section in ("overall", "by_scenario", "by_agent", "by_criterion", "cost_per_solved"):
        assert report(out)[section] == report(cli_whole)[section], section
    key = lambda f: (f.get("file"), f.get("trajectory"), f.get("message"))  # noqa: E731
    assert sorted(map(key, report(out)["errors"])) == sorted(map(key, report(cli_whole)["errors"]))
    compared = run_cli(goalpost_bin, ["compare", str(cli_whole), str(out)], tmp_path)
    assert compared.returncode == 0, compared.stderr
    gate = lambda d: run_cli(  # noqa: E731
        goalpost_bin,
        ["gate", str(d), "--policy", str(ROOT / "gates.toml"), "--store", str(ROOT / "scenarios" / "regressions")],
        tmp_path,
    )
    ours_gate, theirs_gate = gate(out), gate(cli_whole)
    assert ours_gate.returncode == theirs_gate.returncode
    # The same rules hold, with the same figures (what each lists, in any order).
    rules = lambda d: [  # noqa: E731
        {**r, "details": sorted(r.get("details") or [])} for r in json.loads((d / "gate.json").read_text())["rules"]
    ]
    assert rules(out) == rules(cli_whole)
    with pytest.raises(FileExistsError):
        goalpost.ray.grade_to(out, corpus, specs)


def test_object_store_uris_are_read_as_bytes_on_the_workers(ray_local, specs, tmp_path):
    examples = ROOT / "examples" / "trajectories"
    missing = "file://" + str(tmp_path / "gone" / "x.jsonl")
    table = collect(goalpost.ray.grade(["file://" + str(examples), missing], specs, batch_size=2))
    files = set(table.column("file").to_pylist())
    expected = {"file://" + str(p) for p in examples.glob("*.jsonl")}
    assert expected <= files and missing in files, files
    error = table.filter(pc.field("row") == "error").to_pylist()
    assert [e["file"] for e in error] == [missing]
    by_path = specs.grade(str(examples))
    assert table.filter(pc.field("row") == "trajectory").num_rows == by_path.filter(pc.field("row") == "trajectory").num_rows


def test_ray_data_reads_results_parquet_and_a_run_in_parts(ray_local, specs, corpus, cli_whole, tmp_path):
    whole = ray.data.read_parquet(str(cli_whole / "results.parquet"))
    n = pq.read_metadata(cli_whole / "results.parquet").num_rows
    assert whole.count() == n
    assert collect(whole).schema.field("tags").type.value_type == pa.large_string()
    out = goalpost.ray.grade_to(tmp_path / "parts", corpus, specs, batch_size=8)
    parts = ray.data.read_parquet([str(p) for p in sorted(out.glob("part-*.parquet"))])
    assert parts.count() == n


def test_relative_paths_and_a_busy_cpu_neither_lose_rows_nor_hang(ray_local, specs, monkeypatch, tmp_path):
    """Workers do not share the driver's working directory, and an actor holding a CPU leaves
    too few for a task as wide as the node: neither may cost a row or hang."""

    @ray.remote(num_cpus=1)
    class Holder:
        def ping(self):
            return 1

    holder = Holder.remote()
    assert ray.get(holder.ping.remote()) == 1
    try:
        monkeypatch.chdir(ROOT)
        table = collect(goalpost.ray.grade(["examples/trajectories"], specs))
    finally:
        ray.kill(holder)
    assert table.filter(pc.field("row") == "error").num_rows == 0
    assert rows(table, sort=True) == rows(specs.grade(str(ROOT / "examples" / "trajectories")), sort=True)


def test_a_ray_run_promotes_like_a_cli_run(ray_local, goalpost_bin, tmp_path, monkeypatch):
    """`promote` reads a Ray run (results.jsonl, manifest) as it reads `goalpost run`'s: the
    same failures become the same regression entries."""
    project = tmp_path / "project"
    project.mkdir()
    run_cli(goalpost_bin, ["init"], project)
    inputs = [str(ROOT / "fixtures" / "swebench-run"), str(ROOT / "examples" / "trajectories")]
    monkeypatch.chdir(project)
    specs = goalpost.Specs.load()  # the project's
    goalpost.ray.grade_to(project / "reports" / "ray", inputs, specs)
    promoted = run_cli(goalpost_bin, ["promote", "reports/ray"], project)
    entries = sorted(p.name for p in (project / "goalpost" / "scenarios" / "regressions").iterdir() if p.name.startswith("reg-"))
    assert len(entries) >= 5, promoted.stderr + promoted.stdout
    run_cli(goalpost_bin, ["run", "-q", "--no-cache", "--trajectories", *inputs, "--out", "reports/cli"], project)
    again = run_cli(goalpost_bin, ["promote", "reports/cli"], project)
    assert f"0 new, {len(entries)} sighting(s)" in again.stdout + again.stderr, again.stdout + again.stderr
