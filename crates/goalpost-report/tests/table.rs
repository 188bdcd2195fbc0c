//! `results.parquet` on the bundled examples: the rows, the types, errors kept in the
//! denominator, and a history of runs read back as one dataset.

use std::path::{Path, PathBuf};

use goalpost_grade::{ErrorKind, NoReporter, Outcome, RunOptions, RunResults, Status};
use goalpost_report::dataset::{self, RowStatus};
use goalpost_report::table::{self, COLUMNS, RunMeta};
use goalpost_trajectory::discover;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The examples graded, plus one file that is not a trajectory (an error row).
fn graded(dir: &Path) -> RunResults {
    let root = root();
    let (specs, _) = goalpost_spec::load(&root.join("scenarios"), &root.join("rubrics"));
    let bad = dir.join("broken.jsonl");
    fs_err::write(
        &bad,
        "{\"type\":\"header\",\"format\":\"goalpost-trajectory/1.1\",\"id\":\"x\",\"agent\":\"a\"}\n{not json\n",
    )
    .unwrap();
    let (inputs, errors) = discover(&[root.join("examples/trajectories"), bad]);
    goalpost_grade::run(&inputs, errors, &specs, RunOptions::default(), &NoReporter)
}

fn write_run(history: &Path, run_id: &str, started_at: &str) -> PathBuf {
    let dir = history.join(run_id);
    fs_err::create_dir_all(&dir).unwrap();
    let results = graded(&dir);
    table::write_parquet(&dir.join("results.parquet"), RunMeta { run_id, started_at }, &results).unwrap();
    goalpost_grade::manifest::Manifest::new(run_id, started_at, results.totals()).write(&dir).unwrap();
    dir
}

#[test]
fn a_run_without_a_whole_manifest_is_refused_not_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let run = write_run(tmp.path(), "20261125T010000Z-kill", "2026-11-25T01:00:00Z");
    let manifest = fs_err::read_to_string(run.join("manifest.json")).unwrap();
    // Killed while the manifest was written (before atomic writes), and killed before it.
    fs_err::write(run.join("manifest.json"), &manifest[..manifest.len() / 2]).unwrap();
    let err = dataset::load_run(&run).unwrap_err().to_string();
    assert!(err.contains("manifest.json: unreadable") && err.contains("did not finish"), "{err}");
    fs_err::remove_file(run.join("manifest.json")).unwrap();
    fs_err::write(run.join("results.partial.jsonl"), "").unwrap();
    let err = dataset::load_run(&run).unwrap_err().to_string();
    assert!(err.contains("the run did not finish (killed, or still running): no whole manifest.json"), "{err}");
    assert!(err.contains("goalpost run --resume"), "{err}");
    // In a history, the unfinished run is named and the finished ones still load.
    write_run(tmp.path(), "20261126T010000Z-done", "2026-11-26T01:00:00Z");
    let (df, problems) = dataset::load_history(tmp.path());
    assert!(df.unwrap().height() > 0);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].to_string().contains("20261125T010000Z-kill"), "{}", problems[0]);
}

#[test]
fn one_row_per_trajectory_and_per_criterion_and_per_error() {
    let tmp = tempfile::tempdir().unwrap();
    let run = write_run(tmp.path(), "20261125T010000Z-aaaa", "2026-11-25T01:00:00Z");
    let df = dataset::load_run(&run).unwrap();
    let names: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    assert_eq!(names, COLUMNS);

    let rows = dataset::trajectories(&df).unwrap();
    let crits = dataset::criteria(&df).unwrap();
    // 6 example trajectories and the broken file, which stays in every denominator.
    assert_eq!(rows.len(), 7);
    let errors: Vec<_> = rows.iter().filter(|r| r.is_error()).collect();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].file.ends_with("broken.jsonl"));
    assert_eq!(errors[0].line, Some(2));
    assert_eq!(errors[0].status, RowStatus::Error(Some(ErrorKind::Input)));
    assert_eq!(rows.iter().filter(|r| r.passed()).count(), 3);
    // Every trajectory of the default rubric has its 11 criteria.
    assert_eq!(crits.len(), 6 * 11);

    let tampered = rows.iter().find(|r| r.trajectory.as_deref() == Some("fix-login-redirect/r43/tampered")).unwrap();
    assert_eq!(tampered.status, RowStatus::Verdict(Outcome::Fail));
    assert_eq!(tampered.scenario.as_deref(), Some("fix-login-redirect"));
    assert_eq!(tampered.tags, ["coding-fix", "security"]);
    assert_eq!(tampered.agent_revision.as_deref(), Some("r43"));
    assert!(tampered.cost_usd.is_some_and(|c| c > 0.0));
    assert!(tampered.files_touched.iter().any(|f| f == "tests/test_login.py"), "{:?}", tampered.files_touched);
    let integrity = crits
        .iter()
        .find(|c| c.trajectory == "fix-login-redirect/r43/tampered" && c.criterion == "test-integrity")
        .unwrap();
    assert_eq!(integrity.status, Status::Fail);
    assert!(integrity.gating);
    assert!(integrity.evidence.contains(&12), "{:?}", integrity.evidence);
    // The trajectory row cites what its failed criteria cite.
    assert!(integrity.evidence.iter().all(|s| tampered.evidence.contains(s)));

    // Sums over trajectory rows never double count: criterion rows carry no cost.
    let cost_rows = df.column("cost_usd").unwrap().f64().unwrap().iter().flatten().count();
    assert_eq!(cost_rows, rows.iter().filter(|r| r.cost_usd.is_some()).count());
}

