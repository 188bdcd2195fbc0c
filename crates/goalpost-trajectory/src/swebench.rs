//! SWE-bench runs made by mini-swe-agent: `trajs/<id>.traj.json` (or `trajs/<id>/<id>.traj.json`)
//! plus the harness's `logs/<id>/report.json` and `logs/<id>/test_output.txt`.
//!
//! Each instance becomes one canonical [`Trajectory`] and, when it has a report, one
//! [`Scenario`]: the objective is the task statement, acceptance is FAIL_TO_PASS, the regression
//! suite is PASS_TO_PASS, and the final test outcomes come from the report's `tests_status`
//! (never from its `resolved` flag). Without a report the final outcomes come from the test log,
//! parsed by the harness's own rules ([`crate::formats::testlog`]).
//!
//! Trajectory formats `mini-swe-agent-1` (v1.x: one ```bash block per response, observations
//! `<returncode>N</returncode><output>…` as user messages) and `mini-swe-agent-1.1` (v2.x:
//! `extra.actions`, per-call `extra.cost` and `extra.timestamp`, and for tool-calling models
//! `tool_calls` answered by `role: tool` messages with `extra.returncode` and `extra.raw_output`,
//! ending with a `role: exit` message) are read. Commands have exit codes; a tool-calling
//! model's calls are tool calls paired by `tool_call_id` with their commands and results. Per-call
//! tokens (`prompt_tokens` includes cached ones) and cost are kept. Not recorded: command
//! durations, file edits as such (they happen through shell commands; the final diff is the
//! submission), the base commit.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use goalpost_spec::{Acceptance, Budget, OutOfScope, Provenance, Regression, Rerun, Rollback, Scenario};
use regex::Regex;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::formats::testlog;
use crate::formats::util::cap;
use crate::model::{
    Command, ErrorEvent, ErrorKind, FinalState, Header, Message, Origin, Record, Role, SourceInfo, SourceScore, Step,
    TestOutcome, TestResult, ToolCall, ToolResult, Trajectory, Usage,
};
use crate::{IngestError, IngestWarning, format_tag};

/// Largest `.traj.json` or `report.json` read into memory.
pub const MAX_FILE_BYTES: u64 = 512 << 20;

/// The instance id a trajectory file is named after (`<id>.traj.json`).
pub(crate) fn instance_id_of(path: &Path) -> Option<&str> {
    path.file_name()?.to_str()?.strip_suffix(".traj.json")
}

/// The instances of a run directory, sorted by id: `(instance_id, trajectory file)`.
pub fn instances(run_dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(entries) = fs_err::read_dir(run_dir.join("trajs")) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(id) = name.strip_suffix(".traj.json") {
            out.push((id.to_owned(), path));
        } else if path.is_dir() {
            let nested = path.join(format!("{name}.traj.json"));
            if nested.is_file() {
                out.push((name, nested));
            }
        }
    }
    out.sort();
    out
}

/// The harness report of an instance, if the run has one.
pub fn report_path(run_dir: &Path, instance_id: &str) -> Option<PathBuf> {
    let p = run_dir.join("logs").join(instance_id).join("report.json");
    p.is_file().then_some(p)
}

/// The harness's test log of an instance (`logs/<id>/test_output.txt`), if the run has one.
pub fn test_output_path(run_dir: &Path, instance_id: &str) -> Option<PathBuf> {
    let p = run_dir.join("logs").join(instance_id).join("test_output.txt");
    p.is_file().then_some(p)
}

/// Reads one instance: its trajectory and, when the run has them, its harness report (with
/// the scenario derived from it embedded) and its test log.
///
/// The report's per-test outcomes are the final test results. Without a report they come from
/// the test log, parsed as the harness parses it ([`crate::formats::testlog`]; `tests_source`
/// `swebench-test-log`), so a run that kept its logs but not its reports is still graded;
/// no scenario can be derived then. With both, the report wins and a log that disagrees with
/// it on a FAIL_TO_PASS or PASS_TO_PASS test is a warning. A test log that cannot be read is
/// a warning, never an error: the trajectory itself is fine.
pub fn read_instance(
    traj_path: &Path,
    report_path: Option<&Path>,
    test_output_path: Option<&Path>,
) -> Result<Trajectory, IngestError> {
    // The verdict rests on the report and the test log as much as on the trajectory: the
    // content hash covers the bytes each was read from, so a changed report is never mistaken
    // for the graded one.
    let mut companions: Vec<(&Path, blake3::Hash)> = Vec::new();
    let report = match report_path {
        Some(p) => {
            let bytes = read_bounded_bytes(p)?;
            companions.push((p, blake3::hash(&bytes)));
            Some((report_from(p, &bytes, instance_id_of(traj_path).unwrap_or_default())?, p))
        }
        None => None,
    };
    let mut t = read_mini_trajectory(traj_path, report.as_ref().map(|(r, p)| (r, *p)))?;
    if let Some(log_path) = test_output_path {
        let log = read_bounded_bytes(log_path);
        companions.push((log_path, blake3::hash(log.as_deref().unwrap_or_default())));
        apply_test_log(&mut t, report.as_ref().map(|(r, _)| r), log_path, log);
    }
    if !companions.is_empty() {
        let mut h = blake3::Hasher::new();
        h.update(t.content_hash.as_bytes());
        for (p, hash) in companions {
            h.update(p.file_name().unwrap_or_default().as_encoded_bytes());
            h.update(hash.as_bytes());
        }
        t.content_hash = h.finalize().to_hex().to_string();
    }
    Ok(t)
}

/// Whether `t` is a SWE-bench instance read without its harness report: its scenario (which
/// tests had to pass) could not be derived, so its objective cannot be assessed.
pub fn missing_harness_report(t: &Trajectory) -> bool {
    t.embedded_scenario.is_none() && t.header.source.as_ref().is_some_and(|s| s.format.starts_with("mini-swe-agent"))
}

/// Where the final test results came from when only the harness's test log was kept.
pub const TEST_LOG_SOURCE: &str = "swebench-test-log";

