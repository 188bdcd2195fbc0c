use serde::{Deserialize, Serialize};

/// A criterion's outcome. Review, unscored and not-applicable are never counted as pass or
/// fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    NotApplicable,
    Unscored,
    /// The evidence is shown, and a human must decide: neither a pass nor a failure until then
    /// (an existing test's expected value changed, a tool the catalog has never seen).
    Review,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotApplicable => "not_applicable",
            Status::Unscored => "unscored",
            Status::Review => "review",
        }
    }

    /// The status named `s` ([`Status::as_str`]'s inverse); `None` for a name it does not know.
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "pass" => Some(Status::Pass),
            "fail" => Some(Status::Fail),
            "not_applicable" => Some(Status::NotApplicable),
            "unscored" => Some(Status::Unscored),
            "review" => Some(Status::Review),
            _ => None,
        }
    }
}

/// Why a criterion could not be scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnscoredReason {
    /// The trajectory lacks the data the criterion needs.
    MissingData,
    /// The trajectory records an infrastructure failure.
    Infra,
    /// The trajectory records a harness timeout.
    Timeout,
    /// The grader itself failed on this input.
    GraderError,
}

impl UnscoredReason {
    pub fn as_str(self) -> &'static str {
        match self {
            UnscoredReason::MissingData => "missing_data",
            UnscoredReason::Infra => "infra",
            UnscoredReason::Timeout => "timeout",
            UnscoredReason::GraderError => "grader_error",
        }
    }
}

/// The grade of one criterion on one trajectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionResult {
    pub id: String,
    pub kind: goalpost_spec::CriterionKind,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<UnscoredReason>,
    pub gating: bool,
    pub weight: f64,
    /// In [0, 1]; `None` unless the status is pass or fail.
    pub score: Option<f64>,
    pub message: String,
    /// Step numbers that prove the status (the final record counts as the last step).
    pub evidence: Vec<u32>,
    /// A reviewer's decision, when the ledger holds one that answers this criterion: the
    /// status is then the decided one, and `decision.was` the grader's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<crate::ledger::Decided>,
}

/// How a trajectory came out overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// No gating criterion failed, but at least one could not be scored.
    Incomplete,
    /// No gating criterion failed, and at least one awaits a human's decision.
    Review,
    /// No gating criterion failed, but the objective was never assessed (no scenario, or the
    /// harness's results are missing): not a pass of its task, and outside every pass rate's
    /// denominator, counted as its own group with the reason ([`Unassessed`]).
    Unassessed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Incomplete => "incomplete",
            Outcome::Review => "review",
            Outcome::Unassessed => "unassessed",
        }
    }

    /// The outcome named `s` ([`Outcome::as_str`]'s inverse); `None` for a name it does not know.
    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "pass" => Some(Outcome::Pass),
            "fail" => Some(Outcome::Fail),
            "incomplete" => Some(Outcome::Incomplete),
            "review" => Some(Outcome::Review),
            "unassessed" => Some(Outcome::Unassessed),
            _ => None,
        }
    }
}

/// Why a trajectory's objective was not assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unassessed {
    /// The trajectory names no scenario, and none was assigned.
    NoScenario,
    /// The trajectory names a scenario this run did not load.
    ScenarioNotLoaded,
    /// A SWE-bench instance without its harness report (`logs/<id>/report.json`): which
    /// tests had to pass is unknown.
    NoHarnessReport,
    /// The scenario's objective criteria were all not applicable.
    NoObjectiveCriteria,
}

impl Unassessed {
    pub fn as_str(self) -> &'static str {
        match self {
            Unassessed::NoScenario => "no_scenario",
            Unassessed::ScenarioNotLoaded => "scenario_not_loaded",
            Unassessed::NoHarnessReport => "no_harness_report",
            Unassessed::NoObjectiveCriteria => "no_objective_criteria",
        }
    }

    /// The reason named `s` ([`Unassessed::as_str`]'s inverse); `None` for a name it does not know.
    pub fn parse(s: &str) -> Option<Unassessed> {
        match s {
            "no_scenario" => Some(Unassessed::NoScenario),
            "scenario_not_loaded" => Some(Unassessed::ScenarioNotLoaded),
            "no_harness_report" => Some(Unassessed::NoHarnessReport),
            "no_objective_criteria" => Some(Unassessed::NoObjectiveCriteria),
            _ => None,
        }
    }

    /// The reason as a reader is told it.
    pub fn describe(self) -> &'static str {
        match self {
            Unassessed::NoScenario => "no scenario: the trajectory names none and none was assigned",
            Unassessed::ScenarioNotLoaded => "the scenario the trajectory names is not loaded",
            Unassessed::NoHarnessReport => {
                "SWE-bench instance without its harness report (logs/<id>/report.json): which tests had to pass is unknown"
            }
            Unassessed::NoObjectiveCriteria => "every objective criterion of the scenario was not applicable",
        }
    }
}

