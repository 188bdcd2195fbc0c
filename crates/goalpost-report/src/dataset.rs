//! Reading results back: one run's `results.parquet`, or every run of a history directory as
//! one data frame, and typed rows for the statistics.

use std::fmt;
use std::path::{Path, PathBuf};

use goalpost_grade::{ErrorKind, Outcome, Status, Unassessed};
use polars::prelude::*;

use crate::Error;
use crate::table::{COLUMNS, RowKind};

/// The table files of `path` (`goalpost_grade::manifest::results_files`: one owner of a run
/// directory's layout).
pub use goalpost_grade::manifest::results_files;

/// Whether `path` holds a results table ([`results_files`]).
pub fn has_results(path: &Path) -> bool {
    !results_files(path).is_empty()
}

/// Reads one run's table and checks it is a goalpost results table. A run directory must
/// hold a whole `manifest.json` (a run writes it last): an unfinished or killed run is an
/// error naming it, never a report on part of a run.
pub fn load_run(path: &Path) -> Result<DataFrame, Error> {
    if path.is_dir() {
        goalpost_grade::manifest::Manifest::load(path)?;
    }
    let files = results_files(path);
    if files.is_empty() {
        let file = if path.is_dir() { path.join("results.parquet") } else { path.to_owned() };
        return Err(Error::Read { path: file, source: std::io::Error::from(std::io::ErrorKind::NotFound) });
    }
    let mut frames = Vec::with_capacity(files.len());
    for file in files {
        let bytes = fs_err::read(&file).map_err(|e| Error::Read { path: file.clone(), source: e })?;
        let df = ParquetReader::new(std::io::Cursor::new(bytes))
            .finish()
            .map_err(|e| Error::Unreadable { path: file.clone(), source: e })?;
        frames.push(check(&file, df)?);
    }
    Ok(concat(frames)?.unwrap_or_default())
}

/// Keeps the known columns in their order; a missing one is an error naming it, and so is a
/// row kind or status this build does not know (so that a history names the table and leaves
/// it out, rather than fail on the whole history later).
fn check(file: &Path, mut df: DataFrame) -> Result<DataFrame, Error> {
    // Tables written before reviewers' decisions had no decision columns: none applied then.
    let mut older = false;
    for &column in crate::table::DECISION_COLUMNS {
        if df.column(column).is_err() {
            older = true;
            let empty = Series::full_null(column.into(), df.height(), &DataType::String);
            df.with_column(empty.into_column())?;
        }
    }
    // Tables written before teams and estimated costs: no team named, no cost estimated.
    for (column, dtype) in [("team", DataType::String), ("cost_estimated", DataType::Boolean)] {
        if df.column(column).is_err() {
            let empty = Series::full_null(column.into(), df.height(), &dtype);
            df.with_column(empty.into_column())?;
        }
    }
    if older && df.column("row").is_ok() && df.column("scenario").is_ok() && df.column("status").is_ok() {
        df = unassessed_in_older(df).map_err(|e| match e {
            Error::Polars(source) => Error::Unreadable { path: file.to_owned(), source },
            other => other,
        })?;
    }
    for &column in COLUMNS {
        if df.column(column).is_err() {
            return Err(Error::MissingColumn { path: file.to_owned(), column });
        }
    }
    let in_file = |e: Error| match e {
        Error::Value(source) => Error::BadTable { path: file.to_owned(), source },
        Error::Polars(source) => Error::Unreadable { path: file.to_owned(), source },
        other => other,
    };
    let df = df.select(COLUMNS.iter().copied()).map_err(Error::from).map_err(in_file)?;
    typed_rows(&df).map_err(in_file)?;
    Ok(df)
}

/// A table written before the `unassessed` outcome called a trajectory graded with no scenario
/// a pass: read it as this build grades it, unassessed (`no_scenario`), so that one history
/// never counts by two rules.
fn unassessed_in_older(mut df: DataFrame) -> Result<DataFrame, Error> {
    let (row, scenario) = (strs(&df, "row")?, strs(&df, "scenario")?);
    let (mut status, mut reason, mut passed) = (strs(&df, "status")?, strs(&df, "reason")?, bools(&df, "passed")?);
    let mut changed = false;
    for i in 0..df.height() {
        let trajectory = row[i].as_deref() == Some(RowKind::Trajectory.as_str());
        if trajectory && scenario[i].is_none() && status[i].as_deref() == Some(Outcome::Pass.as_str()) {
            status[i] = Some(Outcome::Unassessed.as_str().to_owned());
            reason[i] = Some(Unassessed::NoScenario.as_str().to_owned());
            passed[i] = None;
            changed = true;
        }
    }
    if changed {
        df.with_column(Series::new("status".into(), status).into_column())?;
        df.with_column(Series::new("reason".into(), reason).into_column())?;
        df.with_column(Series::new("passed".into(), passed).into_column())?;
    }
    Ok(df)
}