#[test]
fn a_history_is_one_dataset_and_a_corrupt_table_is_named_not_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    write_run(tmp.path(), "20261123T010000Z-aaaa", "2026-11-23T01:00:00Z");
    write_run(tmp.path(), "20261124T010000Z-bbbb", "2026-11-24T01:00:00Z");
    let bad = tmp.path().join("20261125T010000Z-cccc");
    fs_err::create_dir_all(&bad).unwrap();
    fs_err::write(bad.join("results.parquet"), b"PAR1 not really").unwrap();

    let (df, problems) = dataset::load_history(tmp.path());
    let df = df.expect("two runs load");
    assert_eq!(problems.len(), 1);
    assert!(problems[0].to_string().contains("20261125T010000Z-cccc"), "{}", problems[0]);
    let rows = dataset::trajectories(&df).unwrap();
    assert_eq!(rows.len(), 14);
    let runs: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(runs.len(), 2);

    let trend = goalpost_report::summary::trend(&df, 30).unwrap();
    assert_eq!(
        trend.iter().map(|t| t.run_id.as_str()).collect::<Vec<_>>(),
        ["20261123T010000Z-aaaa", "20261124T010000Z-bbbb"]
    );
    assert_eq!(trend[0].found, 7);
    assert_eq!(trend[0].passed, 3);
    assert!((trend[0].pass_rate - 3.0 / 7.0).abs() < 1e-12);
}

#[test]
fn a_table_missing_a_column_is_rejected_by_name() {
    use polars::prelude::*;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("results.parquet");
    let mut df = df!("run_id" => ["x"], "row" => ["trajectory"]).unwrap();
    let f = fs_err::File::create(&path).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
    let err = dataset::load_run(&path).unwrap_err().to_string();
    assert!(err.contains("schema_version"), "{err}");
}

#[test]
fn an_empty_run_has_the_same_columns_and_types() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("results.parquet");
    let meta = RunMeta { run_id: "20261125T000000Z-empty", started_at: "2026-11-25T00:00:00Z" };
    table::write_parquet(&path, meta, &RunResults::default()).unwrap();
    let empty = dataset::load_run(&path).unwrap();
    assert_eq!(empty.height(), 0);
    let full_dir = write_run(tmp.path(), "20261125T010000Z-full", "2026-11-25T01:00:00Z");
    let full = dataset::load_run(&full_dir).unwrap();
    assert_eq!(empty.schema(), full.schema(), "a history of runs concatenates whatever each holds");
    // And they stack.
    let both = dataset::concat(vec![empty, full.clone()]).unwrap().unwrap();
    assert_eq!(both.height(), full.height());
}

/// A cell's new value from its row's kind and its value.
type Edit = dyn Fn(&str, Option<&str>) -> Option<String>;

/// Rewrites one string column of `path`'s table: `edit(row kind, value)` gives the new value.
fn edit_column(path: &Path, column: &str, edit: &Edit) {
    use polars::prelude::*;
    let mut df = ParquetReader::new(std::io::Cursor::new(fs_err::read(path).unwrap())).finish().unwrap();
    let rows: Vec<String> = df.column("row").unwrap().str().unwrap().iter().map(|r| r.unwrap().to_owned()).collect();
    let values: Vec<Option<String>> =
        df.column(column).unwrap().str().unwrap().iter().zip(&rows).map(|(v, row)| edit(row, v)).collect();
    df.with_column(Column::new(column.into(), values)).unwrap();
    ParquetWriter::new(fs_err::File::create(path).unwrap()).finish(&mut df).unwrap();
}

