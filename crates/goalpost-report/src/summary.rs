//! The nightly summary: what `goalpost report RUN_DIR` computes before it is rendered as
//! `summary.md` and `report.html`. Aggregates are plain Rust over the results table's columns;
//! every denominator counts every trajectory found, errored and incomplete ones included.

use std::collections::BTreeMap;
use std::path::Path;

use goalpost_grade::{Outcome, Status};
use polars::prelude::*;
use serde::Serialize;

use crate::Error;
use crate::dataset::{self, CriterionRow, RowStatus, TrajectoryRow};
use crate::review::Review;
use crate::stats::{self, Interval};
use crate::table::RowKind;

pub use crate::stats::Z95;

/// Pass counts over a group of trajectories.
/// `found = passed + failed + review + incomplete + errored + unassessed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub found: u64,
    pub passed: u64,
    pub failed: u64,
    /// Awaiting a human's decision: neither passed nor failed, and counted in `found`.
    pub review: u64,
    pub incomplete: u64,
    pub errored: u64,
    /// Graded, but the objective was never assessed (no scenario, no harness report): counted
    /// in `found`, outside the pass rate's denominator.
    pub unassessed: u64,
    /// Trajectories a reviewer's decision settled (counted in their outcome's column too).
    pub decided: u64,
    /// Of those, failures a reviewer turned into passes: counted as passes, and here.
    pub overturned: u64,
    /// `passed / (found - unassessed)`: an errored, incomplete or review trajectory is not a
    /// pass, and stays counted; one whose objective was not assessed is its own group.
    pub pass_rate: f64,
    /// Wilson 95% interval of the pass rate.
    pub pass_ci: Interval,
    /// Mean score over graded trajectories whose objective was assessed (errors have none).
    pub mean_score: Option<f64>,
    /// Sum over trajectories that report a cost; `cost_reported` says how many did.
    pub cost_usd: Option<f64>,
    pub cost_reported: u64,
    /// Of `cost_reported`, the costs estimated from tokens with the price table.
    pub cost_estimated: u64,
    pub tokens: Option<u64>,
}

impl Counts {
    /// The pass rate's denominator: every trajectory found but those whose objective was not
    /// assessed.
    pub fn assessed(&self) -> u64 {
        self.found - self.unassessed
    }
}

/// The group of trajectories whose scenario (and run) name no team.
pub const NO_TEAM: &str = "(no team)";

/// A row of a by-scenario, by-agent, by-tag or by-team table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub key: String,
    #[serde(flatten)]
    pub counts: Counts,
}

/// How one criterion came out across the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CriterionCounts {
    pub criterion: String,
    pub gating: bool,
    pub pass: u64,
    pub fail: u64,
    pub review: u64,
    pub not_applicable: u64,
    pub unscored: u64,
    /// `pass / (pass + fail)`; `None` when nothing was scored.
    pub pass_rate: Option<f64>,
}

/// One failed criterion of one trajectory, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub trajectory: String,
    pub scenario: Option<String>,
    pub agent: String,
    pub file: String,
    pub message: String,
    pub evidence: Vec<u32>,
    /// Anchor of the trajectory's review page in `report.html`.
    pub review: Option<String>,
}

/// The failures of one criterion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailureGroup {
    pub criterion: String,
    pub gating: bool,
    pub failures: Vec<Failure>,
}

/// A reviewer's decision applied to a criterion of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionEntry {
    pub trajectory: String,
    pub file: String,
    pub criterion: String,
    #[serde(flatten)]
    pub decision: crate::dataset::DecisionView,
}

/// Every decision applied to the run's criteria, in table order.
pub fn decisions(crits: &[CriterionRow]) -> Vec<DecisionEntry> {
    crits
        .iter()
        .filter_map(|c| {
            Some(DecisionEntry {
                trajectory: c.trajectory.clone(),
                file: c.file.clone(),
                criterion: c.criterion.clone(),
                decision: c.decision.clone()?,
            })
        })
        .collect()
}

/// Trajectories whose objective was not assessed, for one reason: their own group, outside
/// every pass rate's denominator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnassessedGroup {
    /// The reason's name (`no_scenario`, ...).
    pub reason: &'static str,
    /// The reason as a reader is told it.
    pub description: &'static str,
    pub count: u64,
    /// The first trajectories (at most [`UNASSESSED_SHOWN`]), in table order.
    pub trajectories: Vec<String>,
}

/// How many trajectories an [`UnassessedGroup`] names.
pub const UNASSESSED_SHOWN: usize = 20;

