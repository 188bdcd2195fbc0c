//! OpenHands (formerly OpenDevin) trajectories, in the shapes OpenHands writes them:
//! - an evaluation `output.jsonl`, one instance per line: `instance_id`, `instruction`,
//!   `instance`, `metadata{agent_class, llm_config.model, git_commit, …}`,
//!   `metrics{accumulated_cost, accumulated_token_usage, costs[], token_usages[]}`,
//!   `test_result{git_patch, report?}`, `error` and `history[]` (a pretty-printed single
//!   instance, or a JSON array of instances, is read the same way);
//! - a resolver `output.jsonl` line (`issue{owner, repo, number}`, `git_patch`, `success`,
//!   `result_explanation`, `metrics`, `history[]`);
//! - a bare event stream: a JSON array of events (the runtime's replay trajectories).
//!
//! `history` may hold events (`{id, timestamp, source, message, action|observation,
//! args | content+extras, cause, tool_call_metadata, llm_metrics}`), `[action, observation]`
//! pairs of events (what `compatibility_for_eval_history_pairs` writes), or the older flat
//! OpenDevin items whose arguments sit at the top level (`{"command","thought","action":"run",
//! "is_confirmed"}`, `{"content","command","exit_code","observation":"run"}`). An observation
//! belongs to the action its `cause` names; a flat item without ids to the action before it.
//! OpenHands writes no format version: the shapes are told apart by their structure.
//!
//! What it provides: user, assistant and system messages (an action's `thought` is the
//! assistant text that preceded the call); every action the model called as a tool
//! (`tool_call_metadata.function_name`, arguments as the model sent them, `call_id` =
//! `tool_call_id`) or, in versions without function calling, named after its action:
//! `run` → `execute_bash`, `run_ipython` → `execute_ipython_cell`, `browse*` → `browser`, any
//! other → the action's name. MCP tools keep OpenHands' own name; the server is not recorded.
//! `run` is also a command, with the exit code of its observation (`extras.metadata.exit_code`,
//! or `extras.exit_code` in older versions) and its duration from the two timestamps; the
//! working directory is the one the previous command ended in. `edit` (`str_replace_editor`
//! create/str_replace/insert/undo_edit, or the older LLM-based edit) and `write` are file
//! edits unless the tool answered with an error, with OpenHands' own diff when recorded, else
//! one built from the arguments; an IPython cell whose output is agentskills' own edit report
//! (`[File: P (N lines total after edit)]`, `[File P created.]`) is an edit of `P` without a
//! diff. An `error` observation that answers no action is an agent error event; the line's
//! `error` is one too (infra when it names an `AgentRuntime…` or connection error).
//!
//! Usage: one record per model call, from `metrics.token_usages` (placed before the first
//! action of the response with that `response_id`, the rest at the end) with `costs[i]` when
//! there is one cost per call; without `token_usages`, from each response's own
//! `model_response.usage`, and costs alone as cost-only records. `input_tokens` is the
//! provider's prompt count, which includes cached prompt tokens; `cache_read_tokens` is the
//! cached part. The sums are checked against `accumulated_cost` and `accumulated_token_usage`
//! (a warning when they differ); a run that recorded only these totals gets one usage record
//! with them. A bare stream has no totals: its cost is the last `llm_metrics.accumulated_cost`.
//!
//! Final state: `test_result.git_patch` (or the resolver's `git_patch`) as the diff; the exit
//! status is the last `agent_state_changed` state, else `finished` after a `finish` action,
//! else `error` when the line has one. Source scores: the SWE-bench evaluation's
//! `test_result.report.resolved` (with `patch_applied` from `failed_apply_patch`) and the
//! resolver's `success` with its `result_explanation`.
//!
//! Header: `id` = `scenario` = `instance_id` (a resolver's `owner/repo#number`; a bare stream
//! has no id and is named by its content hash); `agent` = `openhands/<agent_class>` (like
//! `inspect-ai/<solver>`: OpenHands runs several agents) or `openhands` when no class is
//! recorded; `agent_revision` = `metadata.git_commit`, the OpenHands commit; `model` =
//! `llm_config.model`, else the first response's model.
//!
//! What it cannot: exit code `-1` is OpenHands' placeholder for a command that had not
//! finished when its output was returned (no new output for a while, a hard timeout, an
//! interrupt), so it is read as no exit code, `timed_out` when the output says the command
//! timed out; naive timestamps (no offset, as OpenHands writes them) give elapsed times but no
//! `started_at`; no per-test outcomes are recorded; the V1 SDK event model
//! (`kind: ActionEvent`) is not read.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read;
use std::path::Path;

use serde_json::Value;

use super::edits;
use super::util::{Builder, HeaderParts, cap, guarded, hash, json_lines, parse_json, pointer_to_field, read_bounded};
use super::{Peek, has_key};
use crate::model::{
    Command, EditOp, ErrorEvent, ErrorKind, FileEdit, FinalState, Message, Record, Role, SourceScore, ToolCall,
    ToolResult, Usage,
};
use crate::{IngestError, Limits, Trajectory};

/// Action arguments that are OpenHands' bookkeeping, not what the model passed to the tool.
const BOOKKEEPING: &[&str] = &[
    "action",
    "thought",
    "is_confirmed",
    "confirmation_state",
    "action_risk",
    "security_risk",
    "keep_prompt",
    "hidden",
    "blocking",
    "is_static",
    "impl_source",
    "translated_ipython_code",
    "kernel_init_code",
];

