//! results.parquet read with the defaults of the tools researchers load it into: pandas,
//! pyarrow, polars and duckdb (Python, from `$GOALPOST_PYTHON`; `.ci/run` makes its venv).
//! Without that interpreter the test says so and passes, unless `GOALPOST_REQUIRE_PYTHON=1`
//! (as in CI), where a missing reader is a failure.

use std::process::Command;

use super::{goalpost, root, text};

#[test]
fn pandas_pyarrow_polars_and_duckdb_read_results_parquet_with_their_defaults() {
    let Some(python) = std::env::var_os("GOALPOST_PYTHON") else {
        assert!(
            std::env::var_os("GOALPOST_REQUIRE_PYTHON").is_none(),
            "GOALPOST_REQUIRE_PYTHON is set but GOALPOST_PYTHON names no interpreter"
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("skipped: set GOALPOST_PYTHON to a Python with pandas, pyarrow, polars and duckdb");
        }
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    // The examples (with tags) and an input that errors: every kind of row.
    let broken = dir.path().join("broken.jsonl");
    fs_err::write(
        &broken,
        "{\"type\":\"header\",\"format\":\"goalpost-trajectory/1.0\",\"id\":\"b\",\"agent\":\"a\"}\n{no\n",
    )
    .unwrap();
    let examples = root().join("examples/trajectories");
    let o = goalpost(&[
        "run",
        "-q",
        "--no-cache",
        "--trajectories",
        examples.to_str().unwrap(),
        broken.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let rows = goalpost_report::dataset::load_run(&out).unwrap().height();
    let script = root().join("crates/goalpost-cli/tests/readers/read_results.py");
    let r = Command::new(python).arg(script).arg(out.join("results.parquet")).output().unwrap();
    assert!(r.status.success(), "{}", text(&r.stderr));
    let read: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    for reader in ["pandas", "pyarrow", "polars", "duckdb"] {
        assert_eq!(read[reader]["rows"], rows, "{reader}: {read}");
        // The first trajectory row is auth-latency-p95's, tagged as its scenario is.
        assert_eq!(read[reader]["tags"], serde_json::json!(["performance"]), "{reader}: {read}");
    }
}
