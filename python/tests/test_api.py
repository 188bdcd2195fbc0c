"""The Python API against the CLI: the same rows, the same columns and types, errors as rows."""

from __future__ import annotations

import json
import pickle
import shutil

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import goalpost
from conftest import ROOT, cli_run, rows, run_cli


def test_python_table_is_results_parquet_column_by_column(specs, corpus, cli_whole):
    """The one column builder: the table `grade` returns and the CLI's results.parquet have the
    same schema and, column by column and row by row, the same values (but the run's id and
    time)."""
    table = specs.grade(corpus)
    parquet = pq.read_table(cli_whole / "results.parquet")
    assert table.column_names == goalpost.COLUMNS
    assert table.schema.equals(parquet.schema), f"\n{table.schema}\n---\n{parquet.schema}"
    assert table.num_rows == parquet.num_rows
    for name in goalpost.COLUMNS:
        if name in ("run_id", "started_at"):
            continue
        assert table.column(name).to_pylist() == parquet.column(name).to_pylist(), name
    # The corpus is varied: several formats and outcomes, and the malformed and empty files.
    formats = set(pc.unique(table.column("source_format")).to_pylist()) - {None}
    assert len(formats) >= 8, formats
    statuses = set(pc.unique(table.filter(pc.field("row") == "trajectory").column("status")).to_pylist())
    assert {"pass", "fail"} <= statuses, statuses
    manifest = json.loads((cli_whole / "manifest.json").read_text())
    trajectories = table.filter(pc.field("row") != "criterion")
    assert trajectories.num_rows == manifest["totals"]["found"]


def test_a_malformed_or_empty_trajectory_is_an_error_row_not_an_exception(specs, corpus):
    table = specs.grade(corpus)
    errors = table.filter(pc.field("row") == "error").to_pylist()
    by_file = {e["file"].rsplit("/", 1)[-1]: e for e in errors}
    broken = by_file["broken.jsonl"]
    assert (broken["status"], broken["reason"], broken["line"]) == ("error", "input", 2)
    assert broken["message"]
    assert by_file["empty.jsonl"]["status"] == "error"
    # The rest of the file's directory was graded.
    graded = table.filter(pc.field("row") == "trajectory")
    assert graded.num_rows > 10


def test_the_table_loads_in_pandas_polars_and_duckdb_with_their_defaults(specs, corpus):
    table = specs.grade(corpus)
    df = table.to_pandas()
    assert len(df) == table.num_rows
    assert list(df[df["row"] == "trajectory"]["tags"].iloc[0]) == table.filter(
        pc.field("row") == "trajectory"
    ).column("tags")[0].as_py()
    pl = pytest.importorskip("polars")

    pf = pl.from_arrow(table)
    assert pf.height == table.num_rows
    assert pf.schema["files_touched"] == pl.List(pl.String)
    duckdb = pytest.importorskip("duckdb")

    results = table  # noqa: F841 (duckdb finds the Arrow table by its name)
    found = duckdb.sql("select count(*) from results where row <> 'criterion'").fetchall()[0][0]
    assert found == table.filter(pc.field("row") != "criterion").num_rows


def test_three_merged_shards_the_cli_and_python_give_identical_rows(goalpost_bin, specs, corpus, cli_whole, tmp_path):
    parts = [cli_run(goalpost_bin, corpus, tmp_path / f"part-{k}", "--shard", f"{k}/3") for k in range(3)]
    merged = tmp_path / "merged"
    run_cli(goalpost_bin, ["merge", *map(str, parts), "--out", str(merged)], tmp_path)
    whole = rows(pq.read_table(cli_whole / "results.parquet"))
    assert rows(pq.read_table(merged / "results.parquet")) == whole
    assert rows(goalpost.read_results(merged)) == whole
    assert rows(specs.grade(corpus)) == whole


def test_grading_bytes_names_each_file_as_given(specs):
    examples = sorted((ROOT / "examples" / "trajectories").glob("*.jsonl"))
    items = [(f"s3://bucket/runs/{p.name}", p.read_bytes()) for p in examples]
    items.append(("s3://bucket/runs/broken.jsonl", b'{"type":"header","format":"goalpost-trajectory/1.0"\n'))
    by_bytes = specs.grade_bytes(items)
    by_path = specs.grade([str(p) for p in examples])
    files = set(by_bytes.column("file").to_pylist())
    assert files == {name for name, _ in items}, files
    # Apart from the file names, the rows are those of grading the files themselves.
    rename = {str(p): f"s3://bucket/runs/{p.name}" for p in examples}
    expected = by_path.set_column(
        by_path.schema.get_field_index("file"),
        "file",
        pa.array([rename[f] for f in by_path.column("file").to_pylist()], pa.large_string()),
    )
    graded = by_bytes.filter(pc.field("row") != "error")
    assert rows(graded) == rows(expected)
    error = by_bytes.filter(pc.field("row") == "error").to_pylist()
    assert len(error) == 1 and error[0]["file"] == "s3://bucket/runs/broken.jsonl"
    assert "/tmp" not in error[0]["message"], error[0]["message"]


