//! `goalpost._goalpost`: the grading core for Python. Discovery, reading and grading are
//! goalpost's own (`goalpost-trajectory`, `goalpost-grade`) and run on the rayon engine with the
//! GIL released; rows come out as an Arrow record batch built from `goalpost_grade::table` (the
//! builder `results.parquet` is written from) and handed to pyarrow without a copy. The Python
//! API around it is `goalpost/__init__.py`.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::builder::{LargeListBuilder, LargeStringBuilder, UInt32Builder};
use arrow_array::{ArrayRef, BooleanArray, Float64Array, LargeStringArray, RecordBatch, UInt32Array, UInt64Array};
use arrow_pyarrow::ToPyArrow;
use arrow_schema::{DataType, Field, Schema};
use goalpost_grade::table::{Columns, RunMeta, Values};
use goalpost_grade::{ErrorRow, NoReporter, ResultRow, RunOptions, RunResults, Totals};
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

/// What one call graded: its rows as an Arrow batch, the same rows as `results.jsonl` lines when
/// asked (a run directory needs them: the regression store, review pages and merge read them),
/// and the files discovery skipped, with the reason.
struct Graded {
    batch: RecordBatch,
    jsonl: Vec<u8>,
    skipped: Vec<(String, String)>,
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
    let none = goalpost_grade::ledger::Ledger::empty();
    for v in &mut results.verdicts {
        goalpost_grade::ledger::finish_verdict(v, o.team.as_deref(), o.ledger.as_ref().unwrap_or(&none));
    }
    results
}

fn finish(results: &RunResults, skipped: Vec<(String, String)>, o: &Options) -> Graded {
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
    Graded { batch, jsonl, skipped }
}

/// Discovers everything under `roots` and grades it.
fn grade_paths(specs: &SpecSet, roots: &[PathBuf], o: &Options) -> (RunResults, Vec<(String, String)>) {
    let d = goalpost_trajectory::discover_all(roots);
    let pre: Vec<ErrorRow> = d.errors.iter().map(goalpost_grade::pre_error_row).collect();
    (grade_results(specs, &d.inputs, pre, o), skipped_of(&d))
}

/// The files discovery skipped, with the reason.
fn skipped_of(d: &goalpost_trajectory::Discovery) -> Vec<(String, String)> {
    d.skipped.iter().map(|s| (s.path.display().to_string(), s.reason.clone())).collect()
}

/// `path` shown as `shown` when it is `root` or under it (`root/x` → `shown/x`).
fn shown_as(path: &str, root: &str, shown: &str) -> Option<String> {
    if path == root {
        return Some(shown.to_owned());
    }
    let rest = path.strip_prefix(root)?.strip_prefix('/')?;
    Some(format!("{}/{rest}", shown.trim_end_matches('/')))
}

