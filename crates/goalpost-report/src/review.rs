//! Review pages: which trajectories get one, and the entry `report.html` links to. Every failed
//! and review trajectory gets a page (and every unassessed one with an open review item;
//! passing ones on request), each its own file `review/<n>.html`, where `n` is the
//! trajectory's row in the results table: never made from trajectory text, and the same
//! whichever pages are written. What a page shows is built in [`crate::page`].

use std::collections::BTreeMap;
use std::path::Path;

use goalpost_grade::{Outcome, Status};
use serde::Serialize;

use crate::Error;
use crate::dataset::{self, CriterionRow, RowStatus, TrajectoryRow};

/// One trajectory's review page, as `report.html` lists it. Text is raw: renderers escape it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    /// The page's id in `report.html` (`review-3`): never made from trajectory text.
    pub anchor: String,
    /// The page's file, relative to `report.html` (`review/3.html`).
    pub page: String,
    pub trajectory: String,
    pub scenario: Option<String>,
    pub agent: String,
    pub model: Option<String>,
    pub file: String,
    pub status: Outcome,
    /// Why the objective was not assessed, as a reader is told it.
    pub unassessed: Option<&'static str>,
    pub score: Option<f64>,
    /// The criteria that failed or await review.
    pub failed: Vec<FailedCriterion>,
    pub first_out_of_scope_step: Option<u32>,
    pub side_effects: Vec<String>,
    pub files_touched: Vec<String>,
    pub cost_usd: Option<f64>,
    pub cost_estimated: bool,
    pub tokens: Option<u64>,
    pub duration_s: Option<f64>,
    /// The blake3 the run recorded: the page shows the steps only when the file still has it.
    pub content_hash: Option<String>,
}

/// A criterion that failed or awaits a person's decision, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedCriterion {
    pub criterion: String,
    pub gating: bool,
    /// `fail` or `review`.
    pub status: Status,
    pub message: String,
    pub evidence: Vec<u32>,
    /// A reviewer's decision on it (the status is then the decided one).
    pub decision: Option<crate::dataset::DecisionView>,
}

/// Which trajectories get a page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Pages {
    /// Failed and review trajectories, and unassessed ones with an open review item.
    #[default]
    Failed,
    /// Every graded trajectory, passing ones too.
    All,
}

/// The review pages of the failed and review trajectories (and unassessed ones with an open
/// review item): every one has a page (each page caps its own content and says what it left
/// out).
pub fn reviews(rows: &[TrajectoryRow], crits: &[CriterionRow]) -> Vec<Review> {
    reviews_for(rows, crits, Pages::Failed)
}

/// The pages of the run in `run_dir` that `which` asks for, with the reviewers' decisions of
/// `ledger` applied (as `summary::build_with` applies them).
pub fn load_reviews(
    run_dir: &Path,
    which: Pages,
    ledger: &goalpost_grade::ledger::Ledger,
) -> Result<Vec<Review>, Error> {
    let df = dataset::apply_ledger(dataset::load_run(run_dir)?, ledger)?;
    Ok(reviews_for(&dataset::trajectories(&df)?, &dataset::criteria(&df)?, which))
}

/// The pages `which` asks for: failed trajectories first, then review, unassessed, incomplete
/// and passing ones; the lowest scores first within each; then in table order.
pub fn reviews_for(rows: &[TrajectoryRow], crits: &[CriterionRow], which: Pages) -> Vec<Review> {
    let mut by_traj: BTreeMap<(&str, &str), Vec<&CriterionRow>> = BTreeMap::new();
    for c in crits.iter().filter(|c| c.failed() || c.in_review() || c.decision.is_some()) {
        by_traj.entry((&c.file, &c.trajectory)).or_default().push(c);
    }
    let rank = |o: Outcome| match o {
        Outcome::Fail => 0,
        Outcome::Review => 1,
        Outcome::Unassessed => 2,
        Outcome::Incomplete => 3,
        Outcome::Pass => 4,
    };
    let mut pages: Vec<(usize, &TrajectoryRow, Outcome, Vec<&CriterionRow>)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let id = r.trajectory.as_deref()?;
            // An error row has no steps graded to show.
            let RowStatus::Verdict(o) = r.status else { return None };
            let open = by_traj.get(&(r.file.as_str(), id)).cloned().unwrap_or_default();
            let wanted = match (which, o) {
                (Pages::All, _) | (Pages::Failed, Outcome::Fail | Outcome::Review) => true,
                (Pages::Failed, Outcome::Unassessed) => open.iter().any(|c| c.in_review()),
                (Pages::Failed, Outcome::Pass | Outcome::Incomplete) => false,
            };
            wanted.then_some((i, r, o, open))
        })
        .collect();
    pages.sort_by(|a, b| {
        rank(a.2)
            .cmp(&rank(b.2))
            .then(a.1.score.unwrap_or(0.0).total_cmp(&b.1.score.unwrap_or(0.0)))
            .then(a.0.cmp(&b.0))
    });
    pages
        .into_iter()
        .map(|(i, r, status, open)| Review {
            anchor: format!("review-{}", i + 1),
            page: format!("review/{}.html", i + 1),
            trajectory: r.trajectory.clone().unwrap_or_default(),
            scenario: r.scenario.clone(),
            agent: r.revision_key(),
            model: r.model.clone(),
            file: r.file.clone(),
            status,
            unassessed: (status == Outcome::Unassessed)
                .then(|| r.unassessed.map_or("the table does not record why", |u| u.describe())),
            score: r.score,
            failed: open
                .iter()
                .map(|c| FailedCriterion {
                    criterion: c.criterion.clone(),
                    gating: c.gating,
                    status: c.status,
                    message: c.message.clone(),
                    evidence: c.evidence.clone(),
                    decision: c.decision.clone(),
                })
                .collect(),
            first_out_of_scope_step: r.first_out_of_scope_step,
            side_effects: r.side_effects.clone(),
            files_touched: r.files_touched.clone(),
            cost_usd: r.cost_usd,
            cost_estimated: r.cost_estimated,
            tokens: r.tokens,
            duration_s: r.duration_s,
            content_hash: r.content_hash.clone(),
        })
        .collect()
}