/// Whether a file is in this format.
pub(crate) fn sniff(peek: &Peek<'_>) -> bool {
    let h = peek.head;
    let events = has_str_value(h, "action") || has_str_value(h, "observation");
    let history = has_key(h, "history");
    let output_line = history && (has_key(h, "instance_id") || has_key(h, "instruction"));
    // Keys may come in any order (a rewritten file sorts them): events in a history suffice.
    let history_events = history
        && events
        && (has_key(h, "extras")
            || has_key(h, "cause")
            || has_key(h, "tool_call_metadata")
            || has_key(h, "is_confirmed"));
    let stream = peek.first_line().starts_with('[')
        && has_key(h, "source")
        && has_key(h, "timestamp")
        && (events || (has_key(h, "id") && has_key(h, "message")));
    (output_line && (events || has_key(h, "test_result") || has_key(h, "git_patch"))) || history_events || stream
}

/// Whether `text` has `"key"` followed by a string value (V1 SDK events have objects there).
fn has_str_value(text: &str, key: &str) -> bool {
    let quoted = format!("\"{key}\"");
    text.match_indices(&quoted).any(|(i, _)| {
        text.get(i + quoted.len()..)
            .and_then(|r| r.trim_start().strip_prefix(':'))
            .is_some_and(|r| r.trim_start().starts_with('"'))
    })
}

/// The trajectories of one file.
pub(crate) fn read(path: &Path, limits: &Limits) -> Vec<Result<Trajectory, IngestError>> {
    match shape(path) {
        Err(e) => vec![Err(e)],
        Ok(Shape::Lines) => read_lines(path, limits),
        Ok(shape) => {
            let doc = read_bounded(path, limits).and_then(|bytes| Ok((parse_json(path, &bytes)?, bytes)));
            match doc {
                Err(e) => vec![Err(e)],
                Ok((Value::Array(items), _)) if items.first().is_some_and(|i| i.get("history").is_some()) => items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        guarded(
                            path,
                            || format!("instance [{i}]"),
                            || read_output(path, limits, item, 0, &serde_json::to_vec(item).unwrap_or_default()),
                        )
                    })
                    .collect(),
                Ok((root @ Value::Array(_), bytes)) => vec![read_stream(path, limits, &root, &bytes)],
                Ok((root, bytes)) if shape == Shape::Object => vec![read_output(path, limits, &root, 0, &bytes)],
                Ok(_) => vec![Err(IngestError::new(path, None, "expected a JSON array of OpenHands events"))],
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One output instance per line.
    Lines,
    /// A pretty-printed output instance.
    Object,
    /// A JSON array: an event stream, or output instances.
    Array,
}

/// Tells a JSON array, a pretty-printed object and JSON Lines apart by the first bytes.
fn shape(path: &Path) -> Result<Shape, IngestError> {
    let mut head = Vec::new();
    fs_err::File::open(path)
        .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
        .map_err(|e| IngestError::new(path, None, e.to_string()))?;
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('[') {
        Ok(Shape::Array)
    } else if text.lines().next().is_some_and(|l| l.trim() == "{") {
        Ok(Shape::Object)
    } else if text.starts_with('{') {
        Ok(Shape::Lines)
    } else {
        Err(IngestError::new(path, None, "neither OpenHands output lines nor a JSON array of OpenHands events"))
    }
}

fn read_lines(path: &Path, limits: &Limits) -> Vec<Result<Trajectory, IngestError>> {
    let lines = match json_lines(path, limits) {
        Ok(lines) => lines,
        Err(e) => return vec![Err(e)],
    };
    let out: Vec<_> = lines
        .map(|item| {
            item.and_then(|(line, v)| {
                guarded(
                    path,
                    || format!("the instance on line {line}"),
                    || read_output(path, limits, &v, line, &serde_json::to_vec(&v).unwrap_or_default()),
                )
            })
        })
        .collect();
    if out.is_empty() {
        return vec![Err(IngestError::new(path, None, "no OpenHands output lines"))];
    }
    out
}

/// One evaluation or resolver output instance.
fn read_output(
    path: &Path,
    limits: &Limits,
    root: &Value,
    line: u64,
    content: &[u8],
) -> Result<Trajectory, IngestError> {
    let l = Some(line).filter(|l| *l > 0);
    if !root.is_object() {
        return Err(IngestError::new(path, l, "an OpenHands output instance must be a JSON object"));
    }
    let resolver = root.get("issue").is_some() && root.get("instance_id").is_none();
    let format = if resolver { "openhands/resolver-output" } else { "openhands/eval-output" };
    let mut c = Conv::new(path, limits, root, line, format);
    c.plan_usage();
    let history = c.b.array(root, "/history", l);
    for (i, ev) in flatten(history, "/history").iter().enumerate() {
        c.event(ev, i);
    }
    c.flush();
    c.rest_of_usage();
    c.check_totals();
    let error = c.b.str(root, "/error", l).filter(|e| !e.trim().is_empty());
    if let Some(e) = error {
        c.push(Record::Error(ErrorEvent { kind: error_kind(e), message: cap(e), elapsed_s: None }));
    }

    let id = if resolver { c.issue_ref() } else { c.b.str(root, "/instance_id", l).map(str::to_owned) };
    let agent_class = c.b.str(root, "/metadata/agent_class", l).filter(|s| !s.is_empty());
    let model = c.b.str(root, "/metadata/llm_config/model", l).map(str::to_owned).or_else(|| c.model.clone());
    let header = HeaderParts {
        id: id.clone().unwrap_or_default(),
        agent: agent_class.map_or_else(|| "openhands".to_owned(), |a| format!("openhands/{a}")),
        agent_revision: c.b.str(root, "/metadata/git_commit", l).filter(|s| !s.is_empty()).map(str::to_owned),
        model,
        scenario: id,
        attempt: None,
        started_at: c.started_at.clone(),
        workspace: Some(WORKSPACE.to_owned()),
    };

    let mut fin = c.final_state(error.is_some());
    let patch = if resolver { "/git_patch" } else { "/test_result/git_patch" };
    fin.diff = c.b.str(root, patch, l).filter(|d| !d.trim().is_empty()).map(str::to_owned);
    if let Some(resolved) = c.b.bool(root, "/test_result/report/resolved", l) {
        fin.scores.push(SourceScore {
            name: "resolved".into(),
            value: resolved.into(),
            answer: None,
            explanation: None,
        });
    }
    let empty = c.b.bool(root, "/test_result/report/empty_generation", l) == Some(true);
    fin.patch_applied = c.b.bool(root, "/test_result/report/failed_apply_patch", l).filter(|_| !empty).map(|f| !f);
    if resolver && let Some(success) = c.b.bool(root, "/success", l) {
        let explanation = c.b.str(root, "/result_explanation", l).filter(|s| !s.is_empty()).map(str::to_owned);
        fin.scores.push(SourceScore { name: "success".into(), value: success.into(), answer: None, explanation });
    }
    c.b.finish(header, Some(fin), content, line)
}

/// Where OpenHands' runtime mounts the workspace in its sandbox (`workspace_mount_path_in_sandbox`,
/// the same in every OpenHands and OpenDevin version): the directory its agent works in.
const WORKSPACE: &str = "/workspace";

/// A bare event stream (a JSON array of events).
fn read_stream(path: &Path, limits: &Limits, root: &Value, bytes: &[u8]) -> Result<Trajectory, IngestError> {
    let mut c = Conv::new(path, limits, root, 0, "openhands/events");
    let events = root.as_array().map_or(&[][..], Vec::as_slice);
    for (i, ev) in flatten(events, "").iter().enumerate() {
        c.event(ev, i);
    }
    c.flush();
    let costed = c.b.steps().iter().any(|s| matches!(&s.record, Record::Usage(u) if u.cost_usd.is_some()));
    if let Some(cost) = c.last_cost.filter(|c| *c > 0.0 && !costed) {
        c.push(Record::Usage(Usage { model: c.model.clone(), cost_usd: Some(cost), ..Usage::default() }));
    }
    let header = HeaderParts {
        id: format!("openhands-{}", hash(bytes).get(..16).unwrap_or_default()),
        agent: "openhands".to_owned(),
        model: c.model.clone(),
        started_at: c.started_at.clone(),
        workspace: Some(WORKSPACE.to_owned()),
        ..HeaderParts::default()
    };
    let fin = c.final_state(false);
    c.b.finish(header, Some(fin), bytes, 0)
}

/// One history item, with the JSON pointers of its arguments and extras: an event keeps them
/// under `args`/`extras`, a flat OpenDevin item at its top level.
struct Ev<'a> {
    v: &'a Value,
    ptr: String,
    args: String,
    extras: String,
}

