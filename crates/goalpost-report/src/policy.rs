//! The release policy `goalpost gate` enforces: a TOML file, every table and key checked. A
//! missing file, an unknown key, a wrong type, a value out of range, or a policy that states
//! no rule at all is an error naming the rule, never a pass.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::Error;

/// `gates.toml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Significance level for "regressed" (exact McNemar against the baseline); default 0.05.
    #[serde(default)]
    pub alpha: Option<f64>,
    #[serde(default)]
    pub pass_rate: Option<PassRate>,
    #[serde(default)]
    pub criteria: Option<CriteriaRule>,
    #[serde(default)]
    pub must_pass: Option<MustPass>,
    #[serde(default)]
    pub baseline: Option<BaselineRule>,
    #[serde(default)]
    pub cost: Option<Cost>,
    #[serde(default)]
    pub completeness: Option<Completeness>,
    #[serde(default)]
    pub regressions: Option<Regressions>,
    #[serde(default)]
    pub review: Option<ReviewRule>,
    #[serde(default)]
    pub objective: Option<ObjectiveRule>,
}

/// Pass rate over every trajectory expected whose objective was assessed (missing, errored,
/// incomplete and review ones count as not passed; unassessed ones are named, not counted).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassRate {
    /// Overall minimum, in [0, 1].
    #[serde(default)]
    pub min: Option<f64>,
    /// Minimum for every tag seen in the run.
    #[serde(default)]
    pub per_tag: Option<f64>,
    /// Minimums for named tags (override `per_tag`).
    #[serde(default)]
    pub tags: BTreeMap<String, f64>,
}

/// Criteria that must never fail.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriteriaRule {
    /// Criterion ids (e.g. `scope`, `test-integrity`) with zero failures allowed.
    pub zero_failures: Vec<String>,
}

/// Scenarios every attempt of which must pass.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MustPass {
    #[serde(default)]
    pub scenarios: Vec<String>,
    /// Scenarios carrying any of these tags are must-pass too.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Rules that need `--baseline`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineRule {
    /// Fail when the candidate regressed significantly (more scenarios regressed than fixed,
    /// exact McNemar p < alpha).
    #[serde(default)]
    pub no_significant_regression: bool,
    /// Fail when any must-pass scenario passed in the baseline and fails now.
    #[serde(default)]
    pub no_must_pass_regression: bool,
    /// Whether a gate run without `--baseline` is an error (default true when this table is set).
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    #[serde(default)]
    pub max_total_usd: Option<f64>,
    #[serde(default)]
    pub max_mean_usd: Option<f64>,
    #[serde(default)]
    pub max_per_solved_usd: Option<f64>,
    /// Each team's cost envelope for the run: the most its trajectories may cost in total.
    #[serde(default)]
    pub teams: std::collections::BTreeMap<String, f64>,
}

/// The share of expected trajectories that were graded to a pass or a fail.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completeness {
    /// Minimum share, in [0, 1].
    pub min: f64,
    /// How many trajectories the run should have; default: those it found.
    #[serde(default)]
    pub expected: Option<u64>,
}

/// The regression store's entries: none may be failing again.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regressions {
    /// Fail on any open regression the run saw failing again, or fixed one that re-opened.
    #[serde(default = "yes")]
    pub no_reopened: bool,
    /// Fail on every store scenario the run graded as failing (open ones included).
    #[serde(default)]
    pub no_failing: bool,
}

/// Items awaiting a person's decision: a release can require them signed off, while the
/// nightly summary lists them without crying wolf.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRule {
    /// At most this many criteria may await a person's decision (0: every item decided).
    pub max_open: u64,
}

/// Trajectories whose objective was never assessed (no scenario, no harness report): a
/// release can require every one assessed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveRule {
    /// At most this many trajectories may go unassessed (0: every objective assessed).
    pub max_unassessed: u64,
}

