//! Review pages: each failed trajectory's steps as a timeline, read again from the file the
//! run graded (checked against the content hash the run recorded).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use goalpost_grade::Outcome;
use goalpost_trajectory::{Trajectory, read_back};
use serde::Serialize;

use crate::dataset::{CriterionRow, RowStatus, TrajectoryRow};

/// One step on a review page's timeline. Text is raw: the renderer escapes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepView {
    pub n: u32,
    pub elapsed_s: Option<f64>,
    /// The canonical record type (`command`, `file_edit`, ...).
    pub kind: &'static str,
    pub text: String,
    /// Cited as evidence by a failed criterion.
    pub cited: bool,
    /// The first step at which the agent left scope.
    pub first_out_of_scope: bool,
}

/// The review page of one failed trajectory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    /// Anchor in `report.html` (`review-3`): never made from trajectory text.
    pub anchor: String,
    pub trajectory: String,
    pub scenario: Option<String>,
    pub agent: String,
    pub model: Option<String>,
    pub file: String,
    pub status: Outcome,
    pub score: Option<f64>,
    pub failed: Vec<FailedCriterion>,
    pub steps: Vec<StepView>,
    /// Steps left out of `steps` to keep the page small (the cited ones and their neighbours
    /// are always shown).
    pub steps_elided: u32,
    pub first_out_of_scope_step: Option<u32>,
    pub side_effects: Vec<String>,
    pub files_touched: Vec<String>,
    pub cost_usd: Option<f64>,
    pub tokens: Option<u64>,
    pub duration_s: Option<f64>,
    /// Why the steps could not be shown (file moved, changed or unreadable).
    pub steps_problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedCriterion {
    pub criterion: String,
    pub gating: bool,
    pub message: String,
    pub evidence: Vec<u32>,
}

/// Longest step text kept on a page, in characters.
const MAX_STEP_TEXT: usize = 600;
/// A timeline longer than this shows the cited steps and their neighbours, the first and last
/// steps, and says how many it left out.
const MAX_STEPS_SHOWN: usize = 300;
const CONTEXT: u32 = 2;

/// At most this many review pages: a report stays quick to open whatever the run's size
/// (`report.json` and `results.parquet` have every failure).
pub const MAX_REVIEWS: usize = 200;