impl<'a> Ev<'a> {
    fn new(v: &'a Value, ptr: String) -> Self {
        let args = if v.get("args").is_some() { format!("{ptr}/args") } else { ptr.clone() };
        let extras = if v.get("extras").is_some() { format!("{ptr}/extras") } else { ptr.clone() };
        Self { v, ptr, args, extras }
    }

    fn at(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.ptr)
    }

    fn arg(&self, name: &str) -> String {
        format!("{}/{name}", self.args)
    }

    fn extra(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.extras)
    }
}

/// The events of a history, `[action, observation]` pairs flattened in order.
fn flatten<'a>(items: &'a [Value], base: &str) -> Vec<Ev<'a>> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::Array(pair) => {
                out.extend(pair.iter().enumerate().map(|(j, v)| Ev::new(v, format!("{base}/{i}/{j}"))));
            }
            v => out.push(Ev::new(v, format!("{base}/{i}"))),
        }
    }
    out
}

/// How an action is found again by its observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Id(i64),
    /// A flat item without an id: its position in the history.
    Index(usize),
}

/// Where an action stands: its key, and its time since the epoch and since the start.
#[derive(Debug, Clone, Copy)]
struct At {
    key: Key,
    time: Option<f64>,
    elapsed: Option<f64>,
}

/// A tool action waiting for its observation.
#[derive(Debug)]
struct Pending {
    seq: usize,
    action: String,
    call_id: String,
    arguments: Value,
    command: Option<String>,
    cwd: Option<String>,
    time: Option<f64>,
    elapsed: Option<f64>,
}

/// Per-call usage taken from the line's `metrics`, waiting for its response to show up.
#[derive(Debug, Default)]
struct UsagePlan {
    calls: Vec<(Usage, bool)>,
    by_response: HashMap<String, VecDeque<usize>>,
    /// Token usages come from `metrics`, so the responses' own usage is not counted again.
    from_metrics: bool,
}