/// Run directories under `dir` that hold a results table (`results.parquet`, or parts),
/// oldest first (run ids begin with their start time).
pub fn history_runs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs_err::read_dir(dir) else { return Vec::new() };
    let mut runs: Vec<PathBuf> =
        entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir() && has_results(p)).collect();
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

/// How a trajectory row of a results table came out: the `status` column of `trajectory` and
/// `error` rows, and the `reason` column of error rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    /// A graded trajectory's outcome.
    Verdict(Outcome),
    /// An input that could not be graded, and whose fault that is: `None` in tables written
    /// before error rows recorded it.
    Error(Option<ErrorKind>),
}

impl RowStatus {
    /// The `status` column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::Verdict(o) => o.as_str(),
            RowStatus::Error(_) => "error",
        }
    }
}

/// A value of a results table this build does not know (a newer goalpost wrote the table, or
/// it was edited), or a cell empty that must not be: never read as some default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub column: &'static str,
    /// The kind of the row, when the value depends on it (`status`, `reason`).
    pub row: Option<RowKind>,
    /// The value as found (at most 100 characters); `None` when the cell is empty.
    pub value: Option<String>,
}

impl ValueError {
    fn new(column: &'static str, row: Option<RowKind>, value: Option<&str>) -> ValueError {
        ValueError { column, row, value: value.map(|v| v.chars().take(100).collect()) }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column `{}`", self.column)?;
        if let Some(row) = self.row {
            let article = match row {
                RowKind::Error => "an",
                RowKind::Trajectory | RowKind::Criterion => "a",
            };
            write!(f, " of {article} `{}` row", row.as_str())?;
        }
        match &self.value {
            // The value came from a file: shown with its control characters escaped.
            Some(v) => write!(f, ": unknown value `{}`", goalpost_trajectory::text::visible(v)),
            None => write!(f, " is empty"),
        }
    }
}

impl std::error::Error for ValueError {}

/// One row's typed status.
#[derive(Debug, Clone, Copy)]
enum Typed {
    /// A trajectory or error row.
    Trajectory(RowStatus),
    Criterion(Status),
}

fn typed(row: Option<&str>, status: Option<&str>, reason: Option<&str>) -> Result<Typed, ValueError> {
    let kind = row.and_then(RowKind::parse).ok_or_else(|| ValueError::new("row", None, row))?;
    let bad = |column, value| ValueError::new(column, Some(kind), value);
    match kind {
        RowKind::Trajectory => {
            if reason.is_some_and(|r| Unassessed::parse(r).is_none()) {
                return Err(bad("reason", reason));
            }
            status
                .and_then(Outcome::parse)
                .map(|o| Typed::Trajectory(RowStatus::Verdict(o)))
                .ok_or_else(|| bad("status", status))
        }
        RowKind::Error if status == Some(RowStatus::Error(None).as_str()) => match reason {
            None => Ok(Typed::Trajectory(RowStatus::Error(None))),
            Some(r) => ErrorKind::parse(r)
                .map(|k| Typed::Trajectory(RowStatus::Error(Some(k))))
                .ok_or_else(|| bad("reason", reason)),
        },
        RowKind::Error => Err(bad("status", status)),
        RowKind::Criterion => status.and_then(Status::parse).map(Typed::Criterion).ok_or_else(|| bad("status", status)),
    }
}

/// Every row's typed status, in table order.
fn typed_rows(df: &DataFrame) -> Result<Vec<Typed>, Error> {
    let (row, status, reason) = (df.column("row")?.str()?, df.column("status")?.str()?, df.column("reason")?.str()?);
    let mut out = Vec::with_capacity(df.height());
    for ((r, s), why) in row.iter().zip(status.iter()).zip(reason.iter()) {
        out.push(typed(r, s, why)?);
    }
    Ok(out)
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
    /// The team that owns the trajectory's scenario (or the run's), when one is named.
    pub team: Option<String>,
    pub attempt: Option<u32>,
    pub status: RowStatus,
    /// Why the objective was not assessed, when it was not (`reason` of a trajectory row).
    pub unassessed: Option<Unassessed>,
    pub score: Option<f64>,
    pub objective_met: Option<bool>,
    /// The verdict's note, or the error's message.
    pub message: Option<String>,
    pub field: Option<String>,
    pub evidence: Vec<u32>,
    pub cost_usd: Option<f64>,
    /// Whether `cost_usd` was estimated from tokens with the price table.
    pub cost_estimated: bool,
    pub tokens: Option<u64>,
    pub duration_s: Option<f64>,
    pub steps: Option<u32>,
    pub files_touched: Vec<String>,
    pub side_effects: Vec<String>,
    pub first_out_of_scope_step: Option<u32>,
    pub source_format: Option<String>,
    pub content_hash: Option<String>,
    /// The grader's outcome, when a reviewer's decision on a criterion changed it (or not):
    /// `None` when no decision applies.
    pub graded_status: Option<Outcome>,
}