def test_spec_problems_raise_with_file_line_and_field(tmp_path):
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "vague.toml").write_text('id = "vague"\nobjective = "make it better"\nbogus_field = 3\n')
    with pytest.raises(goalpost.SpecError) as e:
        goalpost.Specs.load(scenarios=scenarios, rubrics=ROOT / "rubrics")
    assert any("vague.toml" in p for p in e.value.problems), e.value.problems
    assert "vague.toml" in str(e.value)
    with pytest.raises(OSError):
        goalpost.Specs.load(scenarios=tmp_path / "missing")


def test_options_are_checked_before_grading(specs, corpus):
    with pytest.raises(ValueError, match="not loaded"):
        specs.grade(corpus, scenario="no-such-scenario")
    with pytest.raises(ValueError, match="at least 1"):
        specs.grade(corpus, jobs=0)
    one = specs.grade(corpus, jobs=1)
    assert rows(one) == rows(specs.grade(corpus))


def test_team_and_scenario_are_applied_as_the_cli_applies_them(goalpost_bin, specs, corpus, tmp_path):
    scenario = specs.scenarios[0]
    cli = cli_run(goalpost_bin, corpus[:1], tmp_path / "teamed", "--team", "core", "--scenario", scenario)
    table = specs.grade(corpus[:1], team="core", scenario=scenario)
    assert rows(table) == rows(pq.read_table(cli / "results.parquet"))
    assert set(table.filter(pc.field("row") == "trajectory").column("scenario").to_pylist()) == {scenario}


def test_specs_travel_by_pickle_and_refuse_changed_files(tmp_path, corpus):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    shutil.copytree(ROOT / "rubrics", tmp_path / "rubrics")
    specs = goalpost.Specs.load(scenarios=tmp_path / "scenarios", rubrics=tmp_path / "rubrics")
    again = pickle.loads(pickle.dumps(specs))
    assert again.scenarios == specs.scenarios
    assert rows(again.grade(corpus[:1])) == rows(specs.grade(corpus[:1]))
    frozen = pickle.dumps(specs)
    rubric = tmp_path / "rubrics" / "trajectory-review.toml"
    rubric.write_text(rubric.read_text() + "\n# edited\n")
    # A worker that loaded these specs before keeps what the driver loaded; a new one (no
    # specs loaded yet) finds the files changed and refuses.
    assert pickle.loads(frozen).scenarios == specs.scenarios
    goalpost._LOADED.clear()
    with pytest.raises(goalpost.SpecError, match="differ"):
        pickle.loads(frozen)


def test_read_results_reads_a_run_and_refuses_an_unfinished_one(cli_whole, tmp_path):
    table = goalpost.read_results(cli_whole)
    assert table.equals(pq.read_table(cli_whole / "results.parquet"))
    assert goalpost.read_results(cli_whole, columns=["row", "status"]).column_names == ["row", "status"]
    unfinished = tmp_path / "unfinished"
    shutil.copytree(cli_whole, unfinished)
    (unfinished / "manifest.json").unlink()
    with pytest.raises(ValueError, match="did not finish"):
        goalpost.read_results(unfinished)
    (unfinished / "manifest.json").write_text("{trunc")
    with pytest.raises(ValueError, match="did not finish"):
        goalpost.read_results(unfinished)


def test_grade_batch_is_what_any_engine_calls_on_a_worker(specs, corpus, tmp_path):
    """The batch function (Ray's tasks, Spark's mapInArrow): paths and URIs in a text column
    `input`, the rows of grading them out, with the schema of results.parquet."""
    examples = ROOT / "examples" / "trajectories"
    uri = "file://" + str(next(iter(sorted(examples.glob("*.jsonl")))))
    batch = pa.record_batch({"input": [corpus[0], uri, "file:///nonexistent/gone.jsonl"]})
    table = goalpost.grade_batch(batch, specs, run_id="r", started_at="2026-12-04T00:00:00Z")
    assert table.schema.equals(goalpost.schema())
    files = set(table.column("file").to_pylist())
    assert uri in files and "file:///nonexistent/gone.jsonl" in files
    whole = specs.grade(corpus[0])
    from_path = table.filter(pc.starts_with(pc.field("file"), corpus[0]))
    assert rows(from_path) == rows(whole)
    assert set(table.column("run_id").to_pylist()) == {"r"}