/// Folds an instance's `test_output.txt` into its trajectory (see [`read_instance`]).
fn apply_test_log(t: &mut Trajectory, report: Option<&Report>, log_path: &Path, log: Result<Vec<u8>, IngestError>) {
    let mut warn = |message: String| {
        t.warnings.push(IngestWarning {
            line: None,
            field: None,
            message: format!("{}: {message}", log_path.display()),
        })
    };
    let log = match log {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => return warn(format!("test log not read: {}", e.message)),
    };
    let parsed = testlog::parse_instance_log(&t.header.id, &log);
    match (report, parsed) {
        (None, Ok(parsed)) => {
            let fin = t.final_state.get_or_insert_with(FinalState::default);
            fin.tests = parsed.tests;
            fin.tests_source = Some(TEST_LOG_SOURCE.to_owned());
            fin.patch_applied = Some(true);
        }
        (None, Err(e)) => {
            if e.means_not_applied() {
                t.final_state.get_or_insert_with(FinalState::default).patch_applied = Some(false);
            }
            warn(format!("no final test results: {e}"));
        }
        (Some(report), Ok(parsed)) => {
            let mut differ = log_disagreements(report, &parsed.tests);
            if report.patch_successfully_applied == Some(false) {
                differ.insert(0, "the patch (the report says it was not applied)".to_owned());
            }
            if !differ.is_empty() {
                warn(format!(
                    "the test log disagrees with report.json on {} of its FAIL_TO_PASS/PASS_TO_PASS verdicts: {}",
                    differ.len(),
                    list(&differ, 3)
                ));
            }
        }
        (Some(report), Err(e)) => {
            if !e.means_not_applied() || report.patch_successfully_applied == Some(true) {
                warn(format!("the test log disagrees with report.json, which records test results: {e}"));
            }
        }
    }
}

/// The FAIL_TO_PASS and PASS_TO_PASS tests whose verdict in `report` differs from the one the
/// harness would draw from `tests` (a log's parsed outcomes): a FAIL_TO_PASS test succeeds when
/// it passed or failed as expected (xfail), a PASS_TO_PASS test also when it was skipped, and a
/// test the log does not mention fails.
pub fn log_disagreements(report: &Report, tests: &[TestResult]) -> Vec<String> {
    let by_name: HashMap<&str, TestOutcome> = tests.iter().map(|r| (r.name.as_str(), r.outcome)).collect();
    let mut differ = Vec::new();
    for (key, skipped_ok) in [("FAIL_TO_PASS", false), ("PASS_TO_PASS", true)] {
        let Some(lists) = report.lists(key) else { continue };
        let verdicts = lists.success.iter().map(|n| (n, true)).chain(lists.failure.iter().map(|n| (n, false)));
        for (name, success) in verdicts {
            let log_success = match by_name.get(name.as_str()) {
                Some(TestOutcome::Passed | TestOutcome::Xfailed) => true,
                Some(TestOutcome::Skipped) => skipped_ok,
                _ => false,
            };
            if log_success != success {
                differ.push(name.clone());
            }
        }
    }
    differ
}

/// Up to `n` names in backticks, and how many more.
fn list(names: &[String], n: usize) -> String {
    let mut s = names.iter().take(n).map(|x| format!("`{}`", x.escape_debug())).collect::<Vec<_>>().join(", ");
    if names.len() > n {
        s.push_str(&format!(" and {} more", names.len() - n));
    }
    s
}

/// The per-instance SWE-bench harness report (flat or wrapped as `{instance_id: {...}}`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Report {
    #[serde(default)]
    pub patch_is_none: Option<bool>,
    #[serde(default)]
    pub patch_exists: Option<bool>,
    #[serde(default)]
    pub patch_successfully_applied: Option<bool>,
    /// The harness's own verdict; kept for comparison, never used to grade.
    #[serde(default)]
    pub resolved: Option<bool>,
    #[serde(default)]
    pub tests_status: BTreeMap<String, TestLists>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct TestLists {
    #[serde(default)]
    pub success: Vec<String>,
    #[serde(default)]
    pub failure: Vec<String>,
}

impl Report {
    fn lists(&self, key: &str) -> Option<&TestLists> {
        self.tests_status.get(key)
    }

    /// FAIL_TO_PASS, in report order.
    pub fn fail_to_pass(&self) -> Vec<String> {
        self.lists("FAIL_TO_PASS").map(|l| l.success.iter().chain(&l.failure).cloned().collect()).unwrap_or_default()
    }

    /// PASS_TO_PASS, in report order.
    pub fn pass_to_pass(&self) -> Vec<String> {
        self.lists("PASS_TO_PASS").map(|l| l.success.iter().chain(&l.failure).cloned().collect()).unwrap_or_default()
    }

    /// Every test's outcome after the patch: `success` lists passed, `failure` lists failed.
    pub fn final_tests(&self) -> Vec<TestResult> {
        let mut seen = BTreeMap::new();
        for lists in self.tests_status.values() {
            for name in &lists.success {
                seen.entry(name.as_str()).or_insert(TestOutcome::Passed);
            }
            for name in &lists.failure {
                seen.insert(name.as_str(), TestOutcome::Failed);
            }
        }
        seen.into_iter().map(|(name, outcome)| TestResult { name: name.to_owned(), outcome }).collect()
    }
}

/// Reads a `report.json` in either of its forms.
pub fn read_report(path: &Path, instance_id: &str) -> Result<Report, IngestError> {
    report_from(path, &read_bounded_bytes(path)?, instance_id)
}

/// [`read_report`] of bytes already read.
fn report_from(path: &Path, bytes: &[u8], instance_id: &str) -> Result<Report, IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|e| IngestError::new(path, None, e.to_string()))?;
    let mut value: serde_json::Value = parse_json(path, text)?;
    let wrapped = value.get(instance_id).is_some() && value.get("tests_status").is_none();
    let inner = match value.as_object_mut().filter(|_| wrapped).and_then(|o| o.remove(instance_id)) {
        Some(inner) => inner,
        None => value,
    };
    // As in `parse_json`: the field's path is tracked only to name it in an error.
    if let Ok(report) = Report::deserialize(&inner) {
        return Ok(report);
    }
    serde_path_to_error::deserialize(inner).map_err(|e| {
        let field = e.path().to_string();
        IngestError::new(path, None, e.into_inner().to_string()).with_field(field)
    })
}