/// Groups the trajectories whose objective was not assessed by their reason.
pub fn unassessed_groups(rows: &[TrajectoryRow]) -> Vec<UnassessedGroup> {
    let mut by: BTreeMap<Option<goalpost_grade::Unassessed>, UnassessedGroup> = BTreeMap::new();
    for r in rows.iter().filter(|r| !r.assessed()) {
        let g = by.entry(r.unassessed).or_insert_with(|| UnassessedGroup {
            reason: r.unassessed.map_or("unknown", |u| u.as_str()),
            description: r.unassessed.map_or("the table does not record why", |u| u.describe()),
            count: 0,
            trajectories: Vec::new(),
        });
        g.count += 1;
        if g.trajectories.len() < UNASSESSED_SHOWN {
            g.trajectories.push(r.trajectory.clone().unwrap_or_default());
        }
    }
    by.into_values().collect()
}

/// An input that could not be graded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorEntry {
    pub file: String,
    pub line: Option<u64>,
    pub field: Option<String>,
    pub trajectory: Option<String>,
    pub message: String,
}

/// One run of the history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    pub run_id: String,
    pub started_at: String,
    pub found: u64,
    /// Found, less those whose objective was not assessed: the pass rate's denominator.
    pub assessed: u64,
    pub passed: u64,
    pub pass_rate: f64,
    pub cost_usd: Option<f64>,
}

/// Everything the nightly summary shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub run_id: String,
    pub started_at: String,
    pub overall: Counts,
    /// Cost divided by trajectories passed; `None` when nothing passed or no cost is known.
    pub cost_per_solved: Option<f64>,
    pub by_scenario: Vec<Group>,
    pub by_agent: Vec<Group>,
    pub by_tag: Vec<Group>,
    /// Cost and pass rate per owning team (empty when no trajectory names one; those that
    /// name none are the group `(no team)`).
    pub by_team: Vec<Group>,
    pub by_criterion: Vec<CriterionCounts>,
    pub failures: Vec<FailureGroup>,
    /// The trajectories whose objective was not assessed, by reason.
    pub unassessed: Vec<UnassessedGroup>,
    /// The reviewers' decisions applied (from the run, and from the ledger since).
    pub decisions: Vec<DecisionEntry>,
    pub errors: Vec<ErrorEntry>,
    /// The last runs of the history, oldest first, this run included.
    pub trend: Vec<TrendPoint>,
    pub reviews: Vec<Review>,
    /// History tables that could not be read (named), and other things the reader should know.
    pub notes: Vec<String>,
}

/// Counts over trajectory rows.
pub fn counts<'a>(rows: impl IntoIterator<Item = &'a TrajectoryRow>) -> Counts {
    let mut c = Counts::default();
    let (mut score_sum, mut scored) = (0.0, 0u64);
    let (mut cost, mut tokens, mut tokens_seen) = (0.0, 0u64, false);
    for r in rows {
        c.found += 1;
        c.decided += u64::from(r.graded_status.is_some());
        c.overturned += u64::from(r.overturned());
        match r.status {
            RowStatus::Verdict(Outcome::Pass) => c.passed += 1,
            RowStatus::Verdict(Outcome::Fail) => c.failed += 1,
            RowStatus::Verdict(Outcome::Review) => c.review += 1,
            RowStatus::Verdict(Outcome::Incomplete) => c.incomplete += 1,
            RowStatus::Verdict(Outcome::Unassessed) => c.unassessed += 1,
            RowStatus::Error(_) => c.errored += 1,
        }
        if let Some(s) = r.score.filter(|_| !r.is_error() && r.assessed()) {
            score_sum += s;
            scored += 1;
        }
        if let Some(x) = r.cost_usd {
            cost += x;
            c.cost_reported += 1;
            c.cost_estimated += u64::from(r.cost_estimated);
        }
        if let Some(t) = r.tokens {
            tokens += t;
            tokens_seen = true;
        }
    }
    let assessed = c.assessed();
    c.pass_rate = if assessed == 0 { 0.0 } else { c.passed as f64 / assessed as f64 };
    c.pass_ci = stats::wilson(c.passed, assessed, Z95);
    c.mean_score = (scored > 0).then(|| score_sum / scored as f64);
    c.cost_usd = (c.cost_reported > 0).then_some(cost);
    c.tokens = tokens_seen.then_some(tokens);
    c
}

fn groups<'a>(rows: &'a [TrajectoryRow], keys: impl Fn(&'a TrajectoryRow) -> Vec<String>) -> Vec<Group> {
    let mut by: BTreeMap<String, Vec<&TrajectoryRow>> = BTreeMap::new();
    for r in rows {
        for k in keys(r) {
            by.entry(k).or_default().push(r);
        }
    }
    by.into_iter().map(|(key, rs)| Group { key, counts: counts(rs) }).collect()
}