/// Renames every file a run names under one of `roots` (local copies) to how it was given
/// (`shown`, such as an object-store URI), in rows, messages and the skipped list.
fn rename(results: &mut RunResults, skipped: &mut [(String, String)], roots: &[(String, String)]) {
    let fix = |s: &mut String| {
        if let Some(n) = roots.iter().find_map(|(root, shown)| shown_as(s, root, shown)) {
            *s = n;
        }
    };
    let fix_text = |s: &mut String| {
        for (root, shown) in roots {
            if s.contains(root.as_str()) {
                *s = s.replace(root.as_str(), shown.trim_end_matches('/'));
            }
        }
    };
    for v in &mut results.verdicts {
        fix(&mut v.file);
        for c in &mut v.criteria {
            fix_text(&mut c.message);
        }
        if let Some(note) = &mut v.note {
            fix_text(note);
        }
        v.warnings.iter_mut().for_each(fix_text);
    }
    for e in &mut results.errors {
        fix(&mut e.file);
        fix_text(&mut e.message);
    }
    for (path, reason) in skipped {
        fix(path);
        fix_text(reason);
    }
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
/// which reloads it there from the same files and checks [`PySpecs::specs_hash`]).
#[pyclass(module = "goalpost._goalpost", name = "_Specs", frozen)]
struct PySpecs {
    set: Arc<SpecSet>,
}

/// A batch of rows, its `results.jsonl` lines (empty unless asked) and the skipped files.
type Rows = (Batch, Py<PyBytes>, Vec<(String, String)>);
type Batch = Py<PyAny>;

fn to_python(py: Python<'_>, g: Graded) -> PyResult<Rows> {
    Ok((g.batch.to_pyarrow(py)?.unbind(), PyBytes::new(py, &g.jsonl).unbind(), g.skipped))
}

fn load_ledger(path: Option<PathBuf>, expect: Option<String>) -> PyResult<Option<goalpost_grade::ledger::Ledger>> {
    let Some(path) = path else { return Ok(None) };
    if !path.is_file() {
        return Err(PyOSError::new_err(format!("ledger `{}` is not a file", path.display())));
    }
    let ledger = goalpost_grade::ledger::Ledger::load(&path).map_err(|e| PyValueError::new_err(e.to_string()))?;
    if let Some(expect) = expect
        && ledger.hash() != Some(expect.as_str())
    {
        return Err(PyValueError::new_err(format!(
            "ledger `{}` changed since the run started: one run would apply two ledgers",
            path.display()
        )));
    }
    Ok(Some(ledger))
}

/// The options every grading call takes (a dict from Python), checked before anything is graded.
#[derive(Debug, FromPyObject)]
#[pyo3(from_item_all)]
struct Call {
    run_id: String,
    started_at: String,
    scenario: Option<String>,
    team: Option<String>,
    ledger: Option<PathBuf>,
    ledger_hash: Option<String>,
    jobs: Option<usize>,
    lines: bool,
}

impl PySpecs {
    fn options(&self, c: Call) -> PyResult<Options> {
        let scenario = match c.scenario {
            None => None,
            Some(id) => Some(Arc::clone(self.set.plan(&id).ok_or_else(|| {
                let known: Vec<&str> =
                    self.set.plans().filter_map(|p| Some(p.scenario.as_ref()?.id.as_str())).take(20).collect();
                PyValueError::new_err(format!("scenario `{id}` is not loaded (known: {})", known.join(", ")))
            })?)),
        };
        if c.jobs == Some(0) {
            return Err(PyValueError::new_err("jobs must be at least 1 (None: every core)"));
        }
        Ok(Options {
            scenario,
            team: c.team,
            ledger: load_ledger(c.ledger, c.ledger_hash)?,
            jobs: c.jobs,
            run_id: c.run_id,
            started_at: c.started_at,
            lines: c.lines,
        })
    }
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

    /// The hash of everything grading depends on, as loaded (that of `goalpost run`'s plan).
    fn specs_hash(&self) -> String {
        goalpost_grade::manifest::specs_hash(&self.set)
    }

    /// Checks a call's options (an unknown scenario, a missing ledger) without grading.
    fn check(&self, call: Call) -> PyResult<()> {
        self.options(call).map(|_| ())
    }

    /// Discovers and grades everything under `paths`.
    fn grade(&self, py: Python<'_>, paths: Vec<PathBuf>, call: Call) -> PyResult<Rows> {
        let o = self.options(call)?;
        let set = Arc::clone(&self.set);
        let g = py.detach(move || {
            let (results, skipped) = grade_paths(&set, &paths, &o);
            finish(&results, skipped, &o)
        });
        to_python(py, g)
    }

    /// Grades local copies: each `(root, shown)` is a file or directory copied here from
    /// where it lives (an object store), discovered and graded as `grade` would the original,
    /// and every file under it is named as under `shown` in the rows.
    fn grade_copies(&self, py: Python<'_>, roots: Vec<(PathBuf, String)>, call: Call) -> PyResult<Rows> {
        let o = self.options(call)?;
        let set = Arc::clone(&self.set);
        let g = py.detach(move || {
            let paths: Vec<PathBuf> = roots.iter().map(|(r, _)| r.clone()).collect();
            let (mut results, mut skipped) = grade_paths(&set, &paths, &o);
            let named: Vec<(String, String)> =
                roots.iter().map(|(r, s)| (r.display().to_string(), s.clone())).collect();
            rename(&mut results, &mut skipped, &named);
            finish(&results, skipped, &o)
        });
        to_python(py, g)
    }

    /// Discovers the inputs under `paths` without reading them: one token per input (for a
    /// worker's `grade_inputs`), and the inputs that could not be opened or recognised as rows.
    fn discover(&self, py: Python<'_>, paths: Vec<PathBuf>, call: Call) -> PyResult<(Vec<String>, Rows)> {
        let o = self.options(call)?;
        let d = py.detach(|| goalpost_trajectory::discover_all(&paths));
        let tokens = d
            .inputs
            .iter()
            .map(|i| serde_json::to_string(&InputToken::of(i)).map_err(|e| PyValueError::new_err(e.to_string())))
            .collect::<PyResult<Vec<_>>>()?;
        let results =
            RunResults { verdicts: Vec::new(), errors: d.errors.iter().map(goalpost_grade::pre_error_row).collect() };
        let skipped = skipped_of(&d);
        Ok((tokens, to_python(py, finish(&results, skipped, &o))?))
    }

    /// Grades inputs `discover` found (on this machine or another one that sees the same
    /// files). A token this build cannot read is an error row, never a lost input.
    fn grade_inputs(&self, py: Python<'_>, tokens: Vec<String>, call: Call) -> PyResult<Rows> {
        let o = self.options(call)?;
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
                    Err(message) => errors.push(input_error(
                        goalpost_trajectory::text::visible_capped(t, 500),
                        format!("an input handed to this worker does not read: {message}"),
                    )),
                }
            }
            finish(&grade_results(&set, &inputs, errors, &o), Vec::new(), &o)
        });
        to_python(py, g)
    }

    /// Error rows for inputs that were not graded: `(file, kind, message)` each, the kind
    /// `input` (it names nothing, or nothing usable) or `fetch` (its store failed to hand it over).
    fn error_rows(&self, py: Python<'_>, errors: Vec<(String, String, String)>, call: Call) -> PyResult<Rows> {
        let o = self.options(call)?;
        let errors = errors
            .into_iter()
            .map(|(file, kind, message)| {
                let kind = goalpost_grade::ErrorKind::parse(&kind)
                    .filter(|k| *k != goalpost_grade::ErrorKind::Grader)
                    .ok_or_else(|| PyValueError::new_err(format!("error kind `{kind}`: input or fetch")))?;
                Ok(ErrorRow { kind, ..input_error(file, message) })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let results = RunResults { verdicts: Vec::new(), errors };
        to_python(py, finish(&results, Vec::new(), &o))
    }
}

fn input_error(file: String, message: String) -> ErrorRow {
    ErrorRow { kind: goalpost_grade::ErrorKind::Input, file, line: None, field: None, trajectory: None, message }
}

/// Writes the `manifest.json` of the run in `out` from its `results.jsonl` (read a line at a
/// time), and returns its totals (JSON): totals and the tools the catalog has not decided, as `goalpost run` counts them, with
/// the plan, the ledger, the paths given and the files skipped. The file `goalpost report`,
/// `compare` and `gate` take a run by; written last, atomically.
#[pyfunction]
#[pyo3(signature = (specs, out, run_id, started_at, trajectories, cwd, skipped, ledger=None, ledger_hash=None))]
#[allow(clippy::too_many_arguments)]
fn finish_run(
    py: Python<'_>,
    specs: &PySpecs,
    out: PathBuf,
    run_id: &str,
    started_at: &str,
    trajectories: Vec<String>,
    cwd: Option<String>,
    skipped: Vec<(String, String)>,
    ledger: Option<PathBuf>,
    ledger_hash: Option<String>,
) -> PyResult<String> {
    let io = |e: std::io::Error| PyOSError::new_err(e.to_string());
    let results = out.join("results.jsonl");
    let (totals, unlisted) = py
        .detach(|| -> std::io::Result<_> {
            use std::io::BufRead as _;
            let file = fs_err::File::open(&results)?;
            let mut totals = Totals::default();
            let (mut unlisted, mut at) = (Vec::new(), std::collections::HashMap::new());
            for (n, line) in std::io::BufReader::new(file).split(b'\n').enumerate() {
                let line = line?;
                if line.trim_ascii().is_empty() {
                    continue;
                }
                match serde_json::from_slice::<ResultRow>(&line) {
                    Ok(ResultRow::Verdict(v)) => {
                        totals.add_verdict(&v);
                        goalpost_grade::manifest::add_unlisted(&mut unlisted, &mut at, &v);
                    }
                    Ok(ResultRow::Error(_)) => totals.add_error(),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(std::io::Error::other(format!("{}:{}: {e}", results.display(), n + 1)));
                    }
                }
            }
            Ok((totals, unlisted))
        })
        .map_err(io)?;
    let mut m = goalpost_grade::manifest::Manifest::new(run_id, started_at, totals.clone());
    m.record_specs(&specs.set);
    m.trajectories = trajectories;
    m.skipped =
        skipped.into_iter().map(|(path, reason)| goalpost_grade::manifest::SkippedEntry { path, reason }).collect();
    m.unlisted_tools = unlisted;
    m.cwd = cwd;
    if let Some(ledger) = load_ledger(ledger, ledger_hash)? {
        m.ledger = ledger
            .path()
            .zip(ledger.hash())
            .map(|(p, h)| goalpost_grade::manifest::FileHash { path: p.display().to_string(), blake3: h.to_owned() });
    }
    m.write(&out).map_err(|e| PyOSError::new_err(format!("{}: {e}", out.join("manifest.json").display())))?;
    serde_json::to_string(&totals).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The hash of a reviewers' ledger (`None` for an empty one), to check every worker applies
/// the same.
#[pyfunction]
fn ledger_hash(path: PathBuf) -> PyResult<Option<String>> {
    Ok(load_ledger(Some(path), None)?.and_then(|l| l.hash().map(str::to_owned)))
}

/// The results table files of a run directory (`results.parquet`, or its parts in order) or a
/// file; a run directory that did not finish (no whole `manifest.json`) is refused.
#[pyfunction]
fn results_files(path: PathBuf) -> PyResult<Vec<PathBuf>> {
    if path.is_dir() {
        goalpost_grade::manifest::Manifest::load(&path).map_err(|e| PyValueError::new_err(e.to_string()))?;
    }
    let files = goalpost_grade::manifest::results_files(&path);
    if files.is_empty() {
        return Err(PyOSError::new_err(format!(
            "`{}`: no results table (results.parquet, or part-*.parquet)",
            path.display()
        )));
    }
    Ok(files)
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
    m.add_function(wrap_pyfunction!(finish_run, m)?)?;
    m.add_function(wrap_pyfunction!(ledger_hash, m)?)?;
    m.add_function(wrap_pyfunction!(results_files, m)?)?;
    m.add_function(wrap_pyfunction!(columns, m)?)?;
    m.add_function(wrap_pyfunction!(results_header, m)?)?;
    m.add_function(wrap_pyfunction!(project, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("SCHEMA_VERSION", goalpost_grade::table::SCHEMA_VERSION)?;
    Ok(())
}