impl TrajectoryRow {
    /// Whether a reviewer's decision overturned the grader's failure of this trajectory (it is
    /// now a pass, or awaits another decision, or its objective was not assessed).
    pub fn overturned(&self) -> bool {
        self.graded_status == Some(Outcome::Fail) && self.status != RowStatus::Verdict(Outcome::Fail)
    }
    /// Whether it counts as a pass: only a verdict of pass does.
    pub fn passed(&self) -> bool {
        match self.status {
            RowStatus::Verdict(Outcome::Pass) => true,
            RowStatus::Verdict(Outcome::Fail | Outcome::Incomplete | Outcome::Review | Outcome::Unassessed)
            | RowStatus::Error(_) => false,
        }
    }
    /// Whether the input could not be graded (it has no verdict, no score).
    pub fn is_error(&self) -> bool {
        match self.status {
            RowStatus::Error(_) => true,
            RowStatus::Verdict(
                Outcome::Pass | Outcome::Fail | Outcome::Incomplete | Outcome::Review | Outcome::Unassessed,
            ) => false,
        }
    }
    /// Whether a human's decision is awaited: shown with its evidence, never a pass or a fail.
    pub fn in_review(&self) -> bool {
        match self.status {
            RowStatus::Verdict(Outcome::Review) => true,
            RowStatus::Verdict(Outcome::Pass | Outcome::Fail | Outcome::Incomplete | Outcome::Unassessed)
            | RowStatus::Error(_) => false,
        }
    }
    /// Whether the objective was assessed: a trajectory whose objective was not is outside
    /// every pass rate's denominator (its own group), and never a pass.
    pub fn assessed(&self) -> bool {
        match self.status {
            RowStatus::Verdict(Outcome::Unassessed) => false,
            RowStatus::Verdict(Outcome::Pass | Outcome::Fail | Outcome::Incomplete | Outcome::Review)
            | RowStatus::Error(_) => true,
        }
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
    pub status: Status,
    /// Why it is unscored (`missing_data`, `infra`, `timeout`, `grader_error`).
    pub reason: Option<String>,
    pub score: Option<f64>,
    pub message: String,
    pub evidence: Vec<u32>,
    /// The reviewer's decision, when one applies.
    pub decision: Option<DecisionView>,
}

/// A reviewer's decision on a criterion, as a results table records it.
pub use goalpost_grade::ledger::Decided as DecisionView;

impl CriterionRow {
    /// Whether it is a failure: reported with its evidence, gated on, shown on review pages.
    pub fn failed(&self) -> bool {
        match self.status {
            Status::Fail => true,
            Status::Pass | Status::NotApplicable | Status::Unscored | Status::Review => false,
        }
    }
    /// Whether it awaits a human's decision: reported with its evidence like a failure, gated
    /// on by its own rule.
    pub fn in_review(&self) -> bool {
        match self.status {
            Status::Review => true,
            Status::Pass | Status::Fail | Status::NotApplicable | Status::Unscored => false,
        }
    }
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

/// The trajectory and error rows of a table, in table order. A row kind, status or error kind
/// this build does not know is an error naming the column and the value.
pub fn trajectories(df: &DataFrame) -> Result<Vec<TrajectoryRow>, Error> {
    let mut status = Vec::new();
    let mut keep = Vec::with_capacity(df.height());
    for t in typed_rows(df)? {
        keep.push(match t {
            Typed::Trajectory(s) => {
                status.push(s);
                true
            }
            Typed::Criterion(_) => false,
        });
    }
    let df = df.filter(&BooleanChunked::from_slice(PlSmallStr::EMPTY, &keep))?;
    let (run_id, started_at, trajectory, file) =
        (strs(&df, "run_id")?, strs(&df, "started_at")?, strs(&df, "trajectory")?, strs(&df, "file")?);
    let (line, agent, agent_revision, model) =
        (u64s(&df, "line")?, strs(&df, "agent")?, strs(&df, "agent_revision")?, strs(&df, "model")?);
    let (scenario, tags, attempt) = (strs(&df, "scenario")?, str_lists(&df, "tags")?, u32s(&df, "attempt")?);
    let team = strs(&df, "team")?;
    let (score, objective_met, message, field) =
        (f64s(&df, "score")?, bools(&df, "objective_met")?, strs(&df, "message")?, strs(&df, "field")?);
    let (evidence, cost_usd, tokens, duration_s) =
        (u32_lists(&df, "evidence")?, f64s(&df, "cost_usd")?, u64s(&df, "tokens")?, f64s(&df, "duration_s")?);
    // Runs written before costs could be estimated have no such column: none was.
    let cost_estimated = bools(&df, "cost_estimated")?;
    let (steps, files_touched, side_effects, first_oos) = (
        u32s(&df, "steps")?,
        str_lists(&df, "files_touched")?,
        str_lists(&df, "side_effects")?,
        u32s(&df, "first_out_of_scope_step")?,
    );
    let (source_format, content_hash) = (strs(&df, "source_format")?, strs(&df, "content_hash")?);
    let reason = strs(&df, "reason")?;
    let graded = strs(&df, "graded_status")?;
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
            team: team[i].clone(),
            attempt: attempt[i],
            status: status[i],
            unassessed: match status[i] {
                RowStatus::Verdict(_) => reason[i].as_deref().and_then(Unassessed::parse),
                RowStatus::Error(_) => None,
            },
            score: score[i],
            objective_met: objective_met[i],
            message: message[i].clone(),
            field: field[i].clone(),
            evidence: evidence[i].clone(),
            cost_usd: cost_usd[i],
            cost_estimated: cost_estimated[i].unwrap_or(false),
            tokens: tokens[i],
            duration_s: duration_s[i],
            steps: steps[i],
            files_touched: files_touched[i].clone(),
            side_effects: side_effects[i].clone(),
            first_out_of_scope_step: first_oos[i],
            source_format: source_format[i].clone(),
            content_hash: content_hash[i].clone(),
            graded_status: match graded[i].as_deref() {
                None => None,
                Some(g) => Some(
                    Outcome::parse(g)
                        .ok_or_else(|| ValueError::new("graded_status", Some(RowKind::Trajectory), Some(g)))?,
                ),
            },
        });
    }
    Ok(out)
}

