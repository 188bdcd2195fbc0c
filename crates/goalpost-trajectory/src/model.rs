use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::IngestWarning;

/// One line of a canonical trajectory file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    Header(Header),
    Message(Message),
    ToolCall(ToolCall),
    ToolResult(ToolResult),
    Command(Command),
    FileEdit(FileEdit),
    TestRun(TestRun),
    SideEffect(SideEffect),
    Usage(Usage),
    Metric(Metric),
    Error(ErrorEvent),
    Final(FinalState),
}

/// The first line of a trajectory: who ran what, against which scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// `goalpost-trajectory/1.0`.
    pub format: String,
    /// Unique id of this trajectory (stable across re-grades).
    pub id: String,
    pub agent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_revision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Id of the scenario the run was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Attempt (epoch) number, 1-based.
    #[serde(default = "one")]
    pub attempt: u32,
    /// RFC 3339 start time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// Where an imported trajectory came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceInfo>,
    /// The absolute directory the agent worked in, as its format records it (SWE-agent's
    /// repository root, Claude Code's and Codex's `cwd`, OpenHands' `/workspace`,
    /// mini-swe-agent's environment `cwd`); `None` when the format records none. A string,
    /// never resolved against the filesystem. Since format 1.2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
}

fn one() -> u32 {
    1
}

/// The external file an imported trajectory was read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceInfo {
    pub format: String,
    pub path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
}

impl Role {
    /// The role as the canonical format writes it, and as a reader is told it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// A model message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub role: Role,
    #[serde(default)]
    pub content: String,
    /// Seconds since the start of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
}

/// A tool call the model made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolCall {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    pub tool: String,
    /// The plugin or MCP server the tool belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub arguments: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
}

/// What a tool returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// `None` when the format does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    #[serde(default)]
    pub output: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
}

/// A shell command and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Command {
    pub command: String,
    /// `None` when the format records no exit code (never invented).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
    /// Whether the command was killed for running too long.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditOp {
    Create,
    Modify,
    Delete,
    Rename,
}

impl EditOp {
    /// The operation as the canonical format writes it, and as a reader is told it.
    pub fn as_str(self) -> &'static str {
        match self {
            EditOp::Create => "create",
            EditOp::Modify => "modify",
            EditOp::Delete => "delete",
            EditOp::Rename => "rename",
        }
    }
}

/// A file edit made through a tool (not through a shell command).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEdit {
    pub path: String,
    pub op: EditOp,
    /// The previous path, for renames.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Unified diff of the change, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    Passed,
    Failed,
    Error,
    Skipped,
    Xfailed,
    Xpassed,
}

/// One test's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestResult {
    pub name: String,
    pub outcome: TestOutcome,
}

/// Who produced a value: the agent (which could have faked it) or the harness around it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    #[default]
    Agent,
    Harness,
}

/// A test run during the trajectory, with per-test outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestRun {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    #[serde(default)]
    pub tests: Vec<TestResult>,
    #[serde(default)]
    pub source: ValueSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
}

/// An effect outside the sandbox: a push, an upload, a deploy, a write outside the workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SideEffect {
    /// `network_write`, `vcs_push`, `package_publish`, `deploy`, `cloud`, `fs_outside_sandbox`, …
    pub kind: String,
    pub target: String,
    /// Whether the agent (or its harness) declared the effect reversible; `None` if undeclared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reversible: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
}

/// Model usage of one call (not cumulative).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Usage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Of `input_tokens` (the whole prompt), those read from a prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_tokens: Option<u64>,
    /// Of `input_tokens`, those written to a prompt cache (billed at their own rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
}

/// A measured value, e.g. `auth_latency_p95_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    pub name: String,
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default)]
    pub source: ValueSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The harness or its infrastructure failed (not the agent's fault).
    Infra,
    /// The harness stopped the run for time.
    Timeout,
    /// The agent itself errored (bad output format, crash).
    Agent,
}

/// An error recorded during the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorEvent {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elapsed_s: Option<f64>,
}

/// The state the run left behind, as the harness saw it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalState {
    /// How the agent stopped (`submitted`, `limits_exceeded`, …), in the agent's own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_status: Option<String>,
    /// The final diff against the base, as a git unified diff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Whether the harness could apply the diff for evaluation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_applied: Option<bool>,
    /// Final test results, as the harness (not the agent) measured them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestResult>,
    /// Who ran the final tests (`swebench-harness`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tests_source: Option<String>,
    /// Metrics the harness measured on the final state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_time_s: Option<f64>,
    /// The verdicts the source's own harness gave (Inspect's scorers, Terminal-Bench's
    /// `is_resolved`, SWE-bench's `resolved`): reported beside goalpost's, never used to grade.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<SourceScore>,
}

/// A score the source format's harness gave a trajectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceScore {
    /// The scorer's name (`match`, `is_resolved`, `reward`).
    pub name: String,
    /// As the source wrote it: a number, a boolean, or a string such as `C`/`I`.
    pub value: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

