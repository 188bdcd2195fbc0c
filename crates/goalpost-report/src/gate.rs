//! `goalpost gate`: a release decision from a run, a policy and (optionally) a baseline. Every
//! rule comes out with its figure and its threshold; the gate holds only when every rule does.

use std::collections::{BTreeMap, BTreeSet};

use goalpost_grade::Outcome;
use serde::Serialize;

use crate::compare;
use crate::dataset::{CriterionRow, RowStatus, TrajectoryRow};
use crate::markdown::{pct, usd};
use crate::policy::Policy;

/// One rule's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    /// The rule as the policy names it (`pass_rate.min`, `criteria.zero_failures.scope`).
    pub rule: String,
    pub passed: bool,
    /// What was measured, e.g. `0.750 (18 of 24 expected)`.
    pub figure: String,
    /// What the policy asks, e.g. `>= 0.800`.
    pub threshold: String,
    /// The evidence: trajectories and steps, scenarios, files. Raw: renderers escape it.
    pub details: Vec<String>,
}

/// A regression-store entry's state before the run, as the gate sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Created by this run.
    New,
    Open,
    Fixed,
    Retired,
}

/// A regression-store entry as the store reports it to the gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreEntry {
    /// The entry's id (its regression scenario's id).
    pub id: String,
    pub state: EntryState,
    /// Whether the run failed one of its pinned criteria (`None`: the run did not grade it).
    pub failed: Option<bool>,
}

/// The gate's decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateResult {
    pub passed: bool,
    pub rules: Vec<RuleResult>,
    /// One per must-pass scenario (also in `rules`, as `must_pass.<scenario>`).
    pub must_pass: Vec<RuleResult>,
    pub run_ids: Vec<String>,
    pub baseline_run_ids: Vec<String>,
    /// The reviewers' decisions the gate's figures include: who decided what, and why
    /// (overturned failures said so).
    pub decisions: Vec<String>,
}

fn cite(c: &CriterionRow) -> String {
    let steps: Vec<String> = c.evidence.iter().map(|s| s.to_string()).collect();
    let at = if steps.is_empty() { String::new() } else { format!(" (steps {})", steps.join(", ")) };
    format!("{} in {}{at}: {}", c.trajectory, c.file, c.message)
}