/// The criterion rows of a table, in table order. A row kind or status this build does not
/// know is an error naming the column and the value.
pub fn criteria(df: &DataFrame) -> Result<Vec<CriterionRow>, Error> {
    let mut status = Vec::new();
    let mut keep = Vec::with_capacity(df.height());
    for t in typed_rows(df)? {
        keep.push(match t {
            Typed::Criterion(s) => {
                status.push(s);
                true
            }
            Typed::Trajectory(_) => false,
        });
    }
    let df = df.filter(&BooleanChunked::from_slice(PlSmallStr::EMPTY, &keep))?;
    let (run_id, trajectory, file, attempt) =
        (strs(&df, "run_id")?, strs(&df, "trajectory")?, strs(&df, "file")?, u32s(&df, "attempt")?);
    let (scenario, agent_revision, criterion, kind) =
        (strs(&df, "scenario")?, strs(&df, "agent_revision")?, strs(&df, "criterion")?, strs(&df, "kind")?);
    let (gating, reason, score) = (bools(&df, "gating")?, strs(&df, "reason")?, f64s(&df, "score")?);
    let (message, evidence) = (strs(&df, "message")?, u32_lists(&df, "evidence")?);
    let (graded, decision, by, at, why) = (
        strs(&df, "graded_status")?,
        strs(&df, "decision")?,
        strs(&df, "decided_by")?,
        strs(&df, "decided_at")?,
        strs(&df, "decision_why")?,
    );
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
            status: status[i],
            reason: reason[i].clone(),
            score: score[i],
            message: message[i].clone().unwrap_or_default(),
            evidence: evidence[i].clone(),
            decision: match (decision[i].as_deref().and_then(goalpost_grade::ledger::Verb::parse), graded[i].as_deref())
            {
                (Some(d), Some(was)) => Some(DecisionView {
                    decision: d,
                    was: Status::parse(was)
                        .ok_or_else(|| ValueError::new("graded_status", Some(RowKind::Criterion), Some(was)))?,
                    by: by[i].clone().unwrap_or_default(),
                    at: at[i].clone().unwrap_or_default(),
                    why: why[i].clone().unwrap_or_default(),
                }),
                _ => None,
            },
        });
    }
    Ok(out)
}