/// Why a policy cannot be used. Every variant but [`PolicyError::Toml`] and
/// [`PolicyError::NoRule`] names its rule (`pass_rate.min`).
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("not valid TOML")]
    Toml(#[source] toml::de::Error),
    /// An unknown key, a wrong type or a missing field; `rule` is `None` at the top level.
    #[error("{}{message}", rule.as_ref().map(|r| format!("rule `{r}`: ")).unwrap_or_default())]
    Shape { rule: Option<String>, message: String },
    #[error("rule `{rule}`: {value} is not in {range}")]
    OutOfRange { rule: String, value: f64, range: &'static str },
    #[error("rule `{rule}`: {value} is not a cost in USD")]
    NotACost { rule: &'static str, value: f64 },
    /// A table that checks nothing, or lacks what it needs.
    #[error("rule `{rule}`: {problem}")]
    Unusable { rule: &'static str, problem: &'static str },
    #[error("the policy states no rule; an empty policy would pass anything")]
    NoRule,
}

impl Policy {
    pub fn alpha(&self) -> f64 {
        self.alpha.unwrap_or(0.05)
    }

    /// Reads and checks a policy file.
    pub fn load(path: &Path) -> Result<Policy, Error> {
        let text = fs_err::read_to_string(path).map_err(|e| Error::Read { path: path.to_owned(), source: e })?;
        Policy::parse(&text).map_err(|e| Error::Policy { path: path.to_owned(), source: e })
    }

    /// Parses and checks a policy; the error names the rule (`pass_rate.min`).
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let de = toml::Deserializer::parse(text).map_err(PolicyError::Toml)?;
        let p: Policy = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().message().to_owned();
            PolicyError::Shape { rule: (path != "." && !path.is_empty()).then_some(path), message }
        })?;
        p.check()?;
        Ok(p)
    }

    fn check(&self) -> Result<(), PolicyError> {
        let share = |rule: &str, v: f64| -> Result<(), PolicyError> {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(PolicyError::OutOfRange { rule: rule.to_owned(), value: v, range: "[0, 1]" })
            }
        };
        let money = |rule: &'static str, v: Option<f64>| -> Result<(), PolicyError> {
            match v {
                Some(x) if !(x.is_finite() && x >= 0.0) => Err(PolicyError::NotACost { rule, value: x }),
                _ => Ok(()),
            }
        };
        let unusable = |rule, problem| Err(PolicyError::Unusable { rule, problem });
        if let Some(a) = self.alpha
            && !(a > 0.0 && a < 1.0)
        {
            return Err(PolicyError::OutOfRange { rule: "alpha".to_owned(), value: a, range: "(0, 1)" });
        }
        if let Some(p) = &self.pass_rate {
            if let Some(m) = p.min {
                share("pass_rate.min", m)?;
            }
            if let Some(m) = p.per_tag {
                share("pass_rate.per_tag", m)?;
            }
            for (t, m) in &p.tags {
                share(&format!("pass_rate.tags.{t}"), *m)?;
            }
            if p.min.is_none() && p.per_tag.is_none() && p.tags.is_empty() {
                return unusable("pass_rate", "states no minimum (min, per_tag or tags)");
            }
        }
        if let Some(c) = &self.criteria
            && c.zero_failures.is_empty()
        {
            return unusable("criteria.zero_failures", "lists no criterion");
        }
        if let Some(m) = &self.must_pass
            && m.scenarios.is_empty()
            && m.tags.is_empty()
        {
            return unusable("must_pass", "names no scenario and no tag");
        }
        if let Some(b) = &self.baseline {
            if !b.no_significant_regression && !b.no_must_pass_regression {
                return unusable("baseline", "enables no check");
            }
            if b.no_must_pass_regression && self.must_pass.is_none() {
                return unusable("baseline.no_must_pass_regression", "needs a `must_pass` table");
            }
        }
        if let Some(c) = &self.cost {
            money("cost.max_total_usd", c.max_total_usd)?;
            money("cost.max_mean_usd", c.max_mean_usd)?;
            money("cost.max_per_solved_usd", c.max_per_solved_usd)?;
            for (team, envelope) in &c.teams {
                if !(envelope.is_finite() && *envelope >= 0.0) {
                    return Err(PolicyError::NotACost { rule: "cost.teams", value: *envelope });
                }
                if team.trim().is_empty() {
                    return unusable("cost.teams", "names a team with no name");
                }
            }
            if c.max_total_usd.is_none()
                && c.max_mean_usd.is_none()
                && c.max_per_solved_usd.is_none()
                && c.teams.is_empty()
            {
                return unusable("cost", "states no ceiling");
            }
        }
        if let Some(c) = &self.completeness {
            share("completeness.min", c.min)?;
            if c.expected == Some(0) {
                return unusable("completeness.expected", "must be at least 1");
            }
        }
        if let Some(r) = &self.regressions
            && !r.no_reopened
            && !r.no_failing
        {
            return unusable("regressions", "enables no check");
        }
        let any = self.pass_rate.is_some()
            || self.criteria.is_some()
            || self.must_pass.is_some()
            || self.baseline.is_some()
            || self.cost.is_some()
            || self.completeness.is_some()
            || self.regressions.is_some()
            || self.review.is_some()
            || self.objective.is_some();
        if !any {
            return Err(PolicyError::NoRule);
        }
        Ok(())
    }
}