fn read_bounded(path: &Path) -> Result<String, IngestError> {
    let bytes = read_bounded_bytes(path)?;
    String::from_utf8(bytes).map_err(|e| IngestError::new(path, None, e.to_string()))
}

fn read_bounded_bytes(path: &Path) -> Result<Vec<u8>, IngestError> {
    let meta = fs_err::metadata(path).map_err(|e| IngestError::new(path, None, e.to_string()))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(IngestError::new(
            path,
            None,
            format!("file is {} bytes, over the limit of {MAX_FILE_BYTES}", meta.len()),
        ));
    }
    fs_err::read(path).map_err(|e| IngestError::new(path, None, e.to_string()))
}

/// Parses `text` as a `T` (what follows the value is not looked at). Tracking the path of the
/// field being read costs a third of the parse, so it is done only to name the field of an
/// error: a text that does not parse is parsed again with the path tracked.
fn parse_json<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, IngestError> {
    if let Ok(value) = T::deserialize(&mut serde_json::Deserializer::from_str(text)) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let line = (inner.line() > 0).then_some(inner.line() as u64);
        IngestError::new(path, line, inner.to_string()).with_field(field)
    })
}

#[derive(Deserialize)]
struct MiniTraj {
    #[serde(default)]
    info: MiniInfo,
    messages: Vec<MiniMessage>,
    #[serde(default)]
    trajectory_format: Option<String>,
    #[serde(default)]
    instance_id: Option<String>,
}

#[derive(Deserialize, Default)]
struct MiniInfo {
    #[serde(default)]
    exit_status: Option<String>,
    #[serde(default)]
    submission: Option<String>,
    #[serde(default)]
    model_stats: Option<MiniStats>,
    #[serde(default)]
    mini_version: Option<String>,
    /// Only what [`read_mini_trajectory`] and [`scenario_for`] look up (the templates are not
    /// kept).
    #[serde(default, deserialize_with = "pruned::config")]
    config: serde_json::Value,
}

#[derive(Deserialize)]
struct MiniStats {
    #[serde(default)]
    instance_cost: Option<f64>,
}

#[derive(Deserialize)]
struct MiniMessage {
    role: String,
    #[serde(default)]
    content: serde_json::Value,
    /// Only the keys read here: `extra.response` is the provider's whole response, the
    /// message's content again among it.
    #[serde(default, deserialize_with = "pruned::extra")]
    extra: serde_json::Value,
    /// Tool-calling models (1.1): `[{id, function: {name, arguments}}]` on assistant messages.
    #[serde(default)]
    tool_calls: serde_json::Value,
    /// Tool-calling models (1.1): the call a `tool` message answers.
    #[serde(default)]
    tool_call_id: serde_json::Value,
}

/// One action of an assistant turn: a shell command and, for tool-calling models, the call
/// that carried it.
struct Action {
    command: String,
    call_id: Option<String>,
    /// The tool as the model called it (`bash`), from the message's `tool_calls`.
    tool: Option<String>,
    arguments: Option<serde_json::Value>,
}

impl Action {
    /// An `extra.actions[]` entry (`{command, tool_call_id?}`), completed from `tool_calls`.
    fn of(action: &serde_json::Value, tool_calls: &serde_json::Value) -> Option<Self> {
        let command = action.get("command")?.as_str()?.to_owned();
        let call_id = action.get("tool_call_id").and_then(|v| v.as_str()).map(str::to_owned);
        let call = call_id
            .as_deref()
            .and_then(|id| tool_calls.as_array()?.iter().find(|c| c.get("id").and_then(|v| v.as_str()) == Some(id)));
        let tool = call.and_then(|c| c.pointer("/function/name")).and_then(|v| v.as_str()).map(str::to_owned);
        let arguments = call.and_then(|c| c.pointer("/function/arguments")).and_then(|a| match a {
            serde_json::Value::String(s) => crate::formats::util::embedded_json(s),
            other => Some(other.clone()),
        });
        Some(Action { command, call_id, tool, arguments })
    }
}

/// Pushes the records of an assistant turn's actions and their observations, which are the
/// messages that follow (`rest`): for tool-calling models one `tool` message per call, matched
/// by `tool_call_id`; otherwise one `user` message answering the single action. Returns how
/// many of `rest` it consumed. An action with no observation (the submitting command, after
/// which the run ends) still becomes a command, with no exit code.
fn push_actions(
    actions: &[Action],
    rest: &[MiniMessage],
    elapsed: Option<f64>,
    t0: Option<f64>,
    push: &mut impl FnMut(Record),
) -> usize {
    for a in actions {
        if let Some(id) = &a.call_id {
            push(Record::ToolCall(ToolCall {
                call_id: Some(id.clone()),
                tool: a.tool.clone().unwrap_or_else(|| "bash".to_owned()),
                plugin: None,
                arguments: a.arguments.clone().unwrap_or_else(|| serde_json::json!({ "command": a.command })),
                elapsed_s: elapsed,
            }));
        }
    }
    let observed = |o: &MiniMessage| {
        let at = o.extra.get("timestamp").and_then(crate::formats::time::seconds);
        Observation::of(o, t0.zip(at).map(|(t0, ts)| ts - t0))
    };
    let mut done = vec![false; actions.len()];
    let mut consumed = 0;
    if actions.iter().any(|a| a.call_id.is_some()) {
        while let Some(o) = rest.get(consumed).filter(|o| o.role == "tool") {
            consumed += 1;
            let id = o.tool_call_id.as_str();
            let Some(k) = (0..actions.len())
                .find(|&k| !done[k] && id.is_some() && actions[k].call_id.as_deref() == id)
                .or_else(|| done.iter().position(|d| !d))
            else {
                continue;
            };
            done[k] = true;
            let obs = observed(o);
            push_command(&actions[k], Some(&obs), obs.output.clone(), elapsed, push);
            push(Record::ToolResult(ToolResult {
                call_id: actions[k].call_id.clone(),
                is_error: None,
                output: obs.output,
                elapsed_s: obs.elapsed.or(elapsed),
            }));
        }
    } else if let Some(o) = rest.first().filter(|o| !actions.is_empty() && (o.role == "user" || o.role == "tool")) {
        consumed = 1;
        let mut obs = observed(o);
        for (k, a) in actions.iter().enumerate() {
            done[k] = true;
            let output = if k + 1 == actions.len() { std::mem::take(&mut obs.output) } else { obs.output.clone() };
            push_command(a, Some(&obs), output, elapsed, push);
        }
    }
    for (a, _) in actions.iter().zip(&done).filter(|(_, d)| !**d) {
        push_command(a, None, String::new(), elapsed, push);
    }
    consumed
}