impl UsagePlan {
    fn add(&mut self, usage: Usage, response_id: Option<&str>) {
        if let Some(r) = response_id {
            self.by_response.entry(r.to_owned()).or_default().push_back(self.calls.len());
        }
        self.calls.push((usage, false));
    }

    fn take(&mut self, response_id: &str) -> Option<Usage> {
        let i = self.by_response.get_mut(response_id)?.pop_front()?;
        let (usage, used) = self.calls.get_mut(i)?;
        *used = true;
        Some(usage.clone())
    }
}

/// The conversion of one trajectory.
struct Conv<'a> {
    b: Builder,
    root: &'a Value,
    line: u64,
    pending: HashMap<Key, Pending>,
    seq: usize,
    last_action: Option<Key>,
    usage: UsagePlan,
    responses: HashSet<String>,
    /// The directory the last command ended in: the next one starts there.
    cwd: Option<String>,
    agent_state: Option<String>,
    finished: bool,
    model: Option<String>,
    started_at: Option<String>,
    seen_time: bool,
    last_cost: Option<f64>,
}

impl<'a> Conv<'a> {
    fn new(path: &Path, limits: &Limits, root: &'a Value, line: u64, format: &str) -> Self {
        Self {
            b: Builder::new(path, format, limits),
            root,
            line,
            pending: HashMap::new(),
            seq: 0,
            last_action: None,
            usage: UsagePlan::default(),
            responses: HashSet::new(),
            cwd: None,
            agent_state: None,
            finished: false,
            model: None,
            started_at: None,
            seen_time: false,
            last_cost: None,
        }
    }

    fn l(&self) -> Option<u64> {
        Some(self.line)
    }

    fn push(&mut self, record: Record) {
        self.b.push(self.line, record);
    }