def test_grading_releases_the_gil(specs, tmp_path):
    """While a thread grades, Python code in another thread keeps running."""
    import threading

    corpus = tmp_path / "many"
    corpus.mkdir()
    for i in range(60):
        for p in (ROOT / "examples" / "trajectories").glob("*.jsonl"):
            (corpus / f"{i:03d}-{p.name}").write_bytes(p.read_bytes())
    done = threading.Event()
    ticks_while_grading = 0

    def grade():
        specs.grade(corpus, jobs=1)
        done.set()

    t = threading.Thread(target=grade)
    t.start()
    while not done.is_set():
        ticks_while_grading += 1
    t.join()
    # Held, the GIL would let this loop run only between Python-level steps of the other
    # thread (a handful of times); released, it spins for the whole grading.
    assert ticks_while_grading > 10_000, ticks_while_grading


def test_load_without_arguments_takes_the_project_as_the_cli_does(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT / "examples")  # below this repository's goalpost.toml
    project = goalpost.Specs.load()
    assert project.scenarios == goalpost.Specs.load(scenarios=ROOT / "scenarios", rubrics=ROOT / "rubrics").scenarios
    assert project.scenarios
    assert goalpost.Specs.load(project=False).scenarios == []
    monkeypatch.chdir(tmp_path)  # in no project: the built-in rubric, no scenario
    assert goalpost.Specs.load().scenarios == []
    assert goalpost.Specs.load().rubrics == ["trajectory-review"]


def as_uri(table: pa.Table) -> pa.Table:
    """`table` with every file named by its `file://` URI."""
    i = table.schema.get_field_index("file")
    return table.set_column(i, "file", pa.array(["file://" + f for f in table.column("file").to_pylist()], pa.large_string()))


@pytest.fixture
def store(monkeypatch):
    """`s3://fixtures/...` served from this repository through a filesystem that is not the
    local one, so that objects are copied as from any store (file:// URIs are read in place)."""
    import pyarrow.fs as pafs

    real = goalpost._filesystem

    def filesystem(uri):
        if uri.startswith("s3://fixtures/"):
            return pafs.SubTreeFileSystem(str(ROOT), pafs.LocalFileSystem()), uri[len("s3://fixtures/") :].split("?")[0]
        return real(uri)

    monkeypatch.setattr(goalpost, "_filesystem", filesystem)
    return "s3://fixtures/"


def test_uris_grade_as_the_same_files_on_disk(specs, store):
    """A prefix is copied with its layout (SWE-bench reports stay beside their trajectories,
    companions are skipped as on disk): the rows of grading the directories themselves. A
    `file://` URI is read in place."""
    dirs = ["fixtures/swebench-run", "fixtures/formats"]
    by_path = specs.grade([str(ROOT / d) for d in dirs])
    renamed = by_path.set_column(
        by_path.schema.get_field_index("file"),
        "file",
        pa.array([f.replace(str(ROOT) + "/", store) for f in by_path.column("file").to_pylist()], pa.large_string()),
    )
    copied = specs.grade([store + d for d in dirs] + [store + dirs[0] + "/", store + dirs[0] + "/logs"])  # once each
    assert rows(copied, sort=True) == rows(renamed, sort=True)
    in_place = specs.grade(["file://" + str(ROOT / d) for d in dirs])
    assert rows(in_place, sort=True) == rows(as_uri(by_path), sort=True)
    outcomes = pc.value_counts(copied.filter(pc.field("row") == "trajectory").column("status")).to_pylist()
    assert {o["values"] for o in outcomes} >= {"pass", "fail"}, outcomes


def test_a_copy_finds_no_companion_planted_in_the_shared_temporary_directory(specs, store, tmp_path, monkeypatch):
    """Terminal-Bench reads run_metadata.json three directories above a trial's results.json:
    above a copy there is only goalpost's private directory, never what another user left in
    the temporary directory."""
    import tempfile

    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    planted = json.loads((ROOT / "fixtures/formats/terminal-bench/2026-01-23__00-36-34/run_metadata.json").read_text())
    planted["agent_name"] = "PLANTED-AGENT"
    for d in [shared, *(shared / ("x" * i) for i in range(1, 4))]:
        d.mkdir(exist_ok=True)
        (d / "run_metadata.json").write_text(json.dumps(planted))
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    trial = "fixtures/formats/terminal-bench/2026-01-23__00-36-34/hf-model-inference/hf-model-inference.1-of-1.2026-01-23__00-36-34/results.json"
    agents = set()
    agents |= set(specs.grade_bytes([("s3://b/run/t/trial/results.json", (ROOT / trial).read_bytes())]).column("agent").to_pylist())
    agents |= set(specs.grade([store + trial]).column("agent").to_pylist())
    assert "PLANTED-AGENT" not in agents, agents