/// What an observation message says about the command it answers.
struct Observation {
    exit_code: Option<i32>,
    output: String,
    timed_out: bool,
    elapsed: Option<f64>,
}

impl Observation {
    fn of(o: &MiniMessage, elapsed: Option<f64>) -> Self {
        let text = text_of(&o.content);
        // Searched for at most once, and only when needed.
        let returncode = std::cell::OnceCell::new();
        let returncode = || returncode.get_or_init(|| RETURNCODE.captures(&text)).as_ref();
        let exit_code = o
            .extra
            .get("returncode")
            .and_then(serde_json::Value::as_i64)
            .or_else(|| returncode().and_then(|c| c[1].parse().ok()))
            .and_then(|v| i32::try_from(v).ok());
        // 1.1 keeps the command's own output beside the templated observation.
        let output = match o.extra.get("raw_output").and_then(|v| v.as_str()) {
            Some(raw) => cap(raw),
            None => cap(strip_observation(&text, returncode().and_then(|c| c.get(0)).map(|m| m.end()))),
        };
        let timed_out = text.contains("timed out and has been killed");
        Observation { exit_code, output, timed_out, elapsed }
    }
}

/// Pushes `a` as a command; `output` is the observation's output (moved in by the caller, who
/// clones it only when another record needs it too).
fn push_command(
    a: &Action,
    obs: Option<&Observation>,
    output: String,
    elapsed: Option<f64>,
    push: &mut impl FnMut(Record),
) {
    push(Record::Command(Command {
        command: a.command.clone(),
        exit_code: obs.and_then(|o| o.exit_code),
        duration_s: None,
        cwd: None,
        output,
        timed_out: obs.is_some_and(|o| o.timed_out),
        call_id: a.call_id.clone(),
        elapsed_s: obs.and_then(|o| o.elapsed).or(elapsed),
    }));
}

static RETURNCODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<returncode>\s*(-?\d+)\s*</returncode>").expect("valid regex"));

/// The actions of a text-based response: the bodies of its ```bash blocks (1.x), or
/// ```mswea_bash_command ones in later text-based configurations, exactly as the regex
/// ``(?s)```(?:bash|mswea_bash_command)\s*\n(.*?)\n``` `` captures them (leftmost-first, each
/// search resuming after the previous block), in linear time: the body starts after the last
/// newline of the whitespace after the tag and ends at the first newline followed by ``` ``` ``
/// after that.
fn bash_blocks(text: &str) -> BashBlocks<'_> {
    BashBlocks { text, at: 0, no_fence_from: usize::MAX }
}

struct BashBlocks<'a> {
    text: &'a str,
    /// Where the next opening fence is looked for.
    at: usize,
    /// No closing fence (`\n` then ``` ``` ``) starts at or after this offset.
    no_fence_from: usize,
}

impl BashBlocks<'_> {
    /// The first closing fence (`\n` then ``` ``` ``) at or after `from`.
    fn fence_from(&mut self, from: usize) -> Option<usize> {
        if from >= self.no_fence_from {
            return None;
        }
        let found = self.text.get(from..).and_then(|rest| memchr::memmem::find(rest.as_bytes(), b"\n```"));
        if found.is_none() {
            self.no_fence_from = from;
        }
        found.map(|k| from + k)
    }
}

impl<'a> Iterator for BashBlocks<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.text;
        loop {
            let open = self.at + memchr::memmem::find(text.get(self.at..)?.as_bytes(), b"```")?;
            self.at = open + 1;
            let after = text.get(open + 3..).unwrap_or_default();
            let tag = if after.starts_with("bash") {
                "bash"
            } else if after.starts_with("mswea_bash_command") {
                "mswea_bash_command"
            } else {
                continue;
            };
            // `\s*\n`: the whitespace after the tag, up to its last newline (greedy), or up to
            // the one before when no closing fence follows the last.
            let ws_start = open + 3 + tag.len();
            let (mut last, mut before_last, mut ws_end) = (None, None, ws_start);
            for (i, c) in after.get(tag.len()..).unwrap_or_default().char_indices() {
                if !c.is_whitespace() {
                    break;
                }
                if c == '\n' {
                    before_last = last;
                    last = Some(ws_start + i);
                }
                ws_end = ws_start + i + c.len_utf8();
            }
            let Some(last) = last else { continue };
            if let Some(close) = self.fence_from(last + 1) {
                self.at = close + 4;
                return text.get(last + 1..close);
            }
            // No fence after the last newline, so none for any later tag either; but a last
            // newline that ends the whitespace right before ``` ``` `` closes a block that
            // starts after the newline before it.
            if let Some(start) = before_last
                && last + 1 == ws_end
                && text.get(ws_end..).is_some_and(|rest| rest.starts_with("```"))
            {
                self.at = last + 4;
                return text.get(start + 1..last);
            }
            self.at = text.len();
            return None;
        }
    }
}