    fn str(&mut self, ptr: &str) -> Option<&'a str> {
        let l = self.l();
        self.b.str(self.root, ptr, l)
    }

    /// A non-empty string.
    fn text(&mut self, ptr: &str) -> Option<&'a str> {
        self.str(ptr).filter(|s| !s.trim().is_empty())
    }

    fn u64(&mut self, ptr: &str) -> Option<u64> {
        let l = self.l();
        self.b.u64(self.root, ptr, l)
    }

    fn i64(&mut self, ptr: &str) -> Option<i64> {
        let l = self.l();
        self.b.i64(self.root, ptr, l)
    }

    fn f64(&mut self, ptr: &str) -> Option<f64> {
        let l = self.l();
        self.b.f64(self.root, ptr, l)
    }

    fn bool(&mut self, ptr: &str) -> Option<bool> {
        let l = self.l();
        self.b.bool(self.root, ptr, l)
    }

    /// A resolver instance's id: `owner/repo#number`.
    fn issue_ref(&mut self) -> Option<String> {
        let owner = self.str("/issue/owner")?;
        let repo = self.str("/issue/repo")?;
        let number = match self.root.pointer("/issue/number") {
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::String(s)) => s.clone(),
            _ => return Some(format!("{owner}/{repo}")),
        };
        Some(format!("{owner}/{repo}#{number}"))
    }

    /// Reads `metrics.token_usages` and `metrics.costs` into per-call usage.
    fn plan_usage(&mut self) {
        let l = self.l();
        let usages = self.b.array(self.root, "/metrics/token_usages", l);
        let costs = self.b.array(self.root, "/metrics/costs", l);
        // A cost is a number in older versions, `{model, cost, timestamp}` in newer ones.
        let mut cost_of = Vec::with_capacity(costs.len());
        for (i, c) in costs.iter().enumerate() {
            let (ptr, model) = if c.is_object() {
                (format!("/metrics/costs/{i}/cost"), self.str(&format!("/metrics/costs/{i}/model")))
            } else {
                (format!("/metrics/costs/{i}"), None)
            };
            cost_of.push((self.f64(&ptr), model));
        }
        let paired = cost_of.len() == usages.len();
        for i in 0..usages.len() {
            let p = format!("/metrics/token_usages/{i}");
            let usage = Usage {
                model: self.text(&format!("{p}/model")).map(str::to_owned),
                input_tokens: self.u64(&format!("{p}/prompt_tokens")),
                output_tokens: self.u64(&format!("{p}/completion_tokens")),
                cache_read_tokens: self.u64(&format!("{p}/cache_read_tokens")),
                cache_write_tokens: None,
                cost_usd: if paired { cost_of.get(i).and_then(|c| c.0) } else { None },
            };
            let response = self.text(&format!("{p}/response_id"));
            self.usage.add(usage, response);
        }
        self.usage.from_metrics = !usages.is_empty();
        if paired || cost_of.is_empty() {
            return;
        }
        if usages.is_empty() {
            for (cost, model) in cost_of {
                let usage = Usage { model: model.map(str::to_owned), cost_usd: cost, ..Usage::default() };
                self.usage.add(usage, None);
            }
        } else {
            let total: f64 = cost_of.iter().filter_map(|c| c.0).sum();
            self.b.warn(
                l,
                "metrics.costs",
                format!(
                    "{} costs for {} token usages cannot be paired per call; their sum is one usage record",
                    cost_of.len(),
                    usages.len()
                ),
            );
            self.usage.add(Usage { cost_usd: Some(total), ..Usage::default() }, None);
        }
    }

    /// Usage the line's metrics hold for calls that no action shows.
    fn rest_of_usage(&mut self) {
        for (usage, used) in std::mem::take(&mut self.usage.calls) {
            if !used {
                self.push(Record::Usage(usage));
            }
        }
    }

    /// Compares the per-call usage with the totals the run recorded; a run that recorded only
    /// totals gets one usage record with them.
    fn check_totals(&mut self) {
        let acc_cost = self.f64("/metrics/accumulated_cost");
        let acc_in = self.u64("/metrics/accumulated_token_usage/prompt_tokens");
        let acc_out = self.u64("/metrics/accumulated_token_usage/completion_tokens");
        let usages: Vec<&Usage> = self
            .b
            .steps()
            .iter()
            .filter_map(|s| if let Record::Usage(u) = &s.record { Some(u) } else { None })
            .collect();
        if usages.is_empty() {
            let cost = acc_cost.filter(|c| *c > 0.0);
            if cost.is_some() || acc_in.is_some() || acc_out.is_some() {
                let cache = self.u64("/metrics/accumulated_token_usage/cache_read_tokens");
                let model = self.text("/metrics/accumulated_token_usage/model").filter(|m| *m != "default");
                self.push(Record::Usage(Usage {
                    model: model.map(str::to_owned),
                    input_tokens: acc_in,
                    output_tokens: acc_out,
                    cache_read_tokens: cache,
                    cache_write_tokens: None,
                    cost_usd: cost,
                }));
            }
            return;
        }
        let costs: Vec<f64> = usages.iter().filter_map(|u| u.cost_usd).collect();
        let sum_cost: f64 = costs.iter().sum();
        let ins: Vec<u64> = usages.iter().filter_map(|u| u.input_tokens).collect();
        let outs: Vec<u64> = usages.iter().filter_map(|u| u.output_tokens).collect();
        // Counts from the file: saturated, never overflowed.
        let sum = |xs: &[u64]| xs.iter().fold(0u64, |a, b| a.saturating_add(*b));
        let (sum_in, sum_out) = (sum(&ins), sum(&outs));
        let l = self.l();
        if let Some(acc) = acc_cost
            && !costs.is_empty()
            && (acc - sum_cost).abs() > 1e-6 * acc.abs().max(1.0)
        {
            self.b.warn(
                l,
                "metrics.accumulated_cost",
                format!("the per-call costs sum to {sum_cost}, but the run recorded {acc}"),
            );
        }
        for (field, acc, sum, any) in [
            ("metrics.accumulated_token_usage.prompt_tokens", acc_in, sum_in, !ins.is_empty()),
            ("metrics.accumulated_token_usage.completion_tokens", acc_out, sum_out, !outs.is_empty()),
        ] {
            if let Some(acc) = acc.filter(|a| any && *a != sum) {
                self.b.warn(l, field, format!("the per-call token counts sum to {sum}, but the run recorded {acc}"));
            }
        }
    }

    fn final_state(&mut self, errored: bool) -> FinalState {
        let exit_status = self
            .agent_state
            .clone()
            .or_else(|| self.finished.then(|| "finished".to_owned()))
            .or_else(|| errored.then(|| "error".to_owned()));
        FinalState { exit_status, wall_time_s: self.b.last_elapsed(), ..FinalState::default() }
    }

    fn event(&mut self, ev: &Ev<'a>, index: usize) {
        if !ev.v.is_object() {
            return;
        }
        let action = self.str(&ev.at("/action"));
        let observation = if action.is_none() { self.str(&ev.at("/observation")) } else { None };
        if action.is_none() && observation.is_none() {
            return;
        }
        let (time, elapsed) = self.time(ev);
        if let Some(name) = action {
            let key = self.i64(&ev.at("/id")).map_or(Key::Index(index), Key::Id);
            self.action(ev, name, At { key, time, elapsed });
        } else if let Some(name) = observation {
            self.observation(ev, name, time, elapsed);
        }
    }

    /// Seconds since the Unix epoch and since the start, of an event's timestamp.
    fn time(&mut self, ev: &Ev<'a>) -> (Option<f64>, Option<f64>) {
        let ptr = ev.at("/timestamp");
        let Some(ts) = self.str(&ptr) else { return (None, None) };
        let first = !std::mem::replace(&mut self.seen_time, true);
        if first && super::time::has_offset(ts) {
            self.started_at = Some(ts.to_owned());
        }
        match super::time::seconds(ts) {
            Some(secs) => (Some(secs), self.b.elapsed_epoch(Some(secs))),
            None => {
                let l = self.l();
                self.b.warn(l, pointer_to_field(&ptr), format!("`{}` is not a timestamp", ts.escape_debug()));
                (None, None)
            }
        }
    }

    fn action(&mut self, ev: &Ev<'a>, name: &'a str, at: At) {
        let elapsed = at.elapsed;
        let meta = ev.v.get("tool_call_metadata").filter(|m| m.is_object());
        if meta.is_some() {
            self.model_call(ev);
        }
        if let Some(cost) = ev.v.pointer("/llm_metrics/accumulated_cost").and_then(Value::as_f64) {
            self.last_cost = Some(cost);
        }
        match name {
            "system" => {
                if let Some(text) = self.text(&ev.arg("content")).or_else(|| self.text(&ev.at("/message"))) {
                    self.push(Record::Message(Message {
                        role: Role::System,
                        content: text.to_owned(),
                        elapsed_s: elapsed,
                    }));
                }
            }
            "message" => {
                let text = self.text(&ev.arg("content")).or_else(|| self.text(&ev.at("/message")));
                // Flat OpenDevin items name no source: the agent is the one waiting for a reply.
                let role = match self.str(&ev.at("/source")) {
                    Some("user") => Role::User,
                    Some("agent") => Role::Assistant,
                    Some(_) => return,
                    None if self.bool(&ev.arg("wait_for_response")) == Some(true) => Role::Assistant,
                    None => Role::User,
                };
                if let Some(text) = text {
                    self.push(Record::Message(Message { role, content: text.to_owned(), elapsed_s: elapsed }));
                }
            }
            "finish" => {
                let thought = self.thought(ev, elapsed);
                if meta.is_some() {
                    self.tool_call(ev, name, meta, at, false);
                }
                // The closing words: `final_thought`, or the event's message when it is all there is.
                let last = match self.text(&ev.arg("final_thought")) {
                    Some(text) => Some(text),
                    None if thought.is_none() => self.text(&ev.at("/message")),
                    None => None,
                };
                if let Some(text) = last.filter(|t| Some(*t) != thought) {
                    let content = text.to_owned();
                    self.push(Record::Message(Message { role: Role::Assistant, content, elapsed_s: elapsed }));
                }
                self.finished = true;
            }
            "think" => {
                // OpenHands prepends the response's text to the thought it logs; only that text
                // is a message, the thought itself is the tool's argument.
                let logged = self.text(&ev.arg("thought"));
                let argument = meta.and_then(call_arguments);
                let argument = argument.as_ref().and_then(|a| a.get("thought")).and_then(Value::as_str);
                if let Some(text) = logged.zip(argument).and_then(|(l, a)| l.strip_suffix(a)).map(str::trim)
                    && !text.is_empty()
                {
                    let content = text.to_owned();
                    self.push(Record::Message(Message { role: Role::Assistant, content, elapsed_s: elapsed }));
                }
                self.tool_call(ev, name, meta, at, true);
            }
            _ => {
                let known =
                    matches!(name, "run" | "run_ipython" | "edit" | "write" | "read" | "browse" | "browse_interactive");
                if known || meta.is_some() {
                    self.thought(ev, elapsed);
                    self.tool_call(ev, name, meta, at, true);
                }
            }
        }
    }

    /// The assistant text that preceded an action, as a message; returns it.
    fn thought(&mut self, ev: &Ev<'a>, elapsed: Option<f64>) -> Option<&'a str> {
        let text = self.text(&ev.arg("thought"))?;
        self.push(Record::Message(Message { role: Role::Assistant, content: text.to_owned(), elapsed_s: elapsed }));
        Some(text)
    }

    /// The usage of the model response an action came from, the first time it shows up.
    fn model_call(&mut self, ev: &Ev<'a>) {
        let response = ev.at("/tool_call_metadata/model_response");
        let Some(id) = self.text(&format!("{response}/id")) else { return };
        if !self.responses.insert(id.to_owned()) {
            return;
        }
        let model = self.text(&format!("{response}/model"));
        if self.model.is_none() {
            self.model = model.map(str::to_owned);
        }
        if self.usage.from_metrics {
            if let Some(usage) = self.usage.take(id) {
                self.push(Record::Usage(usage));
            }
            return;
        }
        let u = format!("{response}/usage");
        if self.root.pointer(&u).is_none_or(Value::is_null) {
            return;
        }
        let cached = self
            .u64(&format!("{u}/prompt_tokens_details/cached_tokens"))
            .or_else(|| self.u64(&format!("{u}/cache_read_input_tokens")));
        let usage = Usage {
            model: model.map(str::to_owned),
            input_tokens: self.u64(&format!("{u}/prompt_tokens")),
            output_tokens: self.u64(&format!("{u}/completion_tokens")),
            cache_read_tokens: cached,
            cache_write_tokens: None,
            cost_usd: None,
        };
        self.push(Record::Usage(usage));
    }

    fn tool_call(&mut self, ev: &Ev<'a>, name: &str, meta: Option<&Value>, at: At, awaits_result: bool) {
        let tool = meta
            .and_then(|m| m.get("function_name"))
            .and_then(Value::as_str)
            .filter(|f| !f.is_empty())
            .unwrap_or(match name {
                "run" => "execute_bash",
                "run_ipython" => "execute_ipython_cell",
                "browse" | "browse_interactive" => "browser",
                other => other,
            })
            .to_owned();
        let call_id = meta.and_then(|m| m.get("tool_call_id")).and_then(Value::as_str).map_or_else(
            || match at.key {
                Key::Id(id) => format!("openhands-{id}"),
                Key::Index(i) => format!("openhands-step-{i}"),
            },
            str::to_owned,
        );
        let arguments = meta.and_then(call_arguments).unwrap_or_else(|| plain_arguments(self.root.pointer(&ev.args)));
        let command = if name == "run" { self.str(&ev.arg("command")).map(str::to_owned) } else { None };
        let cwd = self.text(&ev.arg("cwd")).map(str::to_owned).or_else(|| self.cwd.clone());
        self.push(Record::ToolCall(ToolCall {
            call_id: Some(call_id.clone()),
            tool,
            plugin: None,
            arguments: arguments.clone(),
            elapsed_s: at.elapsed,
        }));
        if awaits_result {
            self.seq += 1;
            let (time, elapsed) = (at.time, at.elapsed);
            let p = Pending { seq: self.seq, action: name.to_owned(), call_id, arguments, command, cwd, time, elapsed };
            self.pending.insert(at.key, p);
            self.last_action = Some(at.key);
        }
    }

    fn observation(&mut self, ev: &Ev<'a>, name: &'a str, time: Option<f64>, elapsed: Option<f64>) {
        match name {
            "agent_state_changed" => {
                if let Some(state) = self.text(&ev.extra("/agent_state")) {
                    self.agent_state = Some(state.to_owned());
                }
                return;
            }
            "null" => return,
            _ => {}
        }
        let linked = match self.i64(&ev.at("/cause")) {
            Some(cause) => self.pending.remove(&Key::Id(cause)),
            // A flat item: it answers the action just before it.
            None if ev.v.get("id").is_none() => self.last_action.take().and_then(|k| self.pending.remove(&k)),
            None => None,
        };
        let content = self.str(&ev.at("/content")).unwrap_or_default();
        let Some(p) = linked else {
            if name == "error" && !content.trim().is_empty() {
                self.push(Record::Error(ErrorEvent {
                    kind: ErrorKind::Agent,
                    message: cap(content),
                    elapsed_s: elapsed,
                }));
            }
            return;
        };
        // The editor reports a refused edit in its output rather than as an error observation.
        let failed = name == "error" || content.trim_start().starts_with("ERROR:");
        let is_error = if failed { Some(true) } else { self.bool(&ev.at("/success")).map(|ok| !ok) };
        match p.action.as_str() {
            "run" => self.command(ev, &p, name, content, time),
            "edit" if !failed => {
                let edit = self.edit(ev, &p, content, elapsed);
                if let Some(edit) = edit {
                    self.push(Record::FileEdit(edit));
                }
            }
            "write" if !failed => {
                if let Some(path) = p.arguments.get("path").and_then(Value::as_str) {
                    let path = path.to_owned();
                    let call_id = Some(p.call_id.clone());
                    self.push(Record::FileEdit(FileEdit {
                        path,
                        op: EditOp::Modify,
                        from: None,
                        diff: None,
                        call_id,
                        elapsed_s: elapsed,
                    }));
                }
            }
            "run_ipython" if !failed => {
                if let Some((op, path)) = agentskills_edit(content) {
                    let call_id = Some(p.call_id.clone());
                    let path = path.to_owned();
                    self.push(Record::FileEdit(FileEdit {
                        path,
                        op,
                        from: None,
                        diff: None,
                        call_id,
                        elapsed_s: elapsed,
                    }));
                }
            }
            _ => {}
        }
        self.push(Record::ToolResult(ToolResult {
            call_id: Some(p.call_id),
            is_error,
            output: cap(content),
            elapsed_s: elapsed,
        }));
    }

    /// A `run` action's command, with what its observation says about the outcome.
    fn command(&mut self, ev: &Ev<'a>, p: &Pending, name: &str, content: &str, time: Option<f64>) {
        let Some(command) = p.command.clone() else { return };
        let code = if name == "error" {
            None
        } else {
            self.i64(&ev.extra("/metadata/exit_code")).or_else(|| self.i64(&ev.extra("/exit_code")))
        };
        let suffix = self.str(&ev.extra("/metadata/suffix")).unwrap_or_default();
        let timed_out = suffix.contains("timed out after") || content.contains("[The command timed out after");
        if let Some(dir) = self.text(&ev.extra("/metadata/working_dir")) {
            self.cwd = Some(dir.to_owned());
        }
        let duration_s = time.zip(p.time).map(|(end, start)| (end - start).max(0.0));
        self.push(Record::Command(Command {
            command,
            // -1: the command had not finished when its output was returned.
            exit_code: code.filter(|c| *c != -1).and_then(|c| i32::try_from(c).ok()),
            duration_s,
            cwd: p.cwd.clone(),
            output: cap(content),
            timed_out,
            call_id: Some(p.call_id.clone()),
            elapsed_s: p.elapsed,
        }));
    }

    /// The file edit of an `edit` action that went through.
    fn edit(&mut self, ev: &Ev<'a>, p: &Pending, content: &str, elapsed: Option<f64>) -> Option<FileEdit> {
        let a = &p.arguments;
        let path = match a.get("path").and_then(Value::as_str) {
            Some(path) => path,
            None => self.text(&ev.extra("/path"))?,
        };
        // The editor's commands (`create`, `str_replace`, …); an LLM-based edit has none.
        let from_args = edits::editor_at(a, path);
        let op = match (&from_args, a.get("command").and_then(Value::as_str)) {
            (Some(e), _) => e.op,
            (None, Some(_)) => EditOp::Modify,
            (None, None) if self.bool(&ev.extra("/prev_exist")) == Some(false) => EditOp::Create,
            (None, None) => EditOp::Modify,
        };
        // OpenHands' own diff when it recorded one, else one built from the arguments.
        let diff = if let Some(d) = self.text(&ev.extra("/diff")) {
            Some(d.to_owned())
        } else if content.starts_with("--- ") {
            Some(content.to_owned())
        } else if let Some(new) = self.str(&ev.extra("/new_content")) {
            let old = self.str(&ev.extra("/old_content")).unwrap_or_default();
            Some(if op == EditOp::Create { edits::create(path, new) } else { edits::replace(path, old, new) })
        } else {
            from_args.and_then(|e| e.diff)
        };
        Some(FileEdit {
            path: path.to_owned(),
            op,
            from: None,
            diff,
            call_id: Some(p.call_id.clone()),
            elapsed_s: elapsed,
        })
    }

    /// Commands whose observation never came: issued, outcome unknown.
    fn flush(&mut self) {
        let mut rest: Vec<Pending> = self.pending.drain().map(|(_, p)| p).collect();
        rest.sort_by_key(|p| p.seq);
        for p in rest {
            if let Some(command) = p.command {
                self.push(Record::Command(Command {
                    command,
                    exit_code: None,
                    duration_s: None,
                    cwd: p.cwd,
                    output: String::new(),
                    timed_out: false,
                    call_id: Some(p.call_id),
                    elapsed_s: p.elapsed,
                }));
            }
        }
    }
}

