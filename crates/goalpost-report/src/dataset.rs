//! Reading results back: one run's `results.parquet`, or every run of a history directory as
//! one data frame, and typed rows for the statistics.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::Error;
use crate::table::COLUMNS;

/// The results table of `path`: a `results.parquet` file, or a run directory holding one.
pub fn results_path(path: &Path) -> PathBuf {
    if path.is_dir() { path.join("results.parquet") } else { path.to_owned() }
}

/// Reads one run's table and checks it is a goalpost results table. A run directory must
/// hold a whole `manifest.json` (a run writes it last): an unfinished or killed run is an
/// error naming it, never a report on part of a run.
pub fn load_run(path: &Path) -> Result<DataFrame, Error> {
    if path.is_dir() {
        goalpost_grade::manifest::Manifest::load(path)?;
    }
    let file = results_path(path);
    let bytes = fs_err::read(&file).map_err(|e| Error::Io { path: file.clone(), source: e })?;
    let df = ParquetReader::new(std::io::Cursor::new(bytes))
        .finish()
        .map_err(|e| Error::Table { path: file.clone(), message: e.to_string() })?;
    check(&file, df)
}

/// Keeps the known columns in their order; a missing one is an error naming it.
fn check(file: &Path, df: DataFrame) -> Result<DataFrame, Error> {
    for name in COLUMNS {
        if df.column(name).is_err() {
            return Err(Error::Table { path: file.to_owned(), message: format!("column `{name}` is missing") });
        }
    }
    df.select(COLUMNS.iter().copied()).map_err(|e| Error::Table { path: file.to_owned(), message: e.to_string() })
}

/// Run directories under `dir` that hold a `results.parquet`, oldest first (run ids begin
/// with their start time).
pub fn history_runs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs_err::read_dir(dir) else { return Vec::new() };
    let mut runs: Vec<PathBuf> =
        entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.join("results.parquet").is_file()).collect();
    runs.sort();
    runs
}

/// Every run of a history as one frame. A table that cannot be read is reported by name and
/// left out; the others still load.
pub fn load_history(dir: &Path) -> (Option<DataFrame>, Vec<Error>) {
    let mut frames = Vec::new();
    let mut problems = Vec::new();
    for run in history_runs(dir) {
        match load_run(&run) {
            Ok(df) => frames.push(df),
            Err(e) => problems.push(e),
        }
    }
    (concat(frames).map_err(|e| problems.push(e)).ok().flatten(), problems)
}

/// Stacks tables of the same layout.
pub fn concat(frames: Vec<DataFrame>) -> Result<Option<DataFrame>, Error> {
    let mut it = frames.into_iter();
    let Some(mut first) = it.next() else { return Ok(None) };
    for df in it {
        first.vstack_mut_owned(df)?;
    }
    first.rechunk_mut_par();
    Ok(Some(first))
}

/// One trajectory (or one input that could not be graded) of a results table.
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryRow {
    pub run_id: String,
    pub started_at: String,
    /// `None` only for an error row whose input named no trajectory.
    pub trajectory: Option<String>,
    pub file: String,
    pub line: Option<u64>,
    pub agent: Option<String>,
    pub agent_revision: Option<String>,
    pub model: Option<String>,
    pub scenario: Option<String>,
    pub tags: Vec<String>,
    pub attempt: Option<u32>,
    /// `pass`, `fail`, `incomplete` or `error`.
    pub status: String,
    pub score: Option<f64>,
    pub objective_met: Option<bool>,
    /// The verdict's note, or the error's message.
    pub message: Option<String>,
    pub field: Option<String>,
    pub evidence: Vec<u32>,
    pub cost_usd: Option<f64>,
    pub tokens: Option<u64>,
    pub duration_s: Option<f64>,
    pub steps: Option<u32>,
    pub files_touched: Vec<String>,
    pub side_effects: Vec<String>,
    pub first_out_of_scope_step: Option<u32>,
    pub source_format: Option<String>,
    pub content_hash: Option<String>,
}

impl TrajectoryRow {
    pub fn passed(&self) -> bool {
        self.status == "pass"
    }
    pub fn is_error(&self) -> bool {
        self.status == "error"
    }
    /// The scenario, or `(none)`: a trajectory graded without one still counts somewhere.
    pub fn scenario_key(&self) -> &str {
        self.scenario.as_deref().unwrap_or("(none)")
    }
    /// Who produced it: `agent@revision`, or the agent alone.
    pub fn revision_key(&self) -> String {
        match (&self.agent, &self.agent_revision) {
            (Some(a), Some(r)) => format!("{a}@{r}"),
            (Some(a), None) => a.clone(),
            (None, Some(r)) => r.clone(),
            (None, None) => "(unknown)".into(),
        }
    }
}

/// One criterion of one trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionRow {
    pub run_id: String,
    pub trajectory: String,
    pub file: String,
    pub attempt: Option<u32>,
    pub scenario: Option<String>,
    pub agent_revision: Option<String>,
    pub criterion: String,
    pub kind: Option<String>,
    pub gating: bool,
    /// `pass`, `fail`, `not_applicable` or `unscored`.
    pub status: String,
    pub reason: Option<String>,
    pub score: Option<f64>,
    pub message: String,
    pub evidence: Vec<u32>,
}

