//! `goalpost._goalpost`: the grading core for Python. Discovery, reading and grading are
//! goalpost's own (`goalpost-trajectory`, `goalpost-grade`) and run on the rayon engine with the
//! GIL released; rows come out as an Arrow record batch built from `goalpost_grade::table` (the
//! builder `results.parquet` is written from) and handed to pyarrow without a copy. The Python
//! API around it is `goalpost/__init__.py`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{LargeListBuilder, LargeStringBuilder, UInt32Builder};
use arrow_array::{ArrayRef, BooleanArray, Float64Array, LargeStringArray, RecordBatch, UInt32Array, UInt64Array};
use arrow_pyarrow::ToPyArrow;
use arrow_schema::{DataType, Field, Schema};
use goalpost_grade::table::{Columns, RunMeta, Values};
use goalpost_grade::{ErrorRow, NoReporter, RunOptions, RunResults, Totals};
use goalpost_spec::{Plan, Severity, SpecSet};
use goalpost_trajectory::{Input, InputKind, Limits};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde::{Deserialize, Serialize};

/// The Arrow type of the list columns' items, named as pyarrow names them when it reads
/// results.parquet (`element`), so that the two tables' schemas are equal.
const ITEM: &str = "element";

/// The builder's columns as one Arrow record batch; each column's Arrow type follows from its
/// values' type alone (as results.parquet's do, through polars).
fn record_batch(columns: Vec<(&'static str, Values<'_>)>) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let mut fields = Vec::with_capacity(columns.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    for (name, values) in columns {
        let array: ArrayRef =
            match values {
                Values::Str(v) => Arc::new(v.iter().map(|x| x.as_deref()).collect::<LargeStringArray>()),
                Values::U32(v) => Arc::new(UInt32Array::from(v)),
                Values::U64(v) => Arc::new(UInt64Array::from(v)),
                Values::F64(v) => Arc::new(Float64Array::from(v)),
                Values::Bool(v) => Arc::new(BooleanArray::from(v)),
                Values::StrList(v) => {
                    let mut b = LargeListBuilder::with_capacity(LargeStringBuilder::new(), v.len())
                        .with_field(Field::new(ITEM, DataType::LargeUtf8, true));
                    for items in v {
                        for s in items {
                            b.values().append_value(s);
                        }
                        b.append(true);
                    }
                    Arc::new(b.finish())
                }
                Values::U32List(v) => {
                    let mut b = LargeListBuilder::with_capacity(UInt32Builder::new(), v.len()).with_field(Field::new(
                        ITEM,
                        DataType::UInt32,
                        true,
                    ));
                    for steps in v {
                        b.values().append_slice(&steps);
                        b.append(true);
                    }
                    Arc::new(b.finish())
                }
            };
        fields.push(Field::new(name, array.data_type().clone(), true));
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
}

/// What one call graded: its rows as an Arrow batch, its totals (for a run's manifest) and the
/// same rows as `results.jsonl` lines (for a run directory: the regression store, review and
/// merge read those).
struct Graded {
    batch: RecordBatch,
    totals: Totals,
    jsonl: Vec<u8>,
}

/// Grading's options, as the Python API passes them.
#[derive(Debug, Clone, Default)]
struct Options {
    scenario: Option<Arc<Plan>>,
    team: Option<String>,
    ledger: Option<goalpost_grade::ledger::Ledger>,
    jobs: Option<usize>,
    run_id: String,
    started_at: String,
    /// Also make the rows' `results.jsonl` lines (a run directory needs them; a table does not).
    lines: bool,
}

/// Grades `inputs` (and keeps `pre_errors` as rows), then applies what a run applies last: the
/// run's team to a trajectory whose scenario names none, and reviewers' decisions. Rows come
/// in the order `goalpost run` writes them: verdicts in input order, then errors.
fn grade_results(specs: &SpecSet, inputs: &[Input], pre_errors: Vec<ErrorRow>, o: &Options) -> RunResults {
    let opts =
        RunOptions { jobs: o.jobs, limits: Limits::default(), scenario: o.scenario.clone(), reuse: None, cache: None };
    let mut results = goalpost_grade::run(inputs, Vec::new(), specs, opts, &NoReporter);
    let graded_errors = std::mem::take(&mut results.errors);
    results.errors = pre_errors.into_iter().chain(graded_errors).collect();
    for v in &mut results.verdicts {
        if v.team.is_none() {
            v.team.clone_from(&o.team);
        }
        if let Some(ledger) = &o.ledger {
            ledger.apply(v);
        }
    }
    results
}

fn grade_inputs(specs: &SpecSet, inputs: &[Input], pre_errors: Vec<ErrorRow>, o: &Options) -> Graded {
    finish(&grade_results(specs, inputs, pre_errors, o), o)
}

fn finish(results: &RunResults, o: &Options) -> Graded {
    let meta = RunMeta { run_id: &o.run_id, started_at: &o.started_at };
    let batch = record_batch(Columns::of(results).finish(meta)).expect("the builder's columns are of one length");
    let mut jsonl = Vec::new();
    if o.lines {
        for v in &results.verdicts {
            jsonl.extend_from_slice(goalpost_grade::row_line(Ok(v)).as_bytes());
        }
        for e in &results.errors {
            jsonl.extend_from_slice(goalpost_grade::row_line(Err(e)).as_bytes());
        }
    }
    Graded { batch, totals: results.totals(), jsonl }
}

/// An input as discovery found it, handed to a worker (`goalpost.ray`) that reads it there.
#[derive(Debug, Serialize, Deserialize)]
struct InputToken {
    path: PathBuf,
    format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    report: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    test_output: Option<PathBuf>,
}

impl InputToken {
    fn of(input: &Input) -> InputToken {
        let (report, test_output) = match &input.kind {
            InputKind::MiniSweAgent { report, test_output } => (report.clone(), test_output.clone()),
            _ => (None, None),
        };
        InputToken { path: input.path.clone(), format: input.kind.format_name().to_owned(), report, test_output }
    }
}

/// A scenario set loaded once, graded with many times (and sent to workers by `goalpost.Specs`,
/// which reloads it there from the same files).
#[pyclass(module = "goalpost._goalpost", name = "_Specs", frozen)]
struct PySpecs {
    set: Arc<SpecSet>,
}

impl PySpecs {
    #[allow(clippy::too_many_arguments)]
    fn options(
        &self,
        scenario: Option<String>,
        team: Option<String>,
        ledger: Option<PathBuf>,
        jobs: Option<usize>,
        run_id: String,
        started_at: String,
        lines: bool,
    ) -> PyResult<Options> {
        let scenario = match scenario {
            None => None,
            Some(id) => Some(Arc::clone(self.set.plan(&id).ok_or_else(|| {
                let known: Vec<&str> =
                    self.set.plans().filter_map(|p| Some(p.scenario.as_ref()?.id.as_str())).take(20).collect();
                PyValueError::new_err(format!("scenario `{id}` is not loaded (known: {})", known.join(", ")))
            })?)),
        };
        let ledger = match ledger {
            None => None,
            Some(path) => {
                Some(goalpost_grade::ledger::Ledger::load(&path).map_err(|e| PyValueError::new_err(e.to_string()))?)
            }
        };
        if jobs == Some(0) {
            return Err(PyValueError::new_err("jobs must be at least 1 (None: every core)"));
        }
        Ok(Options { scenario, team, ledger, jobs, run_id, started_at, lines })
    }
}

type Batch = Py<PyAny>;
/// What `discover` found: input tokens, error rows and their totals, skipped files with the reason.
type Discovered = (Vec<String>, Rows, Vec<(String, String)>);

/// A batch of rows, its totals (JSON) and its `results.jsonl` lines.
type Rows = (Batch, String, Py<PyBytes>);

fn to_python(py: Python<'_>, g: Graded) -> PyResult<Rows> {
    let totals = serde_json::to_string(&g.totals).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok((g.batch.to_pyarrow(py)?.unbind(), totals, PyBytes::new(py, &g.jsonl).unbind()))
}

#[pymethods]
impl PySpecs {
    /// Loads scenarios, rubrics and the price table (each `None`: none, the built-in rubric and
    /// catalog, the built-in prices). Returns the set and every diagnostic as
    /// `(severity, text)`; the caller decides which stop it.
    #[staticmethod]
    #[pyo3(signature = (scenarios=None, rubrics=None, prices=None))]
    fn load(
        py: Python<'_>,
        scenarios: Option<PathBuf>,
        rubrics: Option<PathBuf>,
        prices: Option<PathBuf>,
    ) -> PyResult<(PySpecs, Vec<(String, String)>)> {
        for dir in [&scenarios, &rubrics].into_iter().flatten() {
            if !dir.is_dir() {
                return Err(PyOSError::new_err(format!("`{}` is not a directory", dir.display())));
            }
        }
        if let Some(p) = prices.as_ref().filter(|p| !p.is_file()) {
            return Err(PyOSError::new_err(format!("price table `{}` is not a file", p.display())));
        }
        let (set, diags) =
            py.detach(|| goalpost_spec::load_from(scenarios.as_deref(), rubrics.as_deref(), prices.as_deref()));
        let diags = diags
            .iter()
            .map(|d| {
                let severity = match d.severity {
                    Severity::Warning => "warning",
                    Severity::Vague => "vague",
                    Severity::Error => "error",
                };
                (severity.to_owned(), d.to_string())
            })
            .collect();
        Ok((PySpecs { set: Arc::new(set) }, diags))
    }

    /// The loaded scenarios' ids.
    fn scenarios(&self) -> Vec<String> {
        self.set.plans().filter_map(|p| Some(p.scenario.as_ref()?.id.clone())).collect()
    }

    /// The loaded rubrics' ids.
    fn rubrics(&self) -> Vec<String> {
        self.set.rubrics().map(|r| r.id.clone()).collect()
    }

    /// Discovers and grades everything under `paths`; returns a pyarrow RecordBatch and the
    /// totals (JSON).
    #[pyo3(signature = (paths, run_id, started_at, scenario=None, team=None, ledger=None, jobs=None, lines=false))]
    #[allow(clippy::too_many_arguments)]
    fn grade(
        &self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        run_id: String,
        started_at: String,
        scenario: Option<String>,
        team: Option<String>,
        ledger: Option<PathBuf>,
        jobs: Option<usize>,
        lines: bool,
    ) -> PyResult<Rows> {
        let o = self.options(scenario, team, ledger, jobs, run_id, started_at, lines)?;
        let set = Arc::clone(&self.set);
        let g = py.detach(move || {
            let (inputs, errors) = goalpost_trajectory::discover(&paths);
            let pre: Vec<ErrorRow> = errors.iter().map(goalpost_grade::pre_error_row).collect();
            grade_inputs(&set, &inputs, pre, &o)
        });
        to_python(py, g)
    }

    /// Error rows (kind `input`) for inputs that could not even be fetched, such as an object
    /// that a worker failed to read: `(file, message)` each.
    #[pyo3(signature = (errors, run_id, started_at))]
    fn error_rows(
        &self,
        py: Python<'_>,
        errors: Vec<(String, String)>,
        run_id: String,
        started_at: String,
    ) -> PyResult<Rows> {
        let results = RunResults {
            verdicts: Vec::new(),
            errors: errors
                .into_iter()
                .map(|(file, message)| ErrorRow {
                    kind: goalpost_grade::ErrorKind::Input,
                    file,
                    line: None,
                    field: None,
                    trajectory: None,
                    message,
                })
                .collect(),
        };
        let o = Options { run_id, started_at, lines: true, ..Options::default() };
        to_python(py, finish(&results, &o))
    }

    /// Discovers the inputs under `paths` without reading them: one token per input (for a
    /// worker's `grade_inputs`), the inputs that could not be opened or recognised as a batch
    /// of error rows, and the files skipped with the reason.
    #[pyo3(signature = (paths, run_id, started_at))]
    fn discover(
        &self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        run_id: String,
        started_at: String,
    ) -> PyResult<Discovered> {
        let d = py.detach(|| goalpost_trajectory::discover_all(&paths));
        let tokens = d
            .inputs
            .iter()
            .map(|i| serde_json::to_string(&InputToken::of(i)).map_err(|e| PyValueError::new_err(e.to_string())))
            .collect::<PyResult<Vec<_>>>()?;
        let results =
            RunResults { verdicts: Vec::new(), errors: d.errors.iter().map(goalpost_grade::pre_error_row).collect() };
        let o = Options { run_id, started_at, lines: true, ..Options::default() };
        let errors = to_python(py, finish(&results, &o))?;
        let skipped = d.skipped.iter().map(|s| (s.path.display().to_string(), s.reason.clone())).collect();
        Ok((tokens, errors, skipped))
    }

    /// Grades inputs `discover` found (on this machine or another one that sees the same
    /// files). A token this build cannot read is an error row, never a lost input.
    #[pyo3(signature = (tokens, run_id, started_at, scenario=None, team=None, ledger=None, jobs=None, lines=false))]
    #[allow(clippy::too_many_arguments)]
    fn grade_inputs(
        &self,
        py: Python<'_>,
        tokens: Vec<String>,
        run_id: String,
        started_at: String,
        scenario: Option<String>,
        team: Option<String>,
        ledger: Option<PathBuf>,
        jobs: Option<usize>,
        lines: bool,
    ) -> PyResult<Rows> {
        let o = self.options(scenario, team, ledger, jobs, run_id, started_at, lines)?;
        let set = Arc::clone(&self.set);
        let g = py.detach(move || {
            let mut inputs = Vec::with_capacity(tokens.len());
            let mut errors = Vec::new();
            for t in &tokens {
                let token: Result<InputToken, String> = serde_json::from_str(t).map_err(|e| e.to_string());
                match token.and_then(|t| {
                    let kind = InputKind::named(&t.format, t.report, t.test_output)
                        .ok_or_else(|| format!("format `{}` is not one this build reads", t.format))?;
                    Ok(Input { path: t.path, kind })
                }) {
                    Ok(input) => inputs.push(input),
                    Err(message) => errors.push(ErrorRow {
                        kind: goalpost_grade::ErrorKind::Input,
                        file: goalpost_trajectory::text::visible_capped(t, 500),
                        line: None,
                        field: None,
                        trajectory: None,
                        message: format!("an input handed to this worker does not read: {message}"),
                    }),
                }
            }
            grade_inputs(&set, &inputs, errors, &o)
        });
        to_python(py, g)
    }

    /// Grades files given as bytes (read from an object store): each is written to a private
    /// temporary directory under a name made of its index and a cleaned extension, graded, and
    /// its rows name it as given (`name`, such as its URI).
    #[pyo3(signature = (items, run_id, started_at, scenario=None, team=None, ledger=None, jobs=None, lines=false))]
    #[allow(clippy::too_many_arguments)]
    fn grade_bytes(
        &self,
        py: Python<'_>,
        items: Vec<(String, Vec<u8>)>,
        run_id: String,
        started_at: String,
        scenario: Option<String>,
        team: Option<String>,
        ledger: Option<PathBuf>,
        jobs: Option<usize>,
        lines: bool,
    ) -> PyResult<Rows> {
        let o = self.options(scenario, team, ledger, jobs, run_id, started_at, lines)?;
        let set = Arc::clone(&self.set);
        let g = py.detach(move || -> std::io::Result<Graded> {
            let dir = tempfile::tempdir()?;
            let mut names = std::collections::HashMap::new();
            let mut paths = Vec::with_capacity(items.len());
            for (i, (name, bytes)) in items.iter().enumerate() {
                let path = dir.path().join(format!("{i:08}{}", extension(name)));
                fs_err::write(&path, bytes)?;
                names.insert(path.display().to_string(), name.clone());
                paths.push(path);
            }
            let (inputs, errors) = goalpost_trajectory::discover(&paths);
            let pre: Vec<ErrorRow> = errors.iter().map(goalpost_grade::pre_error_row).collect();
            let mut results = grade_results(&set, &inputs, pre, &o);
            // The rows name each file as given, not by where it was put for reading.
            rename(&mut results, &names, dir.path());
            Ok(finish(&results, &o))
        });
        to_python(py, g.map_err(|e| PyOSError::new_err(e.to_string()))?)
    }
}

/// `.jsonl`, `.json`, `.traj`, `.eval` (discovery looks at these) from the end of `name`, else
/// `.json`; never a character that could make the temporary name a path.
fn extension(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    for ext in [".jsonl", ".traj.json", ".traj", ".eval", ".json"] {
        if lower.ends_with(ext) {
            return ext;
        }
    }
    ".json"
}

fn rename(results: &mut RunResults, names: &std::collections::HashMap<String, String>, dir: &Path) {
    let dir = dir.display().to_string();
    let fix = |s: &mut String| {
        if let Some(n) = names.get(s.as_str()) {
            s.clone_from(n);
        }
    };
    for v in &mut results.verdicts {
        fix(&mut v.file);
    }
    for e in &mut results.errors {
        fix(&mut e.file);
        for (tmp, name) in names {
            if e.message.contains(tmp.as_str()) {
                e.message = e.message.replace(tmp.as_str(), name);
            }
        }
        if e.message.contains(&dir) {
            e.message = e.message.replace(&dir, "<bytes>");
        }
    }
}

/// Sums the totals of a run's parts (JSON, as `grade*` return them) and writes the run's
/// `manifest.json` in `out`: the file `goalpost report`, `compare` and `gate` take a run by.
#[pyfunction]
#[pyo3(signature = (specs, out, run_id, started_at, totals, trajectories, cwd, skipped=Vec::new()))]
#[allow(clippy::too_many_arguments)]
fn write_manifest(
    specs: &PySpecs,
    out: PathBuf,
    run_id: &str,
    started_at: &str,
    totals: Vec<String>,
    trajectories: Vec<String>,
    cwd: Option<String>,
    skipped: Vec<(String, String)>,
) -> PyResult<()> {
    let mut sum = Totals::default();
    for t in &totals {
        let t: Totals = serde_json::from_str(t).map_err(|e| PyValueError::new_err(format!("a part's totals: {e}")))?;
        sum.absorb(&t);
    }
    let mut m = goalpost_grade::manifest::Manifest::new(run_id, started_at, sum);
    m.record_specs(&specs.set);
    m.trajectories = trajectories;
    m.skipped =
        skipped.into_iter().map(|(path, reason)| goalpost_grade::manifest::SkippedEntry { path, reason }).collect();
    m.cwd = cwd;
    m.write(&out).map_err(|e| PyOSError::new_err(format!("{}: {e}", out.join("manifest.json").display())))
}

/// The project (`goalpost.toml`, found walking up from `cwd` as every `goalpost` command finds
/// it): its file, scenarios, rubrics, price table and ledger, absolute; `None` outside any.
#[pyfunction]
fn project(cwd: PathBuf) -> PyResult<Option<ProjectPaths>> {
    let p = goalpost_spec::project::Project::find(&cwd).map_err(|d| PyValueError::new_err(d.to_string()))?;
    let Some(file) = p.file else { return Ok(None) };
    let abs = |x: PathBuf| if x.is_absolute() { x } else { cwd.join(x) };
    Ok(Some((abs(file), p.scenarios.map(abs), p.rubrics.map(abs), p.prices.map(abs), abs(p.ledger))))
}

/// A project's file, scenarios, rubrics, prices and ledger.
type ProjectPaths = (PathBuf, Option<PathBuf>, Option<PathBuf>, Option<PathBuf>, PathBuf);

/// The first line of a `results.jsonl` (its format), with its newline.
#[pyfunction]
fn results_header(py: Python<'_>) -> Py<PyBytes> {
    PyBytes::new(py, goalpost_grade::header_line().as_bytes()).unbind()
}

/// The names of the results table's columns, in order.
#[pyfunction]
fn columns() -> Vec<&'static str> {
    goalpost_grade::table::COLUMNS.to_vec()
}

#[pymodule]
fn _goalpost(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySpecs>()?;
    m.add_function(wrap_pyfunction!(write_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(columns, m)?)?;
    m.add_function(wrap_pyfunction!(results_header, m)?)?;
    m.add_function(wrap_pyfunction!(project, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCHEMA_VERSION", goalpost_grade::table::SCHEMA_VERSION)?;
    Ok(())
}