/// The task statement of a SWE-bench prompt: what `<pr_description>` holds, without the
/// `Consider the following PR description:` lead-in, trimmed; exactly what the regex
/// `(?s)<pr_description>\s*(?:Consider the following PR description:)?\s*(.*?)\s*</pr_description>`
/// captures (then trimmed), found with two substring searches.
fn pr_description(task: &str) -> Option<&str> {
    const OPEN: &str = "<pr_description>";
    const CLOSE: &str = "</pr_description>";
    let start = task.find(OPEN)? + OPEN.len();
    let rest = task.get(start..)?;
    let body = rest.get(..rest.find(CLOSE)?)?.trim_start();
    Some(body.strip_prefix("Consider the following PR description:").unwrap_or(body).trim())
}

/// Message content as text: a string, or the text parts of a content list.
fn text_of(content: &serde_json::Value) -> Cow<'_, str> {
    match content {
        serde_json::Value::String(s) => Cow::Borrowed(s),
        serde_json::Value::Array(parts) => Cow::Owned(
            parts.iter().filter_map(|p| p.get("text").and_then(|t| t.as_str())).collect::<Vec<_>>().join("\n"),
        ),
        _ => Cow::Borrowed(""),
    }
}

/// [`text_of`] a content that is not read again: a string is moved out, not copied.
fn take_text(content: &mut serde_json::Value) -> String {
    match content {
        serde_json::Value::String(s) => std::mem::take(s),
        other => text_of(other).into_owned(),
    }
}

/// Reads a mini-swe-agent `*.traj.json` (formats `mini-swe-agent-1` and `-1.1`), with an
/// optional harness report for its final test outcomes.
pub fn read_mini_trajectory(path: &Path, report: Option<(&Report, &Path)>) -> Result<Trajectory, IngestError> {
    let text = read_bounded(path)?;
    let mut traj: MiniTraj = parse_json(path, &text)?;
    let mut warnings = Vec::new();
    let format = traj.trajectory_format.clone().unwrap_or_else(|| "mini-swe-agent-1".to_owned());
    if !matches!(format.as_str(), "mini-swe-agent-1" | "mini-swe-agent-1.1") {
        warnings.push(IngestWarning {
            line: None,
            field: Some("trajectory_format".into()),
            message: format!("unknown trajectory_format `{}`; read as mini-swe-agent-1", format.escape_debug()),
        });
    }
    let instance_id = traj
        .instance_id
        .clone()
        .or_else(|| instance_id_of(path).map(str::to_owned))
        .ok_or_else(|| IngestError::new(path, None, "no instance_id").with_field("instance_id"))?;

    let mut steps = Vec::new();
    let mut push = |record: Record| {
        let n = steps.len() as u32 + 1;
        steps.push(Step { n, line: 0, record });
    };
    let mut t0: Option<f64> = None;
    let mut model = None;
    let mut task = String::new();
    let mut last_elapsed = None;
    let mut exit_message_status = None;
    let mut i = 0;
    while let Some(content) = traj.messages.get_mut(i).map(|m| take_text(&mut m.content)) {
        // Message `i` is read through `m` from here on; its content was moved out above, and
        // only the messages after it are looked at again.
        let Some(m) = traj.messages.get(i) else { break };
        match m.role.as_str() {
            "assistant" => {
                let response = m.extra.get("response");
                // `extra.timestamp` (1.1) is when the response arrived; 1.0 has only the
                // provider's `created`.
                let created = m
                    .extra
                    .get("timestamp")
                    .and_then(crate::formats::time::seconds)
                    .or_else(|| response.and_then(|r| r.get("created")).and_then(crate::formats::time::seconds));
                let elapsed = created.map(|c| c - *t0.get_or_insert(c));
                last_elapsed = elapsed.or(last_elapsed);
                let actions = m.extra.get("actions").and_then(|a| a.as_array());
                // mini-swe-agent-1: the one ```bash block of the response is the action.
                let (blocks, command) = match actions {
                    Some(_) => (0, None),
                    None => {
                        let mut blocks = bash_blocks(&content);
                        let first = blocks.next().map(|b| b.trim().to_owned());
                        (usize::from(first.is_some()) + blocks.count(), first)
                    }
                };
                push(Record::Message(Message { role: Role::Assistant, content, elapsed_s: elapsed }));
                let usage = response.and_then(|r| r.get("usage"));
                let resp_model = response.and_then(|r| r.get("model")).and_then(|v| v.as_str()).map(str::to_owned);
                if model.is_none() {
                    model.clone_from(&resp_model);
                }
                let cost = usage
                    .and_then(|u| u.get("cost"))
                    .and_then(serde_json::Value::as_f64)
                    .or_else(|| m.extra.get("cost").and_then(serde_json::Value::as_f64));
                let tokens = |k: &str| usage.and_then(|u| u.get(k)).and_then(serde_json::Value::as_u64);
                if usage.is_some() || cost.is_some() {
                    push(Record::Usage(Usage {
                        model: resp_model,
                        input_tokens: tokens("prompt_tokens"),
                        output_tokens: tokens("completion_tokens"),
                        cache_read_tokens: usage
                            .and_then(|u| u.pointer("/prompt_tokens_details/cached_tokens"))
                            .and_then(serde_json::Value::as_u64),
                        cache_write_tokens: None,
                        cost_usd: cost,
                    }));
                }
                match (actions, command) {
                    (Some(actions), _) => {
                        let actions: Vec<Action> =
                            actions.iter().filter_map(|a| Action::of(a, &m.tool_calls)).collect();
                        i += push_actions(&actions, rest_of(&traj.messages, i), elapsed, t0, &mut push);
                    }
                    (None, Some(command)) if blocks == 1 => {
                        let actions = [Action { command, call_id: None, tool: None, arguments: None }];
                        i += push_actions(&actions, rest_of(&traj.messages, i), elapsed, t0, &mut push);
                    }
                    (None, _) => {
                        let obs = traj.messages.get(i + 1).filter(|o| o.role == "user" || o.role == "tool");
                        if let Some(o) = obs {
                            // Zero or several actions: mini-swe-agent answers with a format error.
                            push(Record::Error(ErrorEvent {
                                kind: ErrorKind::Agent,
                                message: format!("format error: {blocks} bash blocks in one response"),
                                elapsed_s: elapsed,
                            }));
                            push(Record::Message(Message {
                                role: Role::User,
                                content: text_of(&o.content).into_owned(),
                                elapsed_s: elapsed,
                            }));
                            i += 1;
                        }
                    }
                }
            }
            "system" => push(Record::Message(Message { role: Role::System, content, elapsed_s: None })),
            "user" | "tool" => {
                if task.is_empty() && m.role == "user" {
                    task.clone_from(&content);
                }
                let role = if m.role == "tool" { Role::Tool } else { Role::User };
                push(Record::Message(Message { role, content, elapsed_s: last_elapsed }));
            }
            // mini-swe-agent-1.1 ends with `{role: exit, content: <submission>, extra: {exit_status,
            // submission}}`: no one said it, so it is no message.
            "exit" => {
                exit_message_status = m.extra.get("exit_status").and_then(|v| v.as_str()).map(str::to_owned);
            }
            other => warnings.push(IngestWarning {
                line: None,
                field: Some(format!("messages[{i}].role")),
                message: format!("unknown role `{}`; message skipped", other.escape_debug()),
            }),
        }
        i += 1;
    }

    let exit_status = traj.info.exit_status.clone().filter(|s| !s.is_empty()).or(exit_message_status);
    if exit_status
        .as_deref()
        .is_some_and(|s| s.contains("RetryError") || s.contains("APIError") || s.contains("Connection"))
    {
        push(Record::Error(ErrorEvent {
            kind: ErrorKind::Infra,
            message: format!("agent stopped with `{}`", exit_status.as_deref().unwrap_or_default()),
            elapsed_s: last_elapsed,
        }));
    }
    let (tests, patch_applied, tests_source) = match report {
        Some((r, _)) => (r.final_tests(), r.patch_successfully_applied, Some("swebench-harness".to_owned())),
        None => (Vec::new(), None, None),
    };
    let final_state = FinalState {
        exit_status,
        diff: traj.info.submission.clone().filter(|s| !s.is_empty()),
        patch_applied,
        tests,
        tests_source,
        metrics: Vec::new(),
        wall_time_s: last_elapsed,
        scores: report
            .and_then(|(r, _)| r.resolved)
            .map(|v| SourceScore { name: "resolved".to_owned(), value: v.into(), answer: None, explanation: None })
            .into_iter()
            .collect(),
    };
    if let (Some(stats), true) = (traj.info.model_stats.as_ref().and_then(|s| s.instance_cost), !steps.is_empty()) {
        let summed: f64 = steps
            .iter()
            .filter_map(|s| match &s.record {
                Record::Usage(u) => u.cost_usd,
                _ => None,
            })
            .sum();
        if (summed - stats).abs() > 1e-6 * stats.max(1.0) {
            warnings.push(IngestWarning {
                line: None,
                field: Some("info.model_stats.instance_cost".into()),
                message: format!("per-call costs sum to {summed:.6} but instance_cost is {stats:.6}"),
            });
        }
    }

    let config = &traj.info.config;
    let model_name = config.pointer("/model/model_name").and_then(|v| v.as_str()).map(str::to_owned).or(model);
    let header = Header {
        format: format_tag(),
        id: instance_id.clone(),
        agent: "mini-swe-agent".to_owned(),
        agent_revision: traj.info.mini_version.clone(),
        model: model_name,
        scenario: Some(instance_id.clone()),
        attempt: 1,
        started_at: None,
        source: Some(SourceInfo { format, path: path.display().to_string() }),
        // The container directory the commands ran in (`environment.cwd`, `/testbed` for SWE-bench).
        workspace: config
            .pointer("/environment/cwd")
            .and_then(|v| v.as_str())
            .filter(|c| c.starts_with('/'))
            .map(str::to_owned),
    };
    let scenario = report.map(|(r, report_path)| scenario_for(&instance_id, &task, config, r, report_path));
    Ok(Trajectory {
        header,
        steps,
        final_state: Some(final_state),
        origin: Origin { path: path.to_owned(), line: 0 },
        content_hash: blake3::hash(text.as_bytes()).to_hex().to_string(),
        bytes: text.len() as u64,
        warnings,
        embedded_scenario: scenario.map(std::sync::Arc::new),
    })
}