fn strs(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>, Error> {
    Ok(df.column(name)?.str()?.iter().map(|o| o.map(str::to_owned)).collect())
}

fn u32s(df: &DataFrame, name: &str) -> Result<Vec<Option<u32>>, Error> {
    Ok(df.column(name)?.cast(&DataType::UInt32)?.u32()?.iter().collect())
}

fn u64s(df: &DataFrame, name: &str) -> Result<Vec<Option<u64>>, Error> {
    Ok(df.column(name)?.cast(&DataType::UInt64)?.u64()?.iter().collect())
}

fn f64s(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, Error> {
    Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.iter().collect())
}

fn bools(df: &DataFrame, name: &str) -> Result<Vec<Option<bool>>, Error> {
    Ok(df.column(name)?.bool()?.iter().collect())
}

fn str_lists(df: &DataFrame, name: &str) -> Result<Vec<Vec<String>>, Error> {
    let mut out = Vec::with_capacity(df.height());
    for item in df.column(name)?.list()?.amortized_iter() {
        out.push(match item {
            Some(s) => s.as_ref().str()?.iter().flatten().map(str::to_owned).collect(),
            None => Vec::new(),
        });
    }
    Ok(out)
}

fn u32_lists(df: &DataFrame, name: &str) -> Result<Vec<Vec<u32>>, Error> {
    let mut out = Vec::with_capacity(df.height());
    for item in df.column(name)?.list()?.amortized_iter() {
        out.push(match item {
            Some(s) => s.as_ref().cast(&DataType::UInt32)?.u32()?.iter().flatten().collect(),
            None => Vec::new(),
        });
    }
    Ok(out)
}

fn rows_of(df: &DataFrame, kinds: &[&str]) -> Result<DataFrame, Error> {
    let keep: BooleanChunked = df.column("row")?.str()?.iter().map(|r| r.is_some_and(|r| kinds.contains(&r))).collect();
    Ok(df.filter(&keep)?)
}

/// The trajectory and error rows of a table, in table order.
pub fn trajectories(df: &DataFrame) -> Result<Vec<TrajectoryRow>, Error> {
    let df = rows_of(df, &["trajectory", "error"])?;
    let (run_id, started_at, trajectory, file) =
        (strs(&df, "run_id")?, strs(&df, "started_at")?, strs(&df, "trajectory")?, strs(&df, "file")?);
    let (line, agent, agent_revision, model) =
        (u64s(&df, "line")?, strs(&df, "agent")?, strs(&df, "agent_revision")?, strs(&df, "model")?);
    let (scenario, tags, attempt, status) =
        (strs(&df, "scenario")?, str_lists(&df, "tags")?, u32s(&df, "attempt")?, strs(&df, "status")?);
    let (score, objective_met, message, field) =
        (f64s(&df, "score")?, bools(&df, "objective_met")?, strs(&df, "message")?, strs(&df, "field")?);
    let (evidence, cost_usd, tokens, duration_s) =
        (u32_lists(&df, "evidence")?, f64s(&df, "cost_usd")?, u64s(&df, "tokens")?, f64s(&df, "duration_s")?);
    let (steps, files_touched, side_effects, first_oos) = (
        u32s(&df, "steps")?,
        str_lists(&df, "files_touched")?,
        str_lists(&df, "side_effects")?,
        u32s(&df, "first_out_of_scope_step")?,
    );
    let (source_format, content_hash) = (strs(&df, "source_format")?, strs(&df, "content_hash")?);
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        out.push(TrajectoryRow {
            run_id: run_id[i].clone().unwrap_or_default(),
            started_at: started_at[i].clone().unwrap_or_default(),
            trajectory: trajectory[i].clone(),
            file: file[i].clone().unwrap_or_default(),
            line: line[i],
            agent: agent[i].clone(),
            agent_revision: agent_revision[i].clone(),
            model: model[i].clone(),
            scenario: scenario[i].clone(),
            tags: tags[i].clone(),
            attempt: attempt[i],
            status: status[i].clone().unwrap_or_default(),
            score: score[i],
            objective_met: objective_met[i],
            message: message[i].clone(),
            field: field[i].clone(),
            evidence: evidence[i].clone(),
            cost_usd: cost_usd[i],
            tokens: tokens[i],
            duration_s: duration_s[i],
            steps: steps[i],
            files_touched: files_touched[i].clone(),
            side_effects: side_effects[i].clone(),
            first_out_of_scope_step: first_oos[i],
            source_format: source_format[i].clone(),
            content_hash: content_hash[i].clone(),
        });
    }
    Ok(out)
}

/// The criterion rows of a table, in table order.
pub fn criteria(df: &DataFrame) -> Result<Vec<CriterionRow>, Error> {
    let df = rows_of(df, &["criterion"])?;
    let (run_id, trajectory, file, attempt) =
        (strs(&df, "run_id")?, strs(&df, "trajectory")?, strs(&df, "file")?, u32s(&df, "attempt")?);
    let (scenario, agent_revision, criterion, kind) =
        (strs(&df, "scenario")?, strs(&df, "agent_revision")?, strs(&df, "criterion")?, strs(&df, "kind")?);
    let (gating, status, reason, score) =
        (bools(&df, "gating")?, strs(&df, "status")?, strs(&df, "reason")?, f64s(&df, "score")?);
    let (message, evidence) = (strs(&df, "message")?, u32_lists(&df, "evidence")?);
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        out.push(CriterionRow {
            run_id: run_id[i].clone().unwrap_or_default(),
            trajectory: trajectory[i].clone().unwrap_or_default(),
            file: file[i].clone().unwrap_or_default(),
            attempt: attempt[i],
            scenario: scenario[i].clone(),
            agent_revision: agent_revision[i].clone(),
            criterion: criterion[i].clone().unwrap_or_default(),
            kind: kind[i].clone(),
            gating: gating[i].unwrap_or(false),
            status: status[i].clone().unwrap_or_default(),
            reason: reason[i].clone(),
            score: score[i],
            message: message[i].clone().unwrap_or_default(),
            evidence: evidence[i].clone(),
        });
    }
    Ok(out)
}