impl SourceScore {
    /// A score's value as a reader keeps it: one nested more than [`MAX_SCORE_DEPTH`] levels
    /// deep (no scorer writes one) becomes a string saying so. A results row holds the value
    /// a few levels deeper than the file it came from, and a row must always read back within
    /// serde_json's nesting limit (128).
    pub fn bounded(value: serde_json::Value) -> serde_json::Value {
        fn deeper_than(v: &serde_json::Value, levels: usize) -> bool {
            match v {
                serde_json::Value::Array(a) => levels == 0 || a.iter().any(|x| deeper_than(x, levels - 1)),
                serde_json::Value::Object(o) => levels == 0 || o.values().any(|x| deeper_than(x, levels - 1)),
                _ => false,
            }
        }
        if deeper_than(&value, MAX_SCORE_DEPTH) {
            serde_json::Value::String(format!("(a value nested more than {MAX_SCORE_DEPTH} levels deep: not kept)"))
        } else {
            value
        }
    }
}

/// The deepest nesting of a score's value that is kept (see [`SourceScore::bounded`]).
pub(crate) const MAX_SCORE_DEPTH: usize = 32;

/// A step: one record after the header, numbered from 1 in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub n: u32,
    /// Line in the source file (canonical files); 0 when imported from another format.
    pub line: u64,
    pub record: Record,
}

/// Where a trajectory was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub path: PathBuf,
    /// Line of the header (1 for single-trajectory files, 0 for imports).
    pub line: u64,
}

/// One whole trajectory in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    pub header: Header,
    pub steps: Vec<Step>,
    pub final_state: Option<FinalState>,
    pub origin: Origin,
    /// blake3 of the bytes the trajectory was read from.
    pub content_hash: String,
    pub bytes: u64,
    pub warnings: Vec<IngestWarning>,
    /// A scenario the source format carries with it (SWE-bench's task and test lists).
    /// Shared, so that each grading plans from it without a copy (its test lists are long).
    pub embedded_scenario: Option<std::sync::Arc<goalpost_spec::Scenario>>,
}

impl Record {
    /// The record's type as written in the canonical format (`tool_call`, `command`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Record::Header(_) => "header",
            Record::Message(_) => "message",
            Record::ToolCall(_) => "tool_call",
            Record::ToolResult(_) => "tool_result",
            Record::Command(_) => "command",
            Record::FileEdit(_) => "file_edit",
            Record::TestRun(_) => "test_run",
            Record::SideEffect(_) => "side_effect",
            Record::Usage(_) => "usage",
            Record::Metric(_) => "metric",
            Record::Error(_) => "error",
            Record::Final(_) => "final",
        }
    }

    /// One line a reviewer reads: what the step did. Raw text from the trajectory: the caller
    /// escapes it for wherever it is shown.
    pub fn describe(&self) -> String {
        // Written out for a person: no value's debug form (`Some(0.02)`, `Modify`) is shown.
        match self {
            Record::Message(m) => format!("{} message: {}", m.role.as_str(), m.content),
            Record::ToolCall(c) => format!(
                "tool call `{}`{} {}",
                c.tool,
                c.plugin.as_deref().map(|p| format!(" ({p})")).unwrap_or_default(),
                c.arguments
            ),
            Record::ToolResult(r) => format!("tool result: {}", r.output),
            Record::Command(c) => {
                format!(
                    "command `{}` (exit {})",
                    c.command,
                    c.exit_code.map_or("unknown".to_owned(), |e| e.to_string())
                )
            }
            Record::FileEdit(e) => format!("{} {}", e.op.as_str(), e.path),
            Record::TestRun(r) => format!("test run of {} tests", r.tests.len()),
            Record::SideEffect(s) => {
                let reversible = match s.reversible {
                    Some(true) => "declared reversible",
                    Some(false) => "declared irreversible",
                    None => "reversibility not declared",
                };
                format!("side effect {} {} ({reversible})", s.kind, s.target)
            }
            Record::Usage(u) => {
                let tokens = match (u.input_tokens, u.output_tokens) {
                    (None, None) => None,
                    (i, o) => Some(format!("{} tokens", i.unwrap_or(0).saturating_add(o.unwrap_or(0)))),
                };
                let parts: Vec<String> = tokens.into_iter().chain(u.cost_usd.map(|c| format!("${c:.4}"))).collect();
                if parts.is_empty() {
                    "usage: nothing recorded".to_owned()
                } else {
                    format!("usage: {}", parts.join(", "))
                }
            }
            Record::Metric(m) => format!("metric {} = {}", m.name, m.value),
            Record::Error(e) => {
                let kind = match e.kind {
                    ErrorKind::Infra => "infrastructure",
                    ErrorKind::Timeout => "timeout",
                    ErrorKind::Agent => "agent",
                };
                format!("{kind} error: {}", e.message)
            }
            Record::Header(_) | Record::Final(_) => String::new(),
        }
    }

    /// Seconds since the trajectory started, when the record says.
    pub fn elapsed_s(&self) -> Option<f64> {
        match self {
            Record::Message(r) => r.elapsed_s,
            Record::ToolCall(r) => r.elapsed_s,
            Record::ToolResult(r) => r.elapsed_s,
            Record::Command(r) => r.elapsed_s,
            Record::FileEdit(r) => r.elapsed_s,
            Record::TestRun(r) => r.elapsed_s,
            Record::SideEffect(r) => r.elapsed_s,
            Record::Metric(r) => r.elapsed_s,
            Record::Error(r) => r.elapsed_s,
            Record::Header(_) | Record::Usage(_) | Record::Final(_) => None,
        }
    }
}

impl Trajectory {
    /// A step by number.
    pub fn step(&self, n: u32) -> Option<&Step> {
        self.steps.get(n.checked_sub(1)? as usize).filter(|s| s.n == n)
    }
}