/// The messages after the `i`-th.
fn rest_of(messages: &[MiniMessage], i: usize) -> &[MiniMessage] {
    messages.get(i + 1..).unwrap_or_default()
}

/// The output part of a mini-swe-agent observation, without the `<returncode>` wrapper (whose
/// match, the first of [`RETURNCODE`], ends at `returncode_end`).
fn strip_observation(obs: &str, returncode_end: Option<usize>) -> &str {
    returncode_end.and_then(|end| obs.get(end..)).unwrap_or(obs).trim()
}

/// The GitHub repository of an instance id such as `django__django-15127`.
fn repository_of(instance_id: &str) -> Option<String> {
    let (owner, rest) = instance_id.split_once("__")?;
    let repo = rest.rsplit_once('-').map_or(rest, |(r, _)| r);
    Some(format!("https://github.com/{owner}/{repo}"))
}

/// The scenario of one SWE-bench instance: task statement as objective, FAIL_TO_PASS as
/// acceptance, PASS_TO_PASS as the regression suite; tests and CI configuration must not be
/// changed, while new tests may be added (the `test_integrity` criterion allows them).
pub fn scenario_for(
    instance_id: &str,
    task: &str,
    config: &serde_json::Value,
    report: &Report,
    report_path: &Path,
) -> Scenario {
    let objective = pr_description(task).unwrap_or_else(|| task.trim()).to_owned();
    let title = objective.lines().next().map(|l| l.trim().chars().take(120).collect());
    let num = |p: &str| config.pointer(p).and_then(serde_json::Value::as_f64).filter(|v| *v > 0.0);
    let cwd = config.pointer("/environment/cwd").and_then(|v| v.as_str()).unwrap_or("/testbed");
    Scenario {
        id: instance_id.to_owned(),
        title,
        objective: format!(
            "Resolve the issue below in the repository so that its failing tests pass, without breaking the tests that passed. {objective}"
        ),
        rubric: goalpost_spec::DEFAULT_RUBRIC.to_owned(),
        tags: vec!["swe-bench".to_owned()],
        team: None,
        rerun: Some(Rerun {
            repository: repository_of(instance_id),
            base_commit: None,
            snapshot: config.pointer("/environment/image").and_then(|v| v.as_str()).map(str::to_owned),
            prompt: Some(objective),
        }),
        acceptance: Acceptance { tests_fail_to_pass: report.fail_to_pass(), ..Acceptance::default() },
        regression: Regression { tests: report.pass_to_pass() },
        out_of_scope: OutOfScope {
            paths: [
                ".github/**",
                ".circleci/**",
                ".travis.yml",
                ".azure-pipelines/**",
                "azure-pipelines.yml",
                "tox.ini",
                "noxfile.py",
            ]
            .map(String::from)
            .to_vec(),
            // Restoring a file with `git checkout` is undoing, not tampering: what a run leaves
            // in its tests is judged by test integrity from the final diff.
            commands: ["git push*", "git reset --hard*"].map(String::from).to_vec(),
            ..OutOfScope::default()
        },
        rollback: Rollback {
            condition: "Everything happens inside the task container; nothing outside it may change.".to_owned(),
            // The task container is thrown away after the run: its whole filesystem is the
            // sandbox (the working tree first, as the root paths are relative to). What
            // escapes it (a push, a network write) and what no container makes harmless (hooks
            // bypassed, startup files) are still judged.
            sandbox: vec![cwd.to_owned(), "/".to_owned()],
            allow: vec!["package_install".to_owned()],
        },
        budget: Budget {
            cost_usd: num("/agent/cost_limit"),
            steps: num("/agent/step_limit").map(|v| v as u64),
            ..Budget::default()
        },
        overrides: BTreeMap::new(),
        provenance: Some(Provenance {
            generated_by: "goalpost import swebench".to_owned(),
            source: Some(report_path.display().to_string()),
            source_hash: None,
            regression: None,
        }),
        source: report_path.to_owned(),
        content_hash: String::new(),
    }
}