/// Applies the reviewers' ledger to a results table (one run, or a history): a criterion a
/// decision answers takes the decided status (the grader's is kept in `graded_status`, with
/// who decided, when and why), and its trajectory is settled again as the grader settles a
/// verdict (`goalpost_grade::settle`). Decisions made after the run count as much as those
/// the run applied; one that no longer answers the grader's status is not applied.
pub fn apply_ledger(df: DataFrame, ledger: &goalpost_grade::ledger::Ledger) -> Result<DataFrame, Error> {
    if ledger.decisions().next().is_none() {
        return Ok(df);
    }
    let n = df.height();
    let (row, hash, crit, kind) =
        (strs(&df, "row")?, strs(&df, "content_hash")?, strs(&df, "criterion")?, strs(&df, "kind")?);
    let (gating, weight) = (bools(&df, "gating")?, f64s(&df, "weight")?);
    let (mut status, mut score, mut passed) = (strs(&df, "status")?, f64s(&df, "score")?, bools(&df, "passed")?);
    let (mut objective_met, mut reason, mut graded) =
        (bools(&df, "objective_met")?, strs(&df, "reason")?, strs(&df, "graded_status")?);
    let (mut decision, mut by, mut at, mut why) =
        (strs(&df, "decision")?, strs(&df, "decided_by")?, strs(&df, "decided_at")?, strs(&df, "decision_why")?);
    let is = |i: usize, k: RowKind| row[i].as_deref() == Some(k.as_str());
    let kind_of = |i: usize| -> Option<goalpost_spec::CriterionKind> {
        serde_json::from_value(serde_json::Value::String(kind[i].clone()?)).ok()
    };
    let mut changed = false;
    let mut i = 0;
    while i < n {
        if !is(i, RowKind::Trajectory) {
            i += 1;
            continue;
        }
        let t = i;
        let mut end = t + 1;
        while end < n && is(end, RowKind::Criterion) {
            end += 1;
        }
        let mut any = false;
        for k in t + 1..end {
            let (Some(h), Some(c)) = (&hash[k], &crit[k]) else { continue };
            // A criterion the run decided already answers by the grader's status.
            let was = graded[k].clone().or_else(|| status[k].clone());
            let Some(graded_status) = was.as_deref().and_then(Status::parse) else { continue };
            let goalpost_grade::ledger::Answer::Applies(d) = ledger.answer(h, c, graded_status) else { continue };
            status[k] = Some(d.decision.status().as_str().to_owned());
            score[k] = Some(d.score());
            reason[k] = None;
            graded[k] = was;
            decision[k] = Some(d.decision.as_str().to_owned());
            by[k] = Some(d.by.clone());
            at[k] = Some(d.at.clone());
            why[k] = Some(d.why.clone());
            any = true;
        }
        if any {
            let settle = |pick: &dyn Fn(usize) -> Option<String>| {
                let crits: Vec<_> = (t + 1..end)
                    .filter_map(|k| Some((kind_of(k)?, gating[k].unwrap_or(false), Status::parse(&pick(k)?)?)))
                    .collect();
                goalpost_grade::settle(&crits)
            };
            let now = settle(&|k| status[k].clone());
            let before = settle(&|k| graded[k].clone().or_else(|| status[k].clone()));
            status[t] = Some(now.outcome.as_str().to_owned());
            passed[t] = now.outcome.passed();
            objective_met[t] = now.objective_met;
            score[t] = Some(goalpost_grade::score((t + 1..end).map(|k| (weight[k].unwrap_or(0.0), score[k]))));
            reason[t] = if now.assessed {
                None
            } else {
                reason[t].clone().or_else(|| Some(goalpost_grade::Unassessed::NoObjectiveCriteria.as_str().to_owned()))
            };
            if graded[t].is_none() {
                graded[t] = Some(before.outcome.as_str().to_owned());
            }
            changed = true;
        }
        i = end;
    }
    if !changed {
        return Ok(df);
    }
    let mut df = df;
    for c in [
        Series::new("status".into(), status).into_column(),
        Series::new("score".into(), score).into_column(),
        Series::new("passed".into(), passed).into_column(),
        Series::new("objective_met".into(), objective_met).into_column(),
        Series::new("reason".into(), reason).into_column(),
        Series::new("graded_status".into(), graded).into_column(),
        Series::new("decision".into(), decision).into_column(),
        Series::new("decided_by".into(), by).into_column(),
        Series::new("decided_at".into(), at).into_column(),
        Series::new("decision_why".into(), why).into_column(),
    ] {
        df.with_column(c)?;
    }
    Ok(df)
}