/// Applies `policy` to a run (its trajectory and criterion rows).
pub fn evaluate(
    policy: &Policy,
    run: &[TrajectoryRow],
    crits: &[CriterionRow],
    baseline: Option<&[TrajectoryRow]>,
    store: Option<&[StoreEntry]>,
) -> GateResult {
    let mut rules = Vec::new();
    let found = run.len() as u64;
    let passed = run.iter().filter(|r| r.passed()).count() as u64;
    // Objective success counts only where the objective was assessed; the others are their
    // own group, named by the pass-rate rules and judged by `objective.max_unassessed`.
    let unassessed = run.iter().filter(|r| !r.assessed()).count() as u64;
    let unassessed_details: Vec<String> = crate::summary::unassessed_groups(run)
        .into_iter()
        .map(|g| {
            format!(
                "objective not assessed ({}): {} trajectory(ies), not counted: {}",
                g.description,
                g.count,
                g.trajectories.join(", ")
            )
        })
        .collect();
    // Graded to a pass, a fail or a review item (the grader did its part; the open decision
    // has a rule of its own): what completeness counts.
    let decided = run
        .iter()
        .filter(|r| match r.status {
            RowStatus::Verdict(Outcome::Pass | Outcome::Fail | Outcome::Review | Outcome::Unassessed) => true,
            RowStatus::Verdict(Outcome::Incomplete) | RowStatus::Error(_) => false,
        })
        .count() as u64;
    let expected = policy.completeness.as_ref().and_then(|c| c.expected).unwrap_or(found).max(found);
    let missing = expected - found;

    if let Some(c) = &policy.completeness {
        let share = if expected == 0 { 0.0 } else { decided as f64 / expected as f64 };
        let mut details = Vec::new();
        if missing > 0 {
            details.push(format!("{missing} expected trajectory(ies) missing from the run"));
        }
        // Why each undecided trajectory is not: the errors first, then the incomplete ones.
        let mut incomplete = Vec::new();
        for r in run {
            match r.status {
                RowStatus::Error(_) => {
                    let at = r.line.map(|l| format!(":{l}")).unwrap_or_default();
                    details.push(format!("error: {}{at}: {}", r.file, r.message.as_deref().unwrap_or_default()));
                }
                RowStatus::Verdict(Outcome::Incomplete) => incomplete.push(format!(
                    "incomplete (a gating criterion unscored): {}",
                    r.trajectory.as_deref().unwrap_or("?")
                )),
                RowStatus::Verdict(Outcome::Pass | Outcome::Fail | Outcome::Review | Outcome::Unassessed) => {}
            }
        }
        details.extend(incomplete);
        rules.push(RuleResult {
            rule: "completeness.min".into(),
            passed: expected > 0 && share >= c.min,
            figure: format!("{share:.3} ({decided} of {expected} expected graded)"),
            threshold: format!(">= {:.3}", c.min),
            details,
        });
    }

    if let Some(p) = &policy.pass_rate {
        if let Some(min) = p.min {
            let assessed = expected - unassessed;
            let rate = if assessed == 0 { 0.0 } else { passed as f64 / assessed as f64 };
            rules.push(RuleResult {
                rule: "pass_rate.min".into(),
                passed: assessed > 0 && rate >= min,
                figure: format!(
                    "{rate:.3} ({passed} of {assessed} whose objective was assessed: errored, incomplete, review and missing count as not passed; {unassessed} not assessed)"
                ),
                threshold: format!(">= {min:.3}"),
                details: unassessed_details.clone(),
            });
        }
        let mut by_tag: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for r in run.iter().filter(|r| r.assessed()) {
            for t in &r.tags {
                let e = by_tag.entry(t).or_default();
                e.0 += u64::from(r.passed());
                e.1 += 1;
            }
        }
        let mut tags: BTreeSet<&str> = by_tag.keys().copied().collect();
        if p.per_tag.is_none() {
            tags.clear();
        }
        tags.extend(p.tags.keys().map(String::as_str));
        for tag in tags {
            let Some(min) = p.tags.get(tag).copied().or(p.per_tag) else { continue };
            let (ok, n) = by_tag.get(tag).copied().unwrap_or((0, 0));
            let rate = if n == 0 { 0.0 } else { ok as f64 / n as f64 };
            rules.push(RuleResult {
                rule: format!("pass_rate.tags.{tag}"),
                passed: n > 0 && rate >= min,
                figure: if n == 0 { "no trajectory with this tag".into() } else { format!("{rate:.3} ({ok} of {n})") },
                threshold: format!(">= {min:.3}"),
                details: Vec::new(),
            });
        }
    }

    if let Some(o) = &policy.objective {
        rules.push(RuleResult {
            rule: "objective.max_unassessed".into(),
            passed: unassessed <= o.max_unassessed,
            figure: format!("{unassessed} trajectory(ies) whose objective was not assessed"),
            threshold: format!("<= {}", o.max_unassessed),
            details: unassessed_details.clone(),
        });
    }

    if let Some(r) = &policy.review {
        // An item is a criterion awaiting a person's decision, whatever the trajectory's
        // outcome: a failed trajectory's open question still needs an answer before release.
        let items: Vec<&CriterionRow> = crits.iter().filter(|c| c.in_review()).collect();
        let trajectories: BTreeSet<(&str, &str)> =
            items.iter().map(|c| (c.file.as_str(), c.trajectory.as_str())).collect();
        rules.push(RuleResult {
            rule: "review.max_open".into(),
            passed: items.len() as u64 <= r.max_open,
            figure: format!("{} open review item(s) in {} trajectory(ies)", items.len(), trajectories.len()),
            threshold: format!("<= {}", r.max_open),
            details: items.iter().map(|c| format!("review `{}`: {}", c.criterion, cite(c))).collect(),
        });
    }

    if let Some(c) = &policy.criteria {
        for id in &c.zero_failures {
            let graded = crits.iter().filter(|c| &c.criterion == id).count();
            let fails: Vec<&CriterionRow> = crits.iter().filter(|c| &c.criterion == id && c.failed()).collect();
            rules.push(RuleResult {
                rule: format!("criteria.zero_failures.{id}"),
                passed: graded > 0 && fails.is_empty(),
                figure: if graded == 0 {
                    "not graded on any trajectory of the run".into()
                } else {
                    format!("{} failure(s) in {graded} graded", fails.len())
                },
                threshold: "0 failures".into(),
                details: fails.iter().map(|c| cite(c)).collect(),
            });
        }
    }

    let comparison = baseline.map(|b| compare::compare(("baseline", b), ("candidate", run), &[], policy.alpha()));
    let mut must_pass = Vec::new();
    if let Some(m) = &policy.must_pass {
        let mut ids: BTreeSet<String> = m.scenarios.iter().cloned().collect();
        for r in run.iter().chain(baseline.unwrap_or_default()) {
            if r.tags.iter().any(|t| m.tags.contains(t)) {
                ids.extend(r.scenario.clone());
            }
        }
        let check_regression = policy.baseline.as_ref().is_some_and(|b| b.no_must_pass_regression);
        for id in ids {
            let rows: Vec<&TrajectoryRow> = run.iter().filter(|r| r.scenario.as_deref() == Some(&id)).collect();
            let ok = rows.iter().filter(|r| r.passed()).count();
            let base_passed = comparison
                .as_ref()
                .and_then(|c| c.scenarios.iter().find(|s| s.scenario == id))
                .map(|s| s.baseline_attempts > 0 && 2 * s.baseline_passed > s.baseline_attempts);
            let mut details: Vec<String> = rows
                .iter()
                .filter(|r| !r.passed())
                .map(|r| format!("{} ({}): {}", r.trajectory.as_deref().unwrap_or("?"), r.file, r.status.as_str()))
                .collect();
            let regressed = check_regression && base_passed == Some(true) && ok < rows.len();
            if regressed {
                details.insert(0, "regressed: it passed in the baseline".into());
            }
            must_pass.push(RuleResult {
                rule: format!("must_pass.{id}"),
                passed: !rows.is_empty() && ok == rows.len(),
                figure: if rows.is_empty() {
                    "missing from the run".into()
                } else {
                    format!("{ok} of {} attempt(s) passed", rows.len())
                },
                threshold: "every attempt passes".into(),
                details,
            });
        }
    }

    if let (Some(b), Some(c)) = (&policy.baseline, &comparison) {
        if b.no_significant_regression {
            let f = &c.flips;
            let significant = f.regressed > f.fixed && c.mcnemar_p < c.alpha;
            rules.push(RuleResult {
                rule: "baseline.no_significant_regression".into(),
                passed: !significant,
                figure: format!(
                    "{} fixed, {} regressed, exact McNemar p = {:.4}; pass rate {} → {}",
                    f.fixed,
                    f.regressed,
                    c.mcnemar_p,
                    pct(c.baseline.pass_rate),
                    pct(c.candidate.pass_rate)
                ),
                threshold: format!("not (regressed > fixed and p < {})", c.alpha),
                details: c
                    .scenarios
                    .iter()
                    .filter(|s| s.flip == compare::Flip::Regressed)
                    .map(|s| format!("regressed: {}", s.scenario))
                    .collect(),
            });
        }
    } else if policy.baseline.as_ref().is_some_and(|b| b.required) {
        rules.push(RuleResult {
            rule: "baseline".into(),
            passed: false,
            figure: "no baseline given".into(),
            threshold: "--baseline RUN_DIR (the policy's baseline rules need one)".into(),
            details: Vec::new(),
        });
    }

    if let Some(c) = &policy.cost {
        let costs: Vec<f64> = run.iter().filter_map(|r| r.cost_usd).collect();
        let total: f64 = costs.iter().sum();
        let unknown = run.iter().filter(|r| !r.is_error() && r.cost_usd.is_none()).count();
        let estimated = run.iter().filter(|r| r.cost_usd.is_some() && r.cost_estimated).count();
        let mut note = Vec::new();
        if unknown > 0 {
            note.push(format!("{unknown} graded trajectory(ies) with no cost known (none recorded, none priced)"));
        }
        // Always said, 0 included: a reader must know whether the figure is a bill or an estimate.
        note.push(format!(
            "{estimated} of {} cost(s) estimated from tokens with the price table, the rest recorded",
            costs.len()
        ));
        if let Some(max) = c.max_total_usd {
            rules.push(RuleResult {
                rule: "cost.max_total_usd".into(),
                passed: total <= max && unknown == 0,
                figure: usd(total),
                threshold: format!("<= {}", usd(max)),
                details: note.clone(),
            });
        }
        if let Some(max) = c.max_mean_usd {
            let mean = if costs.is_empty() { 0.0 } else { total / costs.len() as f64 };
            rules.push(RuleResult {
                rule: "cost.max_mean_usd".into(),
                passed: !costs.is_empty() && mean <= max && unknown == 0,
                figure: if costs.is_empty() { "no cost reported".into() } else { usd(mean) },
                threshold: format!("<= {}", usd(max)),
                details: note.clone(),
            });
        }
        if let Some(max) = c.max_per_solved_usd {
            let per = (passed > 0).then(|| total / passed as f64);
            rules.push(RuleResult {
                rule: "cost.max_per_solved_usd".into(),
                passed: per.is_some_and(|p| p <= max) && unknown == 0,
                figure: per.map_or_else(|| "nothing solved".into(), usd),
                threshold: format!("<= {}", usd(max)),
                details: note,
            });
        }
        if !c.teams.is_empty() {
            rules.push(team_envelopes(run, &c.teams));
        }
    }

    if let Some(r) = &policy.regressions {
        let live: Vec<&StoreEntry> = store
            .unwrap_or_default()
            .iter()
            .filter(|e| match e.state {
                EntryState::Retired => false,
                EntryState::New | EntryState::Open | EntryState::Fixed => true,
            })
            .collect();
        let mut reopened = Vec::new();
        let mut failing = Vec::new();
        for e in live.iter().filter(|e| e.failed == Some(true)) {
            match e.state {
                EntryState::Fixed => reopened.push(format!("re-opened: {} (was fixed, fails again)", e.id)),
                EntryState::New | EntryState::Open | EntryState::Retired => {
                    failing.push(format!("still failing: {}", e.id))
                }
            }
        }
        let graded = live.iter().filter(|e| e.failed.is_some()).count();
        let not_run = live.len() - graded;
        if r.no_reopened {
            rules.push(RuleResult {
                rule: "regressions.no_reopened".into(),
                passed: reopened.is_empty(),
                figure: format!(
                    "{} re-opened of {graded} store entr(ies) graded ({not_run} not in this run)",
                    reopened.len()
                ),
                threshold: "0 re-opened".into(),
                details: reopened.clone(),
            });
        }
        if r.no_failing {
            let mut details = reopened;
            details.extend(failing);
            rules.push(RuleResult {
                rule: "regressions.no_failing".into(),
                passed: details.is_empty() && not_run == 0,
                figure: format!("{} failing of {graded} graded; {not_run} not in this run", details.len()),
                threshold: "every live store entry graded and passing".into(),
                details,
            });
        }
    }

    rules.extend(must_pass.iter().cloned());
    let run_ids: BTreeSet<String> = run.iter().map(|r| r.run_id.clone()).collect();
    let baseline_run_ids: BTreeSet<String> = baseline.unwrap_or_default().iter().map(|r| r.run_id.clone()).collect();
    GateResult {
        passed: !rules.is_empty() && rules.iter().all(|r| r.passed),
        rules,
        must_pass,
        run_ids: run_ids.into_iter().collect(),
        baseline_run_ids: baseline_run_ids.into_iter().collect(),
        decisions: crits
            .iter()
            .filter_map(|c| {
                let d = c.decision.as_ref()?;
                Some(format!(
                    "{} `{}` of {} (was {}{}) by {} at {}: {}",
                    d.decision.as_str(),
                    c.criterion,
                    c.trajectory,
                    d.was.as_str(),
                    if d.overturned() { ", overturned" } else { "" },
                    d.by,
                    d.at,
                    d.why
                ))
            })
            .collect(),
    }
}