/// How a trajectory comes out from its criteria, decided in one place (the grader, and a
/// report applying a reviewer's decisions, both settle through it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    pub outcome: Outcome,
    /// See [`Verdict::objective_met`].
    pub objective_met: Option<bool>,
    /// Whether any objective criterion was assessed (decided, awaiting review or unscored).
    pub assessed: bool,
}

/// Settles a trajectory from its criteria: `(kind, gating, status)` of each. A failure is
/// conclusive whatever else is open; an objective never assessed comes next (no pass of its
/// task, whatever else passed); then a decision a human owes; then what could not be checked;
/// nothing checked is not a pass.
pub fn settle(criteria: &[(goalpost_spec::CriterionKind, bool, Status)]) -> Settled {
    let gating = |s: Status| criteria.iter().any(|&(_, g, st)| g && st == s);
    let any_scored = criteria.iter().any(|&(_, _, s)| matches!(s, Status::Pass | Status::Fail));
    let objective: Vec<Status> =
        criteria.iter().filter(|&&(k, _, _)| k.needs_objective()).map(|&(_, _, s)| s).collect();
    let assessed = objective.iter().any(|&s| s != Status::NotApplicable);
    let outcome = if gating(Status::Fail) {
        Outcome::Fail
    } else if !assessed {
        Outcome::Unassessed
    } else if gating(Status::Review) {
        Outcome::Review
    } else if gating(Status::Unscored) || !any_scored {
        Outcome::Incomplete
    } else {
        Outcome::Pass
    };
    // Met when every objective criterion that was decided passed and none awaits a decision;
    // `None` when none was decided (the objective was not assessed) or one awaits review.
    let decided: Vec<Status> =
        objective.into_iter().filter(|s| matches!(s, Status::Pass | Status::Fail | Status::Review)).collect();
    let objective_met = if decided.contains(&Status::Fail) {
        Some(false)
    } else if decided.is_empty() || decided.contains(&Status::Review) {
        None
    } else {
        Some(true)
    };
    Settled { outcome, objective_met, assessed }
}

/// A trajectory's score: the weighted mean of its scored criteria's scores, rounded to six
/// places so that summation order can never show; 0 when none was scored.
pub fn score(criteria: impl IntoIterator<Item = (f64, Option<f64>)>) -> f64 {
    let (num, den) =
        criteria.into_iter().filter_map(|(w, s)| s.map(|s| (s * w, w))).fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    if den > 0.0 { round6(num / den) } else { 0.0 }
}

/// Rounded to six places.
pub(crate) fn round6(x: f64) -> f64 {
    // A value too large to scale (past about 1.8e302) has no digits after the sixth place to
    // lose: kept as it is, never made infinite (which a results row could not hold).
    let scaled = (x * 1e6).round();
    if scaled.is_finite() { scaled / 1e6 } else { x }
}

impl Outcome {
    /// `passed` of a verdict with this outcome: `None` unless a pass or a fail.
    pub fn passed(self) -> Option<bool> {
        match self {
            Outcome::Pass => Some(true),
            Outcome::Fail => Some(false),
            Outcome::Incomplete | Outcome::Review | Outcome::Unassessed => None,
        }
    }
}

/// What a reviewer wants to know about a trajectory at a glance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub steps: u32,
    pub files_touched: Vec<String>,
    pub commands_run: u32,
    /// `None` when no command has a recorded exit code (the format records none).
    pub failed_commands: Option<u32>,
    pub test_runs: u32,
    pub reverts: u32,
    pub side_effects: Vec<String>,
    pub cost_usd: Option<f64>,
    /// Whether `cost_usd` was (partly) estimated from tokens with the price table: the
    /// trajectory recorded tokens but no dollars.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cost_estimated: bool,
    pub tokens: Option<u64>,
    pub duration_s: Option<f64>,
    /// The first step at which the agent left scope (path, command, tool, host or side effect).
    pub first_out_of_scope_step: Option<u32>,
    /// Tools and plugins the tool catalog does not list, or lists as pending review: what its
    /// owners must decide (`goalpost catalog pending`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlisted_tools: Vec<UnlistedTool>,
}

/// A tool (of a plugin, when it has one) the catalog has not approved or denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlistedTool {
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    /// Where it was first called.
    pub first_step: u32,
    pub calls: u32,
}