/// The arguments the model passed, from the tool call in its response.
fn call_arguments(meta: &Value) -> Option<Value> {
    let id = meta.get("tool_call_id")?.as_str()?;
    let choices = meta.pointer("/model_response/choices")?.as_array()?;
    let call = choices
        .iter()
        .filter_map(|c| c.pointer("/message/tool_calls").and_then(Value::as_array))
        .flatten()
        .find(|c| c.get("id").and_then(Value::as_str) == Some(id))?;
    Some(match call.pointer("/function/arguments")? {
        Value::String(s) => super::util::embedded_json(s).unwrap_or_else(|| Value::String(s.clone())),
        other => other.clone(),
    })
}

/// An action's arguments without OpenHands' bookkeeping.
fn plain_arguments(args: Option<&Value>) -> Value {
    let mut map = args.and_then(Value::as_object).cloned().unwrap_or_default();
    for key in BOOKKEEPING {
        map.remove(*key);
    }
    Value::Object(map)
}

/// The edit agentskills reported in an IPython cell's output: `[File: P (N lines total after
/// edit)]` on the first line, or `[File P created.]`.
fn agentskills_edit(output: &str) -> Option<(EditOp, &str)> {
    if let Some(path) = output.lines().find_map(|l| l.strip_prefix("[File ")?.strip_suffix(" created.]")) {
        return Some((EditOp::Create, path));
    }
    let rest = output.lines().next()?.strip_prefix("[File: ")?;
    let (path, count) = rest.rsplit_once(" (")?;
    count.ends_with(" lines total after edit)]").then_some((EditOp::Modify, path))
}