/// Per-criterion counts over the criterion rows, by criterion name in byte order.
pub fn criterion_counts(df: &DataFrame) -> Result<Vec<CriterionCounts>, Error> {
    let (row, criterion) = (df.column("row")?.str()?, df.column("criterion")?.str()?);
    let (gating, status) = (df.column("gating")?.bool()?, df.column("status")?.str()?);
    // An empty name is a group of its own, first (as polars sorted a null key).
    let mut by: BTreeMap<Option<&str>, CriterionCounts> = BTreeMap::new();
    for (((kind, name), gating), status) in row.iter().zip(criterion.iter()).zip(gating.iter()).zip(status.iter()) {
        if kind != Some(RowKind::Criterion.as_str()) {
            continue;
        }
        let c = by.entry(name).or_default();
        c.gating |= gating == Some(true);
        match status.and_then(Status::parse) {
            Some(Status::Pass) => c.pass += 1,
            Some(Status::Fail) => c.fail += 1,
            Some(Status::Review) => c.review += 1,
            Some(Status::NotApplicable) => c.not_applicable += 1,
            Some(Status::Unscored) => c.unscored += 1,
            None => {}
        }
    }
    Ok(by
        .into_iter()
        .map(|(name, c)| CriterionCounts {
            criterion: name.unwrap_or_default().to_owned(),
            pass_rate: (c.pass + c.fail > 0).then(|| c.pass as f64 / (c.pass + c.fail) as f64),
            ..c
        })
        .collect())
}

/// Compensated (Kahan) summation in row order: how polars summed a group's costs, so that a
/// trend's costs are what they were to the last bit.
#[derive(Debug, Default)]
struct KahanSum {
    sum: f64,
    err: f64,
}

impl KahanSum {
    fn add(&mut self, x: f64) {
        let y = x - self.err;
        let sum = self.sum + y;
        let err = (sum - self.sum) - y;
        self.sum = sum;
        // Keeps the error finite, so that no NaN comes of `inf - inf`.
        if err.is_finite() {
            self.err = err;
        }
    }
}

/// One run's trajectory and error rows, added up.
#[derive(Debug, Default)]
struct RunTotals {
    found: u64,
    passed: u64,
    unassessed: u64,
    cost: KahanSum,
    /// A run of one row has that row's cost as its sum, as is.
    only_cost: Option<f64>,
    cost_reported: u64,
}

/// Pass rate and cost of each run of a history, oldest first (by start time, then run id).
pub fn trend(df: &DataFrame, last: usize) -> Result<Vec<TrendPoint>, Error> {
    let (row, run_id, started_at) =
        (df.column("row")?.str()?, df.column("run_id")?.str()?, df.column("started_at")?.str()?);
    let status = df.column("status")?.str()?;
    let cost = df.column("cost_usd")?.cast(&DataType::Float64)?;
    let cost = cost.f64()?;
    let counted = [RowKind::Trajectory.as_str(), RowKind::Error.as_str()];
    let mut by: BTreeMap<(Option<&str>, Option<&str>), RunTotals> = BTreeMap::new();
    let rows = row.iter().zip(run_id.iter()).zip(started_at.iter()).zip(status.iter()).zip(cost.iter());
    for ((((kind, run), started), status), cost) in rows {
        if !kind.is_some_and(|k| counted.contains(&k)) {
            continue;
        }
        let t = by.entry((started, run)).or_default();
        t.found += 1;
        t.passed += u64::from(status == Some(Outcome::Pass.as_str()));
        t.unassessed += u64::from(status == Some(Outcome::Unassessed.as_str()));
        t.only_cost = cost;
        if let Some(x) = cost {
            t.cost.add(x);
            t.cost_reported += 1;
        }
    }
    let n = by.len();
    Ok(by
        .into_iter()
        .skip(n.saturating_sub(last))
        .map(|((started, run), t)| {
            let assessed = t.found.saturating_sub(t.unassessed);
            let cost = if t.found == 1 { t.only_cost.unwrap_or(0.0) } else { t.cost.sum };
            TrendPoint {
                run_id: run.unwrap_or_default().to_owned(),
                started_at: started.unwrap_or_default().to_owned(),
                found: t.found,
                assessed,
                passed: t.passed,
                pass_rate: if assessed == 0 { 0.0 } else { t.passed as f64 / assessed as f64 },
                cost_usd: (t.cost_reported > 0).then_some(cost),
            }
        })
        .collect())
}

/// How many runs the trend shows.
pub const TREND_RUNS: usize = 30;