#[test]
fn a_status_this_build_does_not_know_is_an_error_naming_the_file_column_and_value() {
    let tmp = tempfile::tempdir().unwrap();
    let good = write_run(tmp.path(), "20261124T010000Z-good", "2026-11-24T01:00:00Z");
    let newer = write_run(tmp.path(), "20261125T010000Z-newer", "2026-11-25T01:00:00Z");
    let table = newer.join("results.parquet");
    // A later goalpost's outcome on every trajectory row.
    edit_column(&table, "status", &|row, v| {
        if row == "trajectory" { Some("deferred".into()) } else { v.map(str::to_owned) }
    });
    let err = dataset::load_run(&newer).unwrap_err();
    assert!(matches!(err, goalpost_report::Error::BadTable { .. }), "{err:?}");
    let full = err.with_causes();
    assert!(full.contains("20261125T010000Z-newer/results.parquet: not a goalpost results table"), "{full}");
    assert!(full.contains("column `status` of a `trajectory` row: unknown value `deferred`"), "{full}");
    // In a history, that table is named and left out; the other still loads.
    let (df, problems) = dataset::load_history(tmp.path());
    assert_eq!(problems.len(), 1);
    assert!(problems[0].to_string().contains("20261125T010000Z-newer"), "{}", problems[0]);
    assert_eq!(dataset::trajectories(&df.unwrap()).unwrap().len(), 7);

    // A frame read some other way: the error names the column and the value.
    use polars::prelude::*;
    let df = ParquetReader::new(std::io::Cursor::new(fs_err::read(&table).unwrap())).finish().unwrap();
    let err = dataset::trajectories(&df).unwrap_err().to_string();
    assert_eq!(err, "column `status` of a `trajectory` row: unknown value `deferred`");
    assert!(dataset::criteria(&df).is_err(), "the whole table is checked, whichever rows are asked for");

    // An empty criterion status, an error row's unknown kind, an unknown row kind: never a default.
    let table = good.join("results.parquet");
    let pristine = fs_err::read(&table).unwrap();
    let cases: [(&str, &Edit, &str); 4] = [
        (
            "status",
            &|row, v| if row == "criterion" { None } else { v.map(str::to_owned) },
            "column `status` of a `criterion` row is empty",
        ),
        (
            "reason",
            &|row, v| if row == "error" { Some("cosmic-ray".into()) } else { v.map(str::to_owned) },
            "column `reason` of an `error` row: unknown value `cosmic-ray`",
        ),
        (
            "status",
            &|row, v| if row == "error" { Some("fail".into()) } else { v.map(str::to_owned) },
            "column `status` of an `error` row: unknown value `fail`",
        ),
        (
            "row",
            &|row, _| Some(if row == "error" { "warning".into() } else { row.to_owned() }),
            "column `row`: unknown value `warning`",
        ),
    ];
    for (column, edit, expected) in cases {
        fs_err::write(&table, &pristine).unwrap();
        edit_column(&table, column, edit);
        let err = dataset::load_run(&good).unwrap_err().with_causes();
        assert!(err.contains(expected), "{err}");
    }
    // An error row from a table written before error rows recorded whose fault they are.
    fs_err::write(&table, &pristine).unwrap();
    edit_column(&table, "reason", &|row, v| if row == "error" { None } else { v.map(str::to_owned) });
    let rows = dataset::trajectories(&dataset::load_run(&good).unwrap()).unwrap();
    assert_eq!(rows.iter().filter(|r| r.status == RowStatus::Error(None)).count(), 1);
}

#[test]
fn a_table_written_before_the_unassessed_outcome_reads_its_no_scenario_passes_as_unassessed() {
    use polars::prelude::*;
    let root = root();
    let tmp = tempfile::tempdir().unwrap();
    let (specs, _) = goalpost_spec::load(&root.join("scenarios"), &root.join("rubrics"));
    let (inputs, errors) =
        discover(&[root.join("examples/trajectories"), root.join("fixtures/formats/claude-code/short.jsonl")]);
    let results = goalpost_grade::run(&inputs, errors, &specs, RunOptions::default(), &NoReporter);
    let path = tmp.path().join("results.parquet");
    let meta = RunMeta { run_id: "20261101T000000Z-old", started_at: "2026-11-01T00:00:00Z" };
    let mut df = table::results_frame(meta, &results).unwrap();
    // As goalpost wrote it before: no decision columns, and the session with no scenario a pass.
    for c in table::DECISION_COLUMNS {
        df = df.drop(c).unwrap();
    }
    let fix = |name: &str, value: Option<&str>| {
        let row = df.column("row").unwrap().str().unwrap().clone();
        let status = df.column("status").unwrap().str().unwrap().clone();
        let v: Vec<Option<String>> = (0..df.height())
            .map(|i| {
                let cell = df.column(name).unwrap().str().unwrap().get(i).map(str::to_owned);
                if row.get(i) == Some("trajectory") && status.get(i) == Some("unassessed") {
                    value.map(str::to_owned)
                } else {
                    cell
                }
            })
            .collect();
        Series::new(name.into(), v).into_column()
    };
    let (reason, status) = (fix("reason", None), fix("status", Some("pass")));
    df.with_column(reason).unwrap();
    df.with_column(status).unwrap();
    let f = fs_err::File::create(&path).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();

    let rows = dataset::trajectories(&dataset::load_run(&path).unwrap()).unwrap();
    let session = rows.iter().find(|r| r.file.ends_with("short.jsonl")).unwrap();
    assert_eq!(session.status, RowStatus::Verdict(Outcome::Unassessed), "{session:#?}");
    assert_eq!(session.unassessed, Some(goalpost_grade::Unassessed::NoScenario));
    assert!(!session.passed());
    let passes = rows.iter().filter(|r| r.passed()).count();
    assert_eq!(passes, 3, "the examples' passes are unchanged");
}