/// Whose fault an instance's `error` was.
fn error_kind(message: &str) -> ErrorKind {
    let lower = message.to_ascii_lowercase();
    if message.contains("AgentRuntime") || message.contains("ConnectionError") {
        ErrorKind::Infra
    } else if lower.contains("timeout") || lower.contains("timed out") {
        ErrorKind::Timeout
    } else {
        ErrorKind::Agent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agentskills_reports_name_the_edited_file() {
        let out = "[File: /w/src/App.css (79 lines total after edit)]\n(this is the beginning of the file)\n1|x";
        assert_eq!(agentskills_edit(out), Some((EditOp::Modify, "/w/src/App.css")));
        let out = "[File: /w/a.py (1 lines total)]\n1|\n[File /w/a.py created.]";
        assert_eq!(agentskills_edit(out), Some((EditOp::Create, "/w/a.py")));
        assert_eq!(agentskills_edit("[File: /w/a.py (42 lines total)]\n1|x"), None);
    }

    #[test]
    fn per_call_token_counts_at_the_limit_saturate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output.jsonl");
        let usage =
            |n: u64| serde_json::json!({"prompt_tokens": n, "completion_tokens": n, "response_id": format!("r{n}")});
        let line = serde_json::json!({
            "instance_id": "x",
            "history": [],
            "metrics": {
                "accumulated_token_usage": {"prompt_tokens": 1, "completion_tokens": 1},
                "token_usages": [usage(u64::MAX), usage(2)]
            }
        });
        fs_err::write(&path, format!("{line}\n")).unwrap();
        let got = read(&path, &Limits::default());
        assert_eq!(got.len(), 1);
        let t = got[0].as_ref().unwrap();
        assert!(t.warnings.iter().any(|w| w.message.contains(&u64::MAX.to_string())), "{:?}", t.warnings);
    }

    #[test]
    fn an_insert_line_at_the_limit_saturates() {
        let max = u64::MAX;
        let args = serde_json::json!({"command": "insert", "path": "a.py", "insert_line": max, "new_str": "x\n"});
        let diff = edits::editor_at(&args, "a.py").and_then(|e| e.diff);
        assert_eq!(diff, Some(format!("--- a/a.py\n+++ b/a.py\n@@ -{max},0 +{max},1 @@\n+x\n")));
    }

    #[test]
    fn errors_are_classified() {
        assert_eq!(error_kind("AgentRuntimeUnavailableError: runtime died"), ErrorKind::Infra);
        assert_eq!(error_kind("RuntimeError: Agent reached maximum iteration"), ErrorKind::Agent);
        assert_eq!(error_kind("Operation timed out"), ErrorKind::Timeout);
    }
}