/// Builds the report of the run in `run_dir`, with the trend over `history` (the run's own
/// parent directory when not given).
pub fn build(run_dir: &Path, history: Option<&Path>) -> Result<Report, Error> {
    build_with(run_dir, history, &goalpost_grade::ledger::Ledger::empty())
}

/// [`build`], with the reviewers' decisions of `ledger` applied to the run and its history.
pub fn build_with(
    run_dir: &Path,
    history: Option<&Path>,
    ledger: &goalpost_grade::ledger::Ledger,
) -> Result<Report, Error> {
    let df = dataset::apply_ledger(dataset::load_run(run_dir)?, ledger)?;
    let rows = dataset::trajectories(&df)?;
    let crits = dataset::criteria(&df)?;
    let overall = counts(&rows);
    let run_id = rows.first().map(|r| r.run_id.clone()).unwrap_or_default();
    let started_at = rows.first().map(|r| r.started_at.clone()).unwrap_or_default();

    let mut notes = Vec::new();
    let history_dir = history.map(Path::to_owned).or_else(|| run_dir.parent().map(Path::to_owned));
    let mut history_df = None;
    if let Some(h) = &history_dir {
        let (frame, problems) = dataset::load_history(h);
        notes.extend(problems.iter().map(|p| format!("history: {}", p.with_causes())));
        history_df = frame.map(|f| dataset::apply_ledger(f, ledger)).transpose()?;
    }
    // The run itself is always in its trend, whether or not it lives in the history.
    let trend_df = match history_df {
        Some(h) if h.column("run_id")?.str()?.iter().any(|r| r == Some(run_id.as_str())) => h,
        Some(h) => dataset::concat(vec![h, df.clone()])?.unwrap_or(df.clone()),
        None => df.clone(),
    };

    let reviews = crate::review::reviews(&rows, &crits);
    let anchor_of: BTreeMap<(&str, &str), &str> =
        reviews.iter().map(|r| ((r.file.as_str(), r.trajectory.as_str()), r.anchor.as_str())).collect();
    Ok(Report {
        cost_per_solved: overall.cost_usd.filter(|_| overall.passed > 0).map(|c| c / overall.passed as f64),
        by_scenario: groups(&rows, |r| vec![r.scenario_key().to_owned()]),
        by_agent: groups(&rows, |r| vec![r.revision_key()]),
        by_tag: groups(&rows, |r| r.tags.clone()),
        by_team: if rows.iter().any(|r| r.team.is_some()) {
            groups(&rows, |r| vec![r.team.clone().unwrap_or_else(|| NO_TEAM.to_owned())])
        } else {
            Vec::new()
        },
        by_criterion: criterion_counts(&df)?,
        failures: failures(&rows, &crits, &anchor_of),
        unassessed: unassessed_groups(&rows),
        decisions: decisions(&crits),
        errors: rows
            .iter()
            .filter(|r| r.is_error())
            .map(|r| ErrorEntry {
                file: r.file.clone(),
                line: r.line,
                field: r.field.clone(),
                trajectory: r.trajectory.clone(),
                message: r.message.clone().unwrap_or_default(),
            })
            .collect(),
        trend: trend(&trend_df, TREND_RUNS)?,
        reviews,
        notes,
        overall,
        run_id,
        started_at,
    })
}

fn failures(
    rows: &[TrajectoryRow],
    crits: &[CriterionRow],
    anchor_of: &BTreeMap<(&str, &str), &str>,
) -> Vec<FailureGroup> {
    let agent_of: BTreeMap<(&str, &str), String> =
        rows.iter().filter_map(|r| Some(((r.file.as_str(), r.trajectory.as_deref()?), r.revision_key()))).collect();
    let mut by: BTreeMap<&str, FailureGroup> = BTreeMap::new();
    for c in crits.iter().filter(|c| c.failed()) {
        let g = by.entry(&c.criterion).or_insert_with(|| FailureGroup {
            criterion: c.criterion.clone(),
            gating: c.gating,
            failures: Vec::new(),
        });
        let key = (c.file.as_str(), c.trajectory.as_str());
        g.failures.push(Failure {
            trajectory: c.trajectory.clone(),
            scenario: c.scenario.clone(),
            agent: agent_of.get(&key).cloned().unwrap_or_default(),
            file: c.file.clone(),
            message: c.message.clone(),
            evidence: c.evidence.clone(),
            review: anchor_of.get(&key).map(|a| (*a).to_owned()),
        });
    }
    // Gating criteria first, then the most failed.
    let mut out: Vec<FailureGroup> = by.into_values().collect();
    out.sort_by(|a, b| b.gating.cmp(&a.gating).then(b.failures.len().cmp(&a.failures.len())));
    out
}