/// JUnit XML: one test case per rule and per must-pass scenario, so any CI shows the gate.
pub fn junit(result: &GateResult) -> Result<String, crate::Error> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new("goalpost gate");
    for r in &result.rules {
        let status = if r.passed {
            TestCaseStatus::success()
        } else {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(format!("{} (needs {})", r.figure, r.threshold));
            s.set_description(r.details.join("\n"));
            s
        };
        let mut case = TestCase::new(r.rule.clone(), status);
        case.set_classname("goalpost.gate");
        case.set_system_out(format!("{} (needs {})", r.figure, r.threshold));
        suite.add_test_case(case);
    }
    let mut report = Report::new("goalpost");
    report.add_test_suite(suite);
    report.to_string().map_err(crate::Error::Junit)
}

/// Each team's trajectories against its cost envelope: the teams over theirs (or with costs
/// not known, which could be over), each with its top spenders.
fn team_envelopes(run: &[TrajectoryRow], envelopes: &BTreeMap<String, f64>) -> RuleResult {
    let mut over = Vec::new();
    let mut figures = Vec::new();
    let mut notes = Vec::new();
    for (team, envelope) in envelopes {
        let rows: Vec<&TrajectoryRow> =
            run.iter().filter(|r| !r.is_error() && r.team.as_deref() == Some(team.as_str())).collect();
        if rows.is_empty() {
            // Said, so that a misspelt team is seen: its envelope covers nothing.
            notes.push(format!("team {team}: no trajectory of this run names it (its envelope covers nothing)"));
        }
        let total: f64 = rows.iter().filter_map(|r| r.cost_usd).sum();
        let unknown = rows.iter().filter(|r| r.cost_usd.is_none()).count();
        let estimated = rows.iter().filter(|r| r.cost_usd.is_some() && r.cost_estimated).count();
        figures.push(format!("{team} {}", usd(total)));
        if total <= *envelope && unknown == 0 {
            continue;
        }
        let mut spenders: Vec<&&TrajectoryRow> = rows.iter().filter(|r| r.cost_usd.is_some()).collect();
        spenders.sort_by(|a, b| b.cost_usd.partial_cmp(&a.cost_usd).unwrap_or(std::cmp::Ordering::Equal));
        let top: Vec<String> = spenders
            .iter()
            .take(3)
            .map(|r| format!("{} {}", r.trajectory.as_deref().unwrap_or(&r.file), usd(r.cost_usd.unwrap_or(0.0))))
            .collect();
        let mut line = format!("team {team}: {} of its {} envelope", usd(total), usd(*envelope));
        if unknown > 0 {
            line.push_str(&format!(", {unknown} trajectory(ies) with no cost known"));
        }
        if estimated > 0 {
            line.push_str(&format!(", {estimated} cost(s) estimated from tokens"));
        }
        if !top.is_empty() {
            line.push_str(&format!("; top spenders: {}", top.join(", ")));
        }
        over.push(line);
    }
    let unbudgeted: BTreeSet<&str> =
        run.iter().filter_map(|r| r.team.as_deref()).filter(|t| !envelopes.contains_key(*t)).collect();
    if !unbudgeted.is_empty() {
        notes.push(format!(
            "teams in this run with no envelope: {}",
            unbudgeted.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let (passed, n_over) = (over.is_empty(), over.len());
    over.extend(notes);
    RuleResult {
        rule: "cost.teams".into(),
        passed,
        figure: if passed {
            figures.join(", ")
        } else {
            format!("{n_over} of {} team(s) over their envelope", envelopes.len())
        },
        threshold: "each team within its envelope".into(),
        details: over,
    }
}