def test_object_names_do_not_become_ids_paths_or_credentials(specs, tmp_path):
    traj = ROOT / "fixtures" / "formats" / "swe-agent" / "v0" / "pydicom__pydicom-1458.traj"
    named = specs.grade_bytes([("s3://bucket/runs/pydicom__pydicom-1458.traj", traj.read_bytes())])
    direct = specs.grade(str(traj))
    # SWE-agent takes the trajectory's id from the file name: the original one.
    assert named.column("trajectory").to_pylist() == direct.column("trajectory").to_pylist()
    hostile = specs.grade_bytes([("s3://b/../../etc/passwd?secret_key=x", traj.read_bytes())])
    # Named as given (a label, never opened), without the query that may carry credentials.
    assert set(hostile.column("file").to_pylist()) == {"s3://b/../../etc/passwd"}
    assert goalpost._shown("s3://key:secret@bucket/a/b.jsonl?secret_key=x&region=y") == "s3://bucket/a/b.jsonl"
    assert goalpost._shown("s3://AK:SEC/RET@bucket/k.json") == "s3://bucket/k.json"
    assert goalpost._shown("s3://bucket/runs/user@host #1.json") == "s3://bucket/runs/user@host #1.json"
    assert "TOKEN123" not in goalpost._scrub("Cannot parse URI: 'gs://b/a?access_token=TOKEN123'", "gs://b/a?access_token=TOKEN123")
    assert goalpost._safe_name("s3://b/../..") == "input" and "/" not in goalpost._safe_name("a/..%2f..%2fx")
    assert goalpost._safe_name("s3://b/django: issue 1 (retry).traj") == "django: issue 1 (retry).traj"
    assert goalpost._safe_name("s3://b/.hidden") == "hidden"
    missing = specs.grade(["file://" + str(tmp_path / "nowhere" / "x.jsonl")])
    assert missing.column("row").to_pylist() == ["error"]


def test_grade_batch_makes_an_error_row_of_an_empty_input_and_reads_any_kind_as_a_path(specs):
    examples = str(ROOT / "examples" / "trajectories")
    batch = pa.record_batch({"input": [examples, None, ""], "kind": ["file", "path", None]})
    table = goalpost.grade_batch(batch, specs, run_id="r", started_at="t")
    errors = table.filter(pc.field("row") == "error").to_pylist()
    assert len(errors) == 2 and all("not a path or URI" in e["message"] for e in errors)
    assert rows(table.filter(pc.field("row") != "error")) == rows(specs.grade(examples, run_id="r", started_at="t"))


def test_a_ledger_that_is_not_there_is_an_error_not_no_decisions(specs, corpus, tmp_path):
    with pytest.raises(OSError, match="not a file"):
        specs.grade(corpus, ledger=tmp_path / "reviews" / "ledger.jsonl")


def test_a_worker_refuses_specs_whose_catalog_changed_wherever_it_lives(tmp_path, corpus):
    shutil.copytree(ROOT / "rubrics", tmp_path / "rubrics")
    (tmp_path / "shared").mkdir()
    shutil.move(tmp_path / "rubrics" / "catalogs" / "tools.toml", tmp_path / "shared" / "tools.toml")
    rubric = tmp_path / "rubrics" / "trajectory-review.toml"
    rubric.write_text(rubric.read_text().replace('catalog = "catalogs/tools.toml"', 'catalog = "../shared/tools.toml"'))
    specs = goalpost.Specs.load(scenarios=ROOT / "scenarios", rubrics=tmp_path / "rubrics")
    frozen = pickle.dumps(specs)
    catalog = tmp_path / "shared" / "tools.toml"
    catalog.write_text(catalog.read_text().replace('status = "approved"', 'status = "denied"', 1))
    goalpost._LOADED.clear()
    with pytest.raises(goalpost.SpecError, match="differ"):
        pickle.loads(frozen)


def test_a_store_that_fails_is_a_fetch_error_not_the_trajectorys(specs, tmp_path, monkeypatch):
    """Pain point of the peers: infrastructure failures blamed on the input. A URI that names
    nothing is the input's fault (`input`, as a missing path is); a store that fails after its
    retries is `fetch`."""
    missing = "file://" + str(tmp_path / "nowhere.jsonl")

    def unreachable(uri, into):
        if uri.startswith("s3://"):
            raise ConnectionError("the store hung up " + "x" * 5000)
        return real(uri, into)

    real = goalpost._fetch
    monkeypatch.setattr(goalpost, "_fetch", unreachable)
    table = specs.grade([missing, "s3://evals/tonight/run-1/"])
    by_file = {r["file"]: r for r in table.to_pylist()}
    assert (by_file[missing]["reason"], by_file[missing]["message"]) == ("input", "no such object or prefix")
    down = by_file["s3://evals/tonight/run-1/"]
    assert down["status"] == "error" and down["reason"] == "fetch"
    assert down["message"].startswith("could not read the object: ConnectionError: the store hung up")
    assert len(down["message"]) < 1100