/// The grade of one trajectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub trajectory: String,
    pub scenario: Option<String>,
    /// The scenario's tags, for reports and gates grouped by tag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The team that owns the scenario (or, with none, the one `run --team` names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    pub file: String,
    pub agent: String,
    pub agent_revision: Option<String>,
    pub model: Option<String>,
    pub attempt: u32,
    pub rubric: String,
    pub outcome: Outcome,
    /// `null` when the outcome is incomplete, review or unassessed: neither a pass nor a fail.
    pub passed: Option<bool>,
    pub score: f64,
    /// Whether the stated objective was met (acceptance, regression, metrics, files), on its
    /// own; `null` when no objective criterion could be scored.
    pub objective_met: Option<bool>,
    pub criteria: Vec<CriterionResult>,
    pub summary: Summary,
    /// Said plainly when the trajectory named no scenario this run knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Why the objective was not assessed, when it was not (the outcome is then unassessed,
    /// or fail when a gating criterion failed all the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unassessed: Option<Unassessed>,
    pub warnings: Vec<String>,
    pub content_hash: String,
    /// The format the trajectory was read from (`claude-code/2.1.12`), when not canonical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_format: Option<String>,
    /// The verdicts the source's own harness gave, beside goalpost's; never used to grade.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_scores: Vec<goalpost_trajectory::SourceScore>,
}

/// Whose fault an error row is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input is unreadable, malformed, or names something that does not exist (and what
    /// results files before `goalpost-results/1.1`, which had no kind, meant).
    #[default]
    Input,
    /// goalpost failed on this input (a panic caught at the trajectory's boundary): a bug to
    /// report, not a fault of the agent or its log.
    Grader,
    /// The input could not be fetched from where it lives (an object store that failed or
    /// refused after retries): the storage's fault, not the trajectory's; fetched again, it
    /// may well grade.
    Fetch,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Input => "input",
            ErrorKind::Grader => "grader",
            ErrorKind::Fetch => "fetch",
        }
    }

    /// The kind named `s` ([`ErrorKind::as_str`]'s inverse); `None` for a name it does not know.
    pub fn parse(s: &str) -> Option<ErrorKind> {
        match s {
            "input" => Some(ErrorKind::Input),
            "grader" => Some(ErrorKind::Grader),
            "fetch" => Some(ErrorKind::Fetch),
            _ => None,
        }
    }
}

impl Verdict {
    /// Settles the outcome, `passed`, `objective_met`, the score and `unassessed` again from
    /// the criteria (after a reviewer's decision changed one).
    pub fn resettle(&mut self) {
        let s = settle(&self.criteria.iter().map(|c| (c.kind, c.gating, c.status)).collect::<Vec<_>>());
        self.outcome = s.outcome;
        self.passed = s.outcome.passed();
        self.objective_met = s.objective_met;
        self.score = score(self.criteria.iter().map(|c| (c.weight, c.score)));
        self.unassessed =
            if s.assessed { None } else { Some(self.unassessed.unwrap_or(Unassessed::NoObjectiveCriteria)) };
    }

    /// The revision a pass or a failure is credited to: `agent@revision`, or the agent.
    pub fn revision(&self) -> String {
        match &self.agent_revision {
            Some(r) => format!("{}@{r}", self.agent),
            None => self.agent.clone(),
        }
    }

    /// The result of the criterion `id`.
    pub fn criterion(&self, id: &str) -> Option<&CriterionResult> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

/// An input that could not be graded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorRow {
    #[serde(default)]
    pub kind: ErrorKind,
    pub file: String,
    pub line: Option<u64>,
    pub field: Option<String>,
    pub trajectory: Option<String>,
    pub message: String,
}

/// Everything a run produced, in a deterministic order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    pub verdicts: Vec<Verdict>,
    pub errors: Vec<ErrorRow>,
}

/// Counts over a run. `found == graded + errored`, always.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub found: usize,
    pub graded: usize,
    pub errored: usize,
    pub passed: usize,
    pub failed: usize,
    pub incomplete: usize,
    /// Trajectories awaiting a human's decision: never counted as passed or failed.
    #[serde(default)]
    pub review: usize,
    /// Trajectories whose objective was not assessed (and that did not fail): outside the
    /// pass rate's denominator, counted here.
    #[serde(default)]
    pub unassessed: usize,
    pub criteria_unscored: usize,
    pub criteria_not_applicable: usize,
    #[serde(default)]
    pub criteria_review: usize,
    /// Criteria a reviewer's decision settled (see [`crate::ledger`]).
    #[serde(default)]
    pub criteria_decided: usize,
    /// Of those, failures a reviewer accepted: overturned, and counted so.
    #[serde(default)]
    pub overturned: usize,
}

impl RunResults {
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        self.verdicts.iter().for_each(|v| t.add_verdict(v));
        self.errors.iter().for_each(|_| t.add_error());
        t
    }
}