/// The review pages of the failed trajectories (the lowest scores first, at most
/// [`MAX_REVIEWS`]), and how many failed trajectories got none.
pub fn reviews(rows: &[TrajectoryRow], crits: &[CriterionRow]) -> (Vec<Review>, usize) {
    // Which outcomes get a page (an error row has no steps graded to show).
    let shown = |r: &TrajectoryRow| match r.status {
        RowStatus::Verdict(o @ (Outcome::Fail | Outcome::Review)) => Some(o),
        RowStatus::Verdict(Outcome::Pass | Outcome::Incomplete | Outcome::Unassessed) | RowStatus::Error(_) => None,
    };
    let mut failed: Vec<(&TrajectoryRow, Outcome)> =
        rows.iter().filter(|r| r.trajectory.is_some()).filter_map(|r| Some((r, shown(r)?))).collect();
    failed.sort_by(|(a, _), (b, _)| a.score.unwrap_or(0.0).total_cmp(&b.score.unwrap_or(0.0)));
    let left_out = failed.len().saturating_sub(MAX_REVIEWS);
    failed.truncate(MAX_REVIEWS);
    // Each file is read once, however many failed trajectories it holds.
    let mut wanted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (r, _) in &failed {
        wanted.entry(&r.file).or_default().extend(r.trajectory.as_deref());
    }
    let mut read: BTreeMap<(&str, String), Result<Trajectory, String>> = BTreeMap::new();
    for (file, ids) in &wanted {
        let ids: Vec<&str> = ids.iter().copied().collect();
        let (found, problem) = match read_back(Path::new(file), &ids) {
            Ok(found) => (found, "the trajectory is no longer in it".to_owned()),
            Err(e) => (Vec::new(), e.to_string()),
        };
        for t in found {
            read.insert((file, t.header.id.clone()), Ok(t));
        }
        for id in ids {
            read.entry((file, id.to_owned())).or_insert_with(|| Err(problem.clone()));
        }
    }
    let mut by_traj: BTreeMap<(&str, &str), Vec<&CriterionRow>> = BTreeMap::new();
    for c in crits.iter().filter(|c| c.failed()) {
        by_traj.entry((&c.file, &c.trajectory)).or_default().push(c);
    }
    let pages = failed
        .iter()
        .enumerate()
        .map(|(i, &(r, status))| {
            let id = r.trajectory.as_deref().unwrap_or_default();
            let failed: Vec<FailedCriterion> = by_traj
                .get(&(r.file.as_str(), id))
                .map(|cs| {
                    cs.iter()
                        .map(|c| FailedCriterion {
                            criterion: c.criterion.clone(),
                            gating: c.gating,
                            message: c.message.clone(),
                            evidence: c.evidence.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let cited: BTreeSet<u32> = failed.iter().flat_map(|c| c.evidence.iter().copied()).collect();
            let (steps, steps_elided, steps_problem) = match read.get(&(r.file.as_str(), id.to_owned())) {
                Some(Ok(t)) if Some(&t.content_hash) != r.content_hash.as_ref() => {
                    (Vec::new(), 0, Some("the file changed since the run graded it; steps not shown".to_owned()))
                }
                Some(Ok(t)) => {
                    let (steps, elided) = timeline(t, &cited, r.first_out_of_scope_step);
                    (steps, elided, None)
                }
                Some(Err(e)) => (Vec::new(), 0, Some(format!("steps not shown: {e}"))),
                None => (Vec::new(), 0, Some("steps not shown".to_owned())),
            };
            Review {
                anchor: format!("review-{}", i + 1),
                trajectory: id.to_owned(),
                scenario: r.scenario.clone(),
                agent: r.revision_key(),
                model: r.model.clone(),
                file: r.file.clone(),
                status,
                score: r.score,
                failed,
                steps,
                steps_elided,
                first_out_of_scope_step: r.first_out_of_scope_step,
                side_effects: r.side_effects.clone(),
                files_touched: r.files_touched.clone(),
                cost_usd: r.cost_usd,
                tokens: r.tokens,
                duration_s: r.duration_s,
                steps_problem,
            }
        })
        .collect();
    (pages, left_out)
}

/// The steps shown for a trajectory, and how many were left out.
fn timeline(t: &Trajectory, cited: &BTreeSet<u32>, first_oos: Option<u32>) -> (Vec<StepView>, u32) {
    let total = t.steps.len();
    let show = |n: u32| -> bool {
        if total <= MAX_STEPS_SHOWN {
            return true;
        }
        let near = |m: u32| n + CONTEXT >= m && n <= m + CONTEXT;
        n <= 20 || n as usize > total - 20 || cited.iter().any(|&m| near(m)) || first_oos.is_some_and(near)
    };
    let mut steps = Vec::new();
    let mut elided = 0;
    for s in &t.steps {
        if !show(s.n) {
            elided += 1;
            continue;
        }
        let mut text: String = s.record.describe().chars().take(MAX_STEP_TEXT + 1).collect();
        if text.chars().count() > MAX_STEP_TEXT {
            text = text.chars().take(MAX_STEP_TEXT).collect::<String>() + "…";
        }
        steps.push(StepView {
            n: s.n,
            elapsed_s: s.record.elapsed_s(),
            kind: s.record.type_name(),
            text,
            cited: cited.contains(&s.n),
            first_out_of_scope: first_oos == Some(s.n),
        });
    }
    // The final state counts as the step after the last; criteria cite it for the final diff.
    let final_n = total as u32 + 1;
    if cited.contains(&final_n) {
        steps.push(StepView {
            n: final_n,
            elapsed_s: None,
            kind: "final",
            text: "final state (diff and harness test results)".to_owned(),
            cited: true,
            first_out_of_scope: first_oos == Some(final_n),
        });
    }
    (steps, elided)
}
