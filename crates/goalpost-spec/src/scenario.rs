use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// An objective specification: one reviewable TOML file under `scenarios/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Unique id; trajectories name their scenario by it.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The bounded objective, one paragraph.
    pub objective: String,
    /// Name of the rubric under `rubrics/` (without `.toml`).
    #[serde(default = "default_rubric")]
    pub rubric: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The team that owns the task: reports show cost and pass rate per team, and the gate
    /// holds each team to its cost envelope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// How to re-run the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rerun: Option<Rerun>,
    #[serde(default)]
    pub acceptance: Acceptance,
    #[serde(default)]
    pub regression: Regression,
    #[serde(default)]
    pub out_of_scope: OutOfScope,
    #[serde(default)]
    pub rollback: Rollback,
    #[serde(default)]
    pub budget: Budget,
    /// Per-criterion overrides of the rubric, keyed by criterion id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub overrides: BTreeMap<String, CriterionOverride>,
    /// Where the scenario came from, when a tool wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// File the scenario was read from; not part of the file format.
    #[serde(skip)]
    pub source: PathBuf,
    /// blake3 of the file's bytes; not part of the file format.
    #[serde(skip)]
    pub content_hash: String,
}

fn default_rubric() -> String {
    crate::DEFAULT_RUBRIC.to_owned()
}

/// What is needed to re-run the task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rerun {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_commit: Option<String>,
    /// A container image or other snapshot of the starting environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    /// The prompt the agent was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
}

/// Checkable acceptance criteria.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// Tests that fail before the change and must pass after it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests_fail_to_pass: Vec<String>,
    /// Thresholds on metrics the trajectory records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricThreshold>,
    /// Files or outputs that must exist or match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileCheck>,
}

impl Acceptance {
    pub fn is_checkable(&self) -> bool {
        !(self.tests_fail_to_pass.is_empty() && self.metrics.is_empty() && self.files.is_empty())
    }
}

/// `name op value`, e.g. `auth_latency_p95_ms < 80`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricThreshold {
    pub name: String,
    pub op: Cmp,
    pub value: f64,
    /// Only count values recorded by the harness, not by the agent itself.
    #[serde(default)]
    pub harness_only: bool,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cmp {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "==")]
    Eq,
}

impl Cmp {
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Cmp::Lt => left < right,
            Cmp::Le => left <= right,
            Cmp::Gt => left > right,
            Cmp::Ge => left >= right,
            Cmp::Eq => left == right,
        }
    }
}

impl fmt::Display for Cmp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Eq => "==",
        })
    }
}

/// A file the final state must have (or lack), optionally with content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileCheck {
    pub path: String,
    #[serde(default = "yes")]
    pub exists: bool,
    /// A substring the file's added content must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
}

fn yes() -> bool {
    true
}

/// The regression suite that must keep passing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regression {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<String>,
}

/// What the agent must not touch, run, use or reach.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutOfScope {
    /// Path globs, relative to the workspace root.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Command globs (`git push*`), matched against each simple command.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
    /// Tool, plugin or MCP server globs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    /// Host globs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
}

impl OutOfScope {
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.commands.is_empty() && self.tools.is_empty() && self.hosts.is_empty()
    }
}

/// The rollback condition: what must stay reversible.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rollback {
    /// The condition in words, for the reviewer.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condition: String,
    /// Absolute paths that count as inside the sandbox (the workspace root among them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sandbox: Vec<String>,
    /// Side-effect kinds allowed even when irreversible (e.g. `package_install`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
}

/// Limits on what the run may spend.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_time_s: Option<f64>,
}

impl Budget {
    pub fn is_empty(&self) -> bool {
        self.cost_usd.is_none() && self.tokens.is_none() && self.steps.is_none() && self.wall_time_s.is_none()
    }
}

/// A per-scenario change to one rubric criterion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gating: Option<bool>,
    /// Merged key by key over the rubric's parameters.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub params: toml::Table,
}

/// Where a generated scenario came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// What wrote the file (`goalpost import swebench`).
    pub generated_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_hash: Option<String>,
    /// A regression scenario: the failure it was promoted from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regression: Option<RegressionProvenance>,
}

/// Where a regression scenario came from (written by `goalpost promote`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegressionProvenance {
    /// The scenario whose failure this is.
    pub scenario: String,
    /// Failure signature: the scenario, the failing criteria and their normalised evidence.
    pub signature: String,
    pub run_id: String,
    /// The run's start (RFC 3339).
    pub date: String,
    pub agent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_revision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The trajectory id and the file it was read from.
    pub trajectory: String,
    pub file: String,
    /// blake3 of the file's bytes when graded.
    pub content_hash: String,
    pub failures: Vec<PinnedFailure>,
}

/// A failing criterion pinned by a regression scenario, with the evidence it cited.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedFailure {
    pub criterion: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<u32>,
}