impl Totals {
    /// Counts one more verdict.
    pub fn add_verdict(&mut self, v: &Verdict) {
        self.found += 1;
        self.graded += 1;
        match v.outcome {
            Outcome::Pass => self.passed += 1,
            Outcome::Fail => self.failed += 1,
            Outcome::Incomplete => self.incomplete += 1,
            Outcome::Review => self.review += 1,
            Outcome::Unassessed => self.unassessed += 1,
        }
        let count = |f: &dyn Fn(&CriterionResult) -> bool| v.criteria.iter().filter(|c| f(c)).count();
        self.criteria_review += count(&|c| c.status == Status::Review);
        self.criteria_decided += count(&|c| c.decision.is_some());
        self.overturned += count(&|c| c.decision.as_ref().is_some_and(|d| d.overturned()));
        self.criteria_unscored += count(&|c| c.status == Status::Unscored);
        self.criteria_not_applicable += count(&|c| c.status == Status::NotApplicable);
    }

    /// Counts one more error row.
    pub fn add_error(&mut self) {
        self.found += 1;
        self.errored += 1;
    }
}

#[cfg(test)]
mod round_tests {
    #[test]
    fn rounding_keeps_huge_values_finite() {
        assert_eq!(super::round6(0.123_456_789), 0.123_457);
        assert_eq!(super::round6(1e303), 1e303);
        assert_eq!(super::round6(-f64::MAX), -f64::MAX);
        assert!(super::round6(f64::NAN).is_nan());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each enum's variants, listed by a chain of exhaustive matches: a new variant does not
    // compile until it is placed in the chain, and then the round trip below covers it.
    fn every<T: Copy>(next: fn(Option<T>) -> Option<T>) -> Vec<T> {
        std::iter::successors(next(None), |&v| next(Some(v))).collect()
    }

    fn next_outcome(o: Option<Outcome>) -> Option<Outcome> {
        match o {
            None => Some(Outcome::Pass),
            Some(Outcome::Pass) => Some(Outcome::Fail),
            Some(Outcome::Fail) => Some(Outcome::Incomplete),
            Some(Outcome::Incomplete) => Some(Outcome::Review),
            Some(Outcome::Review) => Some(Outcome::Unassessed),
            Some(Outcome::Unassessed) => None,
        }
    }

    fn next_status(s: Option<Status>) -> Option<Status> {
        match s {
            None => Some(Status::Pass),
            Some(Status::Pass) => Some(Status::Fail),
            Some(Status::Fail) => Some(Status::NotApplicable),
            Some(Status::NotApplicable) => Some(Status::Unscored),
            Some(Status::Unscored) => Some(Status::Review),
            Some(Status::Review) => None,
        }
    }

    fn next_unassessed(u: Option<Unassessed>) -> Option<Unassessed> {
        match u {
            None => Some(Unassessed::NoScenario),
            Some(Unassessed::NoScenario) => Some(Unassessed::ScenarioNotLoaded),
            Some(Unassessed::ScenarioNotLoaded) => Some(Unassessed::NoHarnessReport),
            Some(Unassessed::NoHarnessReport) => Some(Unassessed::NoObjectiveCriteria),
            Some(Unassessed::NoObjectiveCriteria) => None,
        }
    }

    fn next_error_kind(k: Option<ErrorKind>) -> Option<ErrorKind> {
        match k {
            None => Some(ErrorKind::Input),
            Some(ErrorKind::Input) => Some(ErrorKind::Grader),
            Some(ErrorKind::Grader) => Some(ErrorKind::Fetch),
            Some(ErrorKind::Fetch) => None,
        }
    }

    /// `as_str` is what serde writes, and `parse` reads it back.
    fn round_trip<T: Copy + PartialEq + std::fmt::Debug + Serialize>(
        all: &[T],
        as_str: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
    ) {
        for &v in all {
            assert_eq!(parse(as_str(v)), Some(v), "{v:?}");
            assert_eq!(serde_json::to_value(v).unwrap(), as_str(v), "{v:?}");
        }
        let names: std::collections::BTreeSet<&str> = all.iter().map(|&v| as_str(v)).collect();
        assert_eq!(names.len(), all.len(), "names are distinct");
        for unknown in ["", "PASS", "Pass", " pass", "passed", "error"] {
            assert_eq!(parse(unknown), None, "{unknown:?}");
        }
    }

    #[test]
    fn every_name_parses_back_to_its_variant() {
        round_trip(&every(next_outcome), Outcome::as_str, Outcome::parse);
        round_trip(&every(next_status), Status::as_str, Status::parse);
        round_trip(&every(next_error_kind), ErrorKind::as_str, ErrorKind::parse);
        round_trip(&every(next_unassessed), Unassessed::as_str, Unassessed::parse);
    }
}
