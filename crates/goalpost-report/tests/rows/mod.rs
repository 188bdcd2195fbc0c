//! Trajectory rows built by hand for the statistics and gate tests.
#![allow(dead_code)]

use goalpost_grade::{ErrorKind, Outcome, Status};
use goalpost_report::dataset::{CriterionRow, RowStatus, TrajectoryRow};

/// A trajectory of `scenario`, attempt `attempt`, by `revision`, in `run`, with `status`
/// (`pass`, `fail`, `incomplete`, or `error`: an input error row).
pub(crate) fn row(run: &str, revision: &str, scenario: &str, attempt: u32, status: &str) -> TrajectoryRow {
    let status = match status {
        "error" => RowStatus::Error(Some(ErrorKind::Input)),
        s => RowStatus::Verdict(Outcome::parse(s).expect("an outcome")),
    };
    let error = matches!(status, RowStatus::Error(_));
    TrajectoryRow {
        run_id: run.to_owned(),
        started_at: format!("2026-11-25T00:00:00Z-{run}"),
        trajectory: Some(format!("{scenario}/{revision}/{attempt}")),
        file: format!("runs/{run}/{scenario}-{attempt}.jsonl"),
        line: None,
        agent: Some("agent".to_owned()),
        agent_revision: Some(revision.to_owned()),
        model: Some("model".to_owned()),
        scenario: Some(scenario.to_owned()),
        tags: Vec::new(),
        team: None,
        attempt: Some(attempt),
        status,
        unassessed: matches!(status, RowStatus::Verdict(Outcome::Unassessed))
            .then_some(goalpost_grade::Unassessed::NoScenario),
        score: match status {
            RowStatus::Verdict(Outcome::Pass) => Some(1.0),
            RowStatus::Error(_) => None,
            RowStatus::Verdict(Outcome::Fail | Outcome::Incomplete | Outcome::Review | Outcome::Unassessed) => {
                Some(0.5)
            }
        },
        objective_met: None,
        message: None,
        field: None,
        evidence: Vec::new(),
        cost_usd: (!error).then_some(1.0),
        cost_estimated: false,
        tokens: (!error).then_some(1000),
        duration_s: None,
        steps: Some(10),
        files_touched: Vec::new(),
        side_effects: Vec::new(),
        first_out_of_scope_step: None,
        source_format: None,
        content_hash: Some("h".to_owned()),
        graded_status: None,
    }
}

/// One revision's rows: `outcomes[s][a]` is whether attempt `a` of scenario `s` passed.
pub(crate) fn revision(run: &str, revision: &str, outcomes: &[&[bool]]) -> Vec<TrajectoryRow> {
    let mut out = Vec::new();
    for (s, attempts) in outcomes.iter().enumerate() {
        for (a, ok) in attempts.iter().enumerate() {
            out.push(row(run, revision, &format!("s{s:02}"), a as u32 + 1, if *ok { "pass" } else { "fail" }));
        }
    }
    out
}

pub(crate) fn criterion(t: &TrajectoryRow, id: &str, status: &str, evidence: &[u32]) -> CriterionRow {
    CriterionRow {
        run_id: t.run_id.clone(),
        trajectory: t.trajectory.clone().unwrap_or_default(),
        file: t.file.clone(),
        attempt: t.attempt,
        scenario: t.scenario.clone(),
        agent_revision: t.agent_revision.clone(),
        criterion: id.to_owned(),
        kind: None,
        gating: true,
        status: Status::parse(status).expect("a criterion status"),
        reason: None,
        score: None,
        message: format!("{id} {status}"),
        evidence: evidence.to_vec(),
        decision: None,
    }
}