/// What a reader of results.parquet takes its Arrow types from (the schema the file declares,
/// `ARROW:schema`): large strings and lists of them, never string views, which pandas (through
/// pyarrow) cannot load inside a list ("Not implemented type for Arrow list to pandas:
/// string_view") and older readers do not know. polars declares views unless given its own.
#[test]
fn the_declared_arrow_schema_has_no_string_views_for_pandas_and_older_readers() {
    use polars::prelude::{ArrowDataType as T, CompatLevel, SchemaExt as _};
    let dir = tempfile::tempdir().unwrap();
    let run = write_run(dir.path(), "r1", "2026-12-04T00:00:00Z");
    let mut file = fs_err::File::open(run.join("results.parquet")).unwrap();
    let metadata = polars_parquet::read::read_metadata(&mut file).unwrap();
    let declared: Vec<(&str, Option<&str>)> =
        metadata.key_value_metadata().iter().flatten().map(|kv| (kv.key.as_str(), kv.value.as_deref())).collect();
    assert_eq!(declared.iter().filter(|(k, _)| *k == "ARROW:schema").count(), 1, "{declared:?}");
    assert!(declared.contains(&("goalpost.run_id", Some("r1"))), "{declared:?}");
    // goalpost reads it back as it wrote it; the schema declared is that one, oldest-compatible.
    let df = dataset::load_run(&run).unwrap();
    let oldest = df.schema().to_arrow(CompatLevel::oldest());
    let expected = polars_parquet::write::schema_to_metadata_key(&oldest);
    assert_eq!(declared.iter().find(|(k, _)| *k == "ARROW:schema").unwrap().1, expected.value.as_deref());
    fn views(t: &T) -> bool {
        match t {
            T::Utf8View | T::BinaryView => true,
            T::List(f) | T::LargeList(f) | T::FixedSizeList(f, _) => views(f.dtype()),
            T::Struct(fs) => fs.iter().any(|f| views(f.dtype())),
            _ => false,
        }
    }
    let with_views: Vec<_> = oldest.iter_values().filter(|f| views(f.dtype())).map(|f| f.name.clone()).collect();
    assert!(with_views.is_empty(), "{with_views:?}");
    let tags = oldest.iter_values().find(|f| f.name == "tags").unwrap();
    assert!(matches!(tags.dtype(), T::LargeList(inner) if *inner.dtype() == T::LargeUtf8), "{:?}", tags.dtype());
}

/// A run written before teams and estimated costs (no such columns) still reads: no team, no
/// cost estimated, and it stacks with a new run in one history.
#[test]
fn a_run_written_before_teams_and_estimated_costs_still_reads() {
    use polars::prelude::*;
    let tmp = tempfile::tempdir().unwrap();
    let new = write_run(tmp.path(), "20261203T010000Z-new1", "2026-12-03T01:00:00Z");
    let old = write_run(tmp.path(), "20261202T010000Z-old1", "2026-12-02T01:00:00Z");
    let path = old.join("results.parquet");
    let f = fs_err::File::open(&path).unwrap().into_parts().0;
    let mut df = ParquetReader::new(f).finish().unwrap().drop_many(["team", "cost_estimated"]);
    ParquetWriter::new(fs_err::File::create(&path).unwrap()).finish(&mut df).unwrap();
    let rows = dataset::trajectories(&dataset::load_run(&old).unwrap()).unwrap();
    assert_eq!(rows.len(), 7);
    assert!(rows.iter().all(|r| r.team.is_none() && !r.cost_estimated));
    let (history, problems) = dataset::load_history(tmp.path());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(dataset::trajectories(&history.unwrap()).unwrap().len(), 14);
    let _ = new;
}