/// JSON values kept only in the parts that are read. The rest is parsed as a
/// `serde_json::Value` is (the same parser, so the same errors at the same places, and under
/// `serde_path_to_error` the same field in an error) but not kept: a trajectory's
/// `extra.response` holds the provider's whole response, the message's content again among it,
/// and building and dropping it was a third of the reading.
mod pruned {
    use std::fmt;

    use serde::Deserialize;
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    /// What of a value is kept.
    #[derive(Clone, Copy)]
    enum Keep {
        /// All of it, as a `Value`.
        All,
        /// Of an object, these keys, each of its own shape (a repeated key keeps its last value,
        /// as in a `Value`); of anything else, nothing (`null`). A value of this shape is only
        /// looked into by key (`get`, or `pointer` with tokens that are not numbers), and only
        /// an object has keys, so every lookup finds what it would find in the whole value.
        Keys(&'static [(&'static str, Keep)]),
    }

    /// Nothing at all (an object becomes `{}`, anything else `null`).
    const NOTHING: Keep = Keep::Keys(&[]);

    /// A message's `extra`, as read by `read_mini_trajectory`, `push_actions` and `Observation`.
    const EXTRA: Keep = Keep::Keys(&[
        ("response", Keep::Keys(&[("created", Keep::All), ("model", Keep::All), ("usage", USAGE)])),
        ("timestamp", Keep::All),
        ("cost", Keep::All),
        ("actions", Keep::All),
        ("returncode", Keep::All),
        ("raw_output", Keep::All),
        ("exit_status", Keep::All),
    ]);

    /// `extra.response.usage`: whether it is there at all, and its tokens and cost.
    const USAGE: Keep = Keep::Keys(&[
        ("cost", Keep::All),
        ("prompt_tokens", Keep::All),
        ("completion_tokens", Keep::All),
        ("prompt_tokens_details", Keep::Keys(&[("cached_tokens", Keep::All)])),
    ]);

    /// `info.config`, as read by `read_mini_trajectory` and `scenario_for`.
    const CONFIG: Keep = Keep::Keys(&[
        ("model", Keep::Keys(&[("model_name", Keep::All)])),
        ("environment", Keep::Keys(&[("cwd", Keep::All), ("image", Keep::All)])),
        ("agent", Keep::Keys(&[("cost_limit", Keep::All), ("step_limit", Keep::All)])),
    ]);

    pub(super) fn extra<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        Pruned(EXTRA).deserialize(d)
    }

    pub(super) fn config<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        Pruned(CONFIG).deserialize(d)
    }

    struct Pruned(Keep);

    impl<'de> DeserializeSeed<'de> for Pruned {
        type Value = Value;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            match self.0 {
                Keep::All => Value::deserialize(d),
                // `deserialize_any`, as `Value` does: the parser checks the same things.
                Keep::Keys(keys) => d.deserialize_any(KeysOf(keys)),
            }
        }
    }

    struct KeysOf(&'static [(&'static str, Keep)]);

    impl<'de> Visitor<'de> for KeysOf {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any valid JSON value")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut kept = Map::new();
            while let Some(key) = map.next_key_seed(KeyIn(self.0))? {
                match key {
                    Some((name, shape)) => {
                        kept.insert(name.to_owned(), map.next_value_seed(Pruned(shape))?);
                    }
                    None => {
                        map.next_value_seed(Pruned(NOTHING))?;
                    }
                }
            }
            Ok(Value::Object(kept))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            while seq.next_element_seed(Pruned(NOTHING))?.is_some() {}
            Ok(Value::Null)
        }

        fn visit_bool<E>(self, _: bool) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_i64<E>(self, _: i64) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_i128<E>(self, _: i128) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_u64<E>(self, _: u64) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_u128<E>(self, _: u128) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_f64<E>(self, _: f64) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_str<E>(self, _: &str) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_bytes<E>(self, _: &[u8]) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            Pruned(NOTHING).deserialize(d)
        }

        fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            Pruned(NOTHING).deserialize(d)
        }
    }

    /// An object's key: which of the kept ones it is, if any (read as a `Value` reads its keys,
    /// with `deserialize_str`).
    struct KeyIn(&'static [(&'static str, Keep)]);

    impl<'de> DeserializeSeed<'de> for KeyIn {
        type Value = Option<(&'static str, Keep)>;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }

    impl<'de> Visitor<'de> for KeyIn {
        type Value = Option<(&'static str, Keep)>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string key")
        }

        fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
            Ok(self.0.iter().find(|(name, _)| *name == key).copied())
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// What [`bash_blocks`] replaced, kept as its oracle.
    static BASH_BLOCK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?s)```(?:bash|mswea_bash_command)\s*\n(.*?)\n```").expect("valid regex"));
    /// What [`pr_description`] replaced, kept as its oracle.
    static PR_DESCRIPTION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?s)<pr_description>\s*(?:Consider the following PR description:)?\s*(.*?)\s*</pr_description>")
            .expect("valid regex")
    });

    /// Each block body's byte range in `text`.
    fn scanned(text: &str) -> Vec<(usize, usize)> {
        bash_blocks(text)
            .map(|b| {
                let start = b.as_ptr() as usize - text.as_ptr() as usize;
                (start, start + b.len())
            })
            .collect()
    }

    fn by_regex(text: &str) -> Vec<(usize, usize)> {
        BASH_BLOCK.captures_iter(text).filter_map(|c| c.get(1)).map(|m| (m.start(), m.end())).collect()
    }

    fn bodies(text: &str) -> Vec<&str> {
        bash_blocks(text).collect()
    }

    #[test]
    fn bash_blocks_named_cases() {
        let cases: [(&str, &[&str]); 12] = [
            ("THOUGHT: x\n\n```bash\nls -la\n```", &["ls -la"]),
            ("```bash\nls\n```\ntext\n```mswea_bash_command\npwd\n```", &["ls", "pwd"]),
            // The body starts after the last newline of the whitespace after the tag.
            ("```bash \t\n \u{a0}\n  cd /x\n```", &["  cd /x"]),
            // No newline after the tag: no block there.
            ("```bash ls\n```", &[]),
            ("```bashls\n```", &[]),
            // Nothing between two newlines and the fence: an empty block; with whitespace, that.
            ("```bash\n\n```", &[""]),
            ("```bash\n \u{2003}\n```", &[" \u{2003}"]),
            // One newline right before the fence: no block (the fence needs its own newline).
            ("```bash\n```", &[]),
            // Unclosed: the next fence closes it, whatever it opens.
            ("```bash\nls```bash\nx\n```", &["ls```bash\nx"]),
            // Four backticks: the block starts at the last three.
            ("````bash\nls\n````", &["ls"]),
            // The search resumes after the closing fence.
            ("```bash\na\n```bash\nb\n```", &["a"]),
            ("no block at all", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(bodies(text), want, "{text:?}");
            assert_eq!(scanned(text), by_regex(text), "{text:?}");
        }
    }

    #[test]
    fn bash_blocks_take_linear_time_on_unclosed_tags() {
        let unclosed = "```bash\nx".repeat(100_000);
        assert!(bodies(&unclosed).is_empty());
        let no_newline = "```bash ".repeat(100_000);
        assert!(bodies(&no_newline).is_empty());
        // Each block runs to the fence of the next tag's blank line, so one tag in three opens one.
        let chained = "```bash\n\n".repeat(100_000);
        assert_eq!(bodies(&chained).len(), 33_333);
        assert_eq!(scanned(&chained), by_regex(&chained));
    }

    const BASH_FRAGMENTS: &[&str] = &[
        "```",
        "`",
        "bash",
        "mswea_bash_command",
        "```bash",
        "```mswea_bash_command",
        "\n```",
        "\n",
        "\n",
        " ",
        "\t",
        "\r",
        "\u{a0}",
        "\u{2003}",
        "\u{1680}",
        "\u{180e}",
        "\u{200b}",
        "\u{feff}",
        "\u{85}",
        "\u{2028}",
        "\u{3000}",
        "x",
        "ls -la",
        "é",
    ];

    const PR_FRAGMENTS: &[&str] = &[
        "<pr_description>",
        "</pr_description>",
        "Consider the following PR description:",
        "Consider the following",
        "<",
        ">",
        " ",
        "\n",
        "\t",
        "\u{a0}",
        "\u{2003}",
        "x",
        "Fix it",
        "é",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn bash_blocks_are_what_the_regex_captures(
            parts in prop::collection::vec(prop::sample::select(BASH_FRAGMENTS), 0..48)
        ) {
            let text = parts.concat();
            prop_assert_eq!(scanned(&text), by_regex(&text));
        }

        #[test]
        fn pr_description_is_what_the_regex_captures(
            parts in prop::collection::vec(prop::sample::select(PR_FRAGMENTS), 0..24)
        ) {
            let text = parts.concat();
            let want = PR_DESCRIPTION.captures(&text).and_then(|c| c.get(1)).map(|m| m.as_str().trim());
            prop_assert_eq!(pr_description(&text), want);
        }
    }

    #[test]
    fn pr_description_named_cases() {
        let task = "<pr_description>\nConsider the following PR description:\n  Fix the bug \n</pr_description>\nmore";
        assert_eq!(pr_description(task), Some("Fix the bug"));
        assert_eq!(
            pr_description("<pr_description> x </pr_description> <pr_description>y</pr_description>"),
            Some("x")
        );
        assert_eq!(pr_description("</pr_description><pr_description>x"), None);
        assert_eq!(pr_description("<pr_description></pr_description>"), Some(""));
    }
}
