//! Harbor's Agent Trajectory Interchange Format (ATIF): one JSON document per run, written by
//! Harbor as `<trial>/agent/trajectory.json`, with `schema_version` `ATIF-v1.x`, the agent
//! (`name`, `version`, `model_name`), `steps` (system, user and agent turns with their tool
//! calls, observations and per-call metrics) and `final_metrics`.
//!
//! Versions v1.0 to v1.5 are known (they only added optional fields); a later version is read
//! as v1.5 with a warning.
//!
//! What it provides: messages (not `reasoning_content`), every tool call and its result
//! (paired by `source_call_id`; an observation without one belongs to the step's own calls),
//! shell commands (terminus-2's `bash_command` keystrokes without their trailing newline, and
//! the shell tools of other agents: `Bash`, `execute_bash`, `shell`, ...), file edits made
//! through recognisable editing tools (`str_replace_editor`, `Edit`, `Write`, `MultiEdit`,
//! `apply_patch`, ...), per-call token usage and cost, and step timestamps. Per-step metrics
//! are checked against `final_metrics`: a mismatch is a warning, and tokens or cost the totals
//! hold beyond the steps' (a call the run made but never wrote as a step, such as the one a
//! timeout interrupts) become one unattributed [`Usage`], so the totals are kept.
//!
//! `prompt_tokens` includes cached tokens in ATIF (`cached_tokens` is a subset of it), so
//! [`Usage::input_tokens`] is `prompt_tokens` as recorded and `cache_read_tokens` is
//! `cached_tokens`.
//!
//! Around it, when the file sits at `<trial>/agent/trajectory.json`, the Harbor trial is read
//! from fixed relative locations: `<trial>/result.json` gives the verifier's rewards (as source
//! scores), the task name (as scenario), the agent's execution time (as wall time) and the
//! trial's exception (as an error); without it, `<trial>/verifier/reward.json` or
//! `reward.txt` give the rewards.
//!
//! What it cannot provide: exit codes, unless an observation's text states one (Harbor's Claude
//! Code converter writes `[exit_code] N` when it is not 0; OpenHands writes `[The command
//! completed with exit code N.]`), so an absent code is never taken for 0; command durations
//! (terminus-2's `duration` is how long the agent chose to wait, kept only in the tool call's
//! arguments); commands an agent wrote only in its message text (terminus-2's "linear history"
//! mode records no tool calls); per-test outcomes (the verifier's test output is not parsed);
//! subagent and continued trajectories, which are named by paths inside the file and so are
//! never opened (a continuation file, `agent.extra.continuation_index` > 0, is read on its own,
//! with its id suffixed `/cont-N` and the steps it copied from the previous file skipped).

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};

use super::Peek;
use super::edits;
use super::util::{Builder, HeaderParts, cap, parse_json, read_bounded, split_mcp, text_of};
use crate::model::{
    Command, ErrorEvent, ErrorKind, FinalState, Message, Record, Role, SourceScore, ToolCall, ToolResult, Usage,
};
use crate::{IngestError, Limits, Trajectory};

/// The newest minor version of ATIF v1 this reader knows.
const NEWEST_MINOR: u32 = 5;

/// Whether a file is in this format: a JSON object whose `schema_version` is `ATIF-v…`.
pub(crate) fn sniff(peek: &Peek<'_>) -> bool {
    peek.head.trim_start().starts_with('{') && (is_atif_version(peek.head) || is_atif_version(peek.tail))
}

/// Whether `text` has `"schema_version": "ATIF-v`.
fn is_atif_version(text: &str) -> bool {
    let key = "\"schema_version\"";
    text.match_indices(key).any(|(i, _)| {
        text[i + key.len()..]
            .trim_start()
            .strip_prefix(':')
            .is_some_and(|rest| rest.trim_start().starts_with("\"ATIF-v"))
    })
}

/// The trajectories of one file: an ATIF document holds exactly one.
pub(crate) fn read(path: &Path, limits: &Limits) -> Vec<Result<Trajectory, IngestError>> {
    vec![read_one(path, limits)]
}

fn read_one(path: &Path, limits: &Limits) -> Result<Trajectory, IngestError> {
    let bytes = read_bounded(path, limits)?;
    let doc = parse_json(path, &bytes)?;
    if !doc.is_object() {
        return Err(IngestError::new(path, None, "an ATIF trajectory is a JSON object"));
    }

    let version = doc.get("schema_version").and_then(Value::as_str).unwrap_or("");
    let mut b = Builder::new(path, format!("atif/{}", version.strip_prefix("ATIF-v").unwrap_or(version)), limits);
    check_version(&mut b, &doc);

    let agent_model = b.str(&doc, "/agent/model_name", None).map(str::to_owned);
    let continuation = b.u64(&doc, "/agent/extra/continuation_index", None).filter(|n| *n > 0);
    let mut id = b.str(&doc, "/session_id", None).unwrap_or_default().to_owned();
    if let Some(n) = continuation {
        id = format!("{id}/cont-{n}");
    }
    let mut header = HeaderParts {
        id,
        agent: b.str(&doc, "/agent/name", None).unwrap_or_default().to_owned(),
        agent_revision: b.str(&doc, "/agent/version", None).map(str::to_owned),
        model: agent_model.clone(),
        ..HeaderParts::default()
    };

    let mut sums = Totals::default();
    let lines = step_lines(&bytes);
    for (i, step) in b.array(&doc, "/steps", None).iter().enumerate() {
        let line = lines.get(i).copied();
        if !step.is_object() {
            b.warn(line, format!("steps[{i}]"), "a step is a JSON object; skipped");
            continue;
        }
        if step.get("is_copied_context").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        if header.started_at.is_none() {
            header.started_at =
                step.get("timestamp").and_then(Value::as_str).filter(|t| super::time::has_offset(t)).map(str::to_owned);
        }
        read_step(&mut b, &doc, i, line, agent_model.as_deref(), &mut sums);
    }

    check_totals(&mut b, &doc, &sums, agent_model.as_deref(), continuation.is_none());

    let trial = trial_dir(path).map(|dir| read_trial(&mut b, dir, limits)).unwrap_or_default();
    header.scenario = trial.scenario;
    for error in trial.errors {
        b.push(0, Record::Error(error));
    }
    b.finish(header, trial.final_state, &bytes, 0)
}

/// The line each element of the root's `steps` array starts on, so that a warning about a
/// step can name its line in a pretty-printed file.
fn step_lines(bytes: &[u8]) -> Vec<u64> {
    let mut lines = Vec::new();
    let (mut line, mut depth) = (1u64, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    let (mut string_start, mut last_root_string) = (0usize, 0..0);
    let (mut in_steps, mut expect_element) = (false, false);
    for (i, &c) in bytes.iter().enumerate() {
        if c == b'\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
                if depth == 1 {
                    last_root_string = string_start..i;
                }
            }
            continue;
        }
        if c.is_ascii_whitespace() || c == b':' {
            continue;
        }
        if in_steps && depth == 2 && expect_element && c != b']' {
            lines.push(line);
            expect_element = false;
        }
        match c {
            b'"' => {
                in_string = true;
                string_start = i + 1;
            }
            b'{' | b'[' => {
                depth += 1;
                if depth == 2 && c == b'[' && bytes.get(last_root_string.clone()) == Some(b"steps".as_slice()) {
                    in_steps = true;
                    expect_element = true;
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth < 2 {
                    in_steps = false;
                }
            }
            b',' if in_steps && depth == 2 => expect_element = true,
            _ => {}
        }
    }
    lines
}

/// Warns about a version this reader does not know; the file is read as v1.5 all the same.
fn check_version(b: &mut Builder, doc: &Value) {
    let Some(version) = b.str(doc, "/schema_version", None) else { return };
    let minor = version.strip_prefix("ATIF-v1.").and_then(|m| m.parse::<u32>().ok());
    if minor.is_none_or(|m| m > NEWEST_MINOR) {
        b.warn(
            None,
            "schema_version",
            format!(
                "ATIF version `{}` is not one this reader knows (v1.0 to v1.{NEWEST_MINOR}); read as v1.{NEWEST_MINOR}",
                version.escape_debug()
            ),
        );
    }
}

/// Sums of the steps' metrics, to check against `final_metrics`.
#[derive(Debug, Default)]
struct Totals {
    prompt: u64,
    completion: u64,
    cached: u64,
    cost: f64,
}

fn read_step(b: &mut Builder, doc: &Value, i: usize, line: Option<u64>, agent_model: Option<&str>, sums: &mut Totals) {
    let p = |rest: &str| format!("/steps/{i}/{rest}");
    let elapsed = match b.str(doc, &p("timestamp"), line) {
        Some(ts) => b.elapsed_timestamp(Some(ts), line, &format!("steps[{i}].timestamp")),
        None => None,
    };
    let role = match b.str(doc, &p("source"), line) {
        Some("system") => Some(Role::System),
        Some("user") => Some(Role::User),
        Some("agent") => Some(Role::Assistant),
        Some(other) => {
            let msg = format!("unknown step source `{}`; the step's message is skipped", other.escape_debug());
            b.warn(line, format!("steps[{i}].source"), msg);
            None
        }
        None => None,
    };
    let content = match doc.pointer(&p("message")) {
        Some(m @ (Value::String(_) | Value::Array(_))) => text_of(m),
        None | Some(Value::Null) => String::new(),
        Some(_) => {
            b.warn(line, format!("steps[{i}].message"), "expected a string or a list of content parts; ignored");
            String::new()
        }
    };
    if let Some(role) = role
        && !content.is_empty()
    {
        b.push(0, Record::Message(Message { role, content, elapsed_s: elapsed }));
    }

    let model = b.str(doc, &p("model_name"), line).or(agent_model).map(str::to_owned);
    read_metrics(b, doc, i, line, model, sums);

    let calls = read_calls(b, doc, i, line, elapsed);
    let results = read_results(b, doc, i, line);
    let outputs = pair_results(&calls, results.iter().map(|(id, text)| (id.as_deref(), text.as_str())).collect());
    for (call, output) in calls.iter().zip(&outputs) {
        emit_call_outcome(b, call, output.as_deref(), elapsed);
    }
    // Results naming a call of another step, or with no call at all, are still the run's output.
    let call_ids: Vec<&str> = calls.iter().filter_map(|c| c.call_id.as_deref()).collect();
    for (id, text) in &results {
        let record = match id {
            Some(id) if !call_ids.contains(&id.as_str()) => Record::ToolResult(ToolResult {
                call_id: Some(id.clone()),
                is_error: failure_marked(text).then_some(true),
                output: cap(text),
                elapsed_s: elapsed,
            }),
            None if calls.is_empty() && !text.is_empty() => {
                Record::Message(Message { role: Role::Tool, content: cap(text), elapsed_s: elapsed })
            }
            _ => continue,
        };
        b.push(0, record);
    }
}

/// The step's `metrics` as one usage record; wrong-typed fields are warnings naming the step.
fn read_metrics(b: &mut Builder, doc: &Value, i: usize, line: Option<u64>, model: Option<String>, sums: &mut Totals) {
    let p = |rest: &str| format!("/steps/{i}/metrics{rest}");
    match doc.pointer(&p("")) {
        None | Some(Value::Null) => return,
        Some(Value::Object(_)) => {}
        Some(_) => {
            b.warn(line, format!("steps[{i}].metrics"), "expected an object; ignored");
            return;
        }
    }
    let input = b.u64(doc, &p("/prompt_tokens"), line);
    let output = b.u64(doc, &p("/completion_tokens"), line);
    let cached = b.u64(doc, &p("/cached_tokens"), line);
    let cost = b.f64(doc, &p("/cost_usd"), line);
    sums.prompt = sums.prompt.saturating_add(input.unwrap_or(0));
    sums.completion = sums.completion.saturating_add(output.unwrap_or(0));
    sums.cached = sums.cached.saturating_add(cached.unwrap_or(0));
    sums.cost += cost.unwrap_or(0.0);
    if input.is_some() || output.is_some() || cached.is_some() || cost.is_some() {
        b.push(
            0,
            Record::Usage(Usage {
                model,
                input_tokens: input,
                output_tokens: output,
                cache_read_tokens: cached,
                cache_write_tokens: None,
                cost_usd: cost,
            }),
        );
    }
}

/// One tool call as read, before its result is known.
#[derive(Debug)]
struct Call {
    call_id: Option<String>,
    /// The name as the agent wrote it (`mcp__server__tool` included).
    name: String,
    arguments: Value,
}

fn read_calls(b: &mut Builder, doc: &Value, i: usize, line: Option<u64>, elapsed: Option<f64>) -> Vec<Call> {
    let mut calls = Vec::new();
    let n = b.array(doc, &format!("/steps/{i}/tool_calls"), line).len();
    for j in 0..n {
        let p = |rest: &str| format!("/steps/{i}/tool_calls/{j}/{rest}");
        let Some(name) = b.str(doc, &p("function_name"), line) else {
            let field = format!("steps[{i}].tool_calls[{j}].function_name");
            b.warn(line, field, "no tool name; the call is skipped");
            continue;
        };
        let call_id = b.str(doc, &p("tool_call_id"), line).map(str::to_owned);
        let arguments = match doc.pointer(&p("arguments")) {
            None | Some(Value::Null) => json!({}),
            Some(Value::String(s)) => match super::util::embedded_json(s) {
                Some(v @ Value::Object(_)) => v,
                _ => json!({ "input": s }),
            },
            Some(v @ Value::Object(_)) => v.clone(),
            Some(other) => {
                b.warn(line, format!("steps[{i}].tool_calls[{j}].arguments"), "expected an object; kept as `input`");
                json!({ "input": other })
            }
        };
        let (tool, plugin) = split_mcp(name);
        b.push(
            0,
            Record::ToolCall(ToolCall {
                call_id: call_id.clone(),
                tool,
                plugin,
                arguments: arguments.clone(),
                elapsed_s: elapsed,
            }),
        );
        calls.push(Call { call_id, name: name.to_owned(), arguments });
    }
    calls
}

/// The step's observation results: `(source_call_id, text)`.
fn read_results(b: &mut Builder, doc: &Value, i: usize, line: Option<u64>) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    match doc.pointer(&format!("/steps/{i}/observation")) {
        None | Some(Value::Null) => return out,
        Some(Value::Object(_)) => {}
        Some(_) => {
            b.warn(line, format!("steps[{i}].observation"), "expected an object; ignored");
            return out;
        }
    }
    let n = b.array(doc, &format!("/steps/{i}/observation/results"), line).len();
    for j in 0..n {
        let p = |rest: &str| format!("/steps/{i}/observation/results/{j}/{rest}");
        let id = b.str(doc, &p("source_call_id"), line).map(str::to_owned);
        let text = match doc.pointer(&p("content")) {
            Some(c @ (Value::String(_) | Value::Array(_))) => text_of(c),
            None | Some(Value::Null) => String::new(),
            Some(_) => {
                let field = format!("steps[{i}].observation.results[{j}].content");
                b.warn(line, field, "expected a string or a list of content parts; ignored");
                String::new()
            }
        };
        out.push((id, text));
    }
    out
}

/// The output of each call: results named by `source_call_id` go to their call; results naming
/// none go to the calls still without one (in order when the counts match, else all of them,
/// joined, to the last such call: terminus-2 writes one terminal screen for a batch).
fn pair_results(calls: &[Call], results: Vec<(Option<&str>, &str)>) -> Vec<Option<String>> {
    let mut outputs: Vec<Option<String>> = calls
        .iter()
        .map(|c| {
            let id = c.call_id.as_deref()?;
            let texts: Vec<&str> = results.iter().filter(|(r, _)| *r == Some(id)).map(|(_, t)| *t).collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        })
        .collect();
    let untagged: Vec<&str> = results.iter().filter(|(r, _)| r.is_none()).map(|(_, t)| *t).collect();
    let open: Vec<usize> = (0..calls.len()).filter(|&k| outputs.get(k).is_some_and(Option::is_none)).collect();
    if untagged.is_empty() || open.is_empty() {
        return outputs;
    }
    if untagged.len() == open.len() {
        for (k, text) in open.iter().zip(untagged) {
            if let Some(slot) = outputs.get_mut(*k) {
                *slot = Some(text.to_owned());
            }
        }
    } else if let Some(slot) = open.last().and_then(|k| outputs.get_mut(*k)) {
        *slot = Some(untagged.join("\n"));
    }
    outputs
}

/// Command (for a shell call), result, and file edit (for an editing call that did not fail).
fn emit_call_outcome(b: &mut Builder, call: &Call, output: Option<&str>, elapsed: Option<f64>) {
    let failed = output.is_some_and(failure_marked);
    if let Some(command) = shell_command(&call.name, &call.arguments) {
        b.push(
            0,
            Record::Command(Command {
                command,
                exit_code: output.and_then(stated_exit_code),
                duration_s: None,
                cwd: None,
                output: output.map(cap).unwrap_or_default(),
                timed_out: false,
                call_id: call.call_id.clone(),
                elapsed_s: elapsed,
            }),
        );
    }
    if let Some(text) = output {
        b.push(
            0,
            Record::ToolResult(ToolResult {
                call_id: call.call_id.clone(),
                is_error: failed.then_some(true),
                output: cap(text),
                elapsed_s: elapsed,
            }),
        );
    }
    if !failed {
        for edit in edits::from_call(&split_mcp(&call.name).0, &call.arguments) {
            b.push(0, Record::FileEdit(edit.file_edit(call.call_id.clone(), elapsed)));
        }
    }
}

/// The command line a shell tool ran, if the call is one. terminus-2's keystrokes run only
/// when they end with a newline; a bare key such as `C-c` or an empty wait is no command.
fn shell_command(name: &str, args: &Value) -> Option<String> {
    let (tool, _) = split_mcp(name);
    match tool.as_str() {
        "bash_command" => {
            let keys = args.get("keystrokes")?.as_str()?;
            if !keys.ends_with('\n') && !keys.ends_with('\r') {
                return None;
            }
            let command = keys.trim_end_matches(['\n', '\r']);
            (!command.trim().is_empty()).then(|| command.to_owned())
        }
        other => crate::tools::shell_command(other, args),
    }
}

/// Whether a tool's output says the call failed (the text is all ATIF records).
fn failure_marked(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("ERROR:") || t.starts_with("<tool_use_error>") || text.contains("[error] tool reported failure")
}

/// An exit code an observation's text states in a form a known converter writes.
fn stated_exit_code(text: &str) -> Option<i32> {
    static CODE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?m)^\[exit_code\] (-?\d+)\s*$|\[The command completed with exit code (-?\d+)\.\]")
            .expect("static regex")
    });
    let caps = CODE.captures_iter(text).last()?;
    caps.get(1).or_else(|| caps.get(2))?.as_str().parse().ok()
}

/// Compares the steps' sums with `final_metrics`; what the totals hold beyond the steps becomes
/// one unattributed usage (not for a continuation, whose totals may count the file before it).
fn check_totals(b: &mut Builder, doc: &Value, sums: &Totals, model: Option<&str>, add_remainder: bool) {
    let Some(fm) = doc.get("final_metrics").filter(|f| !f.is_null()) else { return };
    if !fm.is_object() {
        b.warn(None, "final_metrics", "expected an object; ignored");
        return;
    }
    let mut extra = Usage { model: model.map(str::to_owned), ..Usage::default() };
    let counts = [
        ("total_prompt_tokens", sums.prompt, &mut extra.input_tokens),
        ("total_completion_tokens", sums.completion, &mut extra.output_tokens),
        ("total_cached_tokens", sums.cached, &mut extra.cache_read_tokens),
    ];
    for (key, sum, slot) in counts {
        let Some(total) = b.u64(doc, &format!("/final_metrics/{key}"), None) else { continue };
        if total != sum {
            b.warn(
                None,
                format!("final_metrics.{key}"),
                format!("the steps' metrics sum to {sum}, final_metrics says {total}"),
            );
            if total > sum {
                *slot = Some(total - sum);
            }
        }
    }
    if let Some(total) = b.f64(doc, "/final_metrics/total_cost_usd", None)
        && (total - sums.cost).abs() > 1e-9_f64.max(total.abs() * 1e-9)
    {
        b.warn(
            None,
            "final_metrics.total_cost_usd",
            format!("the steps' costs sum to {}, final_metrics says {total}", sums.cost),
        );
        if total > sums.cost {
            extra.cost_usd = Some(total - sums.cost);
        }
    }
    let any = extra.input_tokens.is_some()
        || extra.output_tokens.is_some()
        || extra.cache_read_tokens.is_some()
        || extra.cost_usd.is_some();
    if add_remainder && any {
        b.push(0, Record::Usage(extra));
    }
}

/// `<trial>` when the file is `<trial>/agent/<name>.json`.
fn trial_dir(path: &Path) -> Option<&Path> {
    let agent = path.parent()?;
    (agent.file_name()? == "agent").then_some(())?;
    agent.parent()
}

/// What the Harbor trial around a trajectory says.
#[derive(Debug, Default)]
struct Trial {
    scenario: Option<String>,
    final_state: Option<FinalState>,
    errors: Vec<ErrorEvent>,
}

fn read_trial(b: &mut Builder, dir: &Path, limits: &Limits) -> Trial {
    let result_path = dir.join("result.json");
    if result_path.is_file() {
        match read_bounded(&result_path, limits).and_then(|bytes| parse_json(&result_path, &bytes)) {
            Ok(result) if result.get("trial_name").is_some() || result.get("verifier_result").is_some() => {
                return trial_result(b, &result);
            }
            Ok(_) => {}
            Err(e) => b.warn(None, "result.json", format!("the trial's result.json is not read: {e}")),
        }
    }
    let scores = verifier_rewards(b, &dir.join("verifier"), limits);
    Trial {
        final_state: (!scores.is_empty()).then(|| FinalState { scores, ..FinalState::default() }),
        ..Trial::default()
    }
}

/// Harbor's `TrialResult`: rewards, task name, timing and the exception that ended the trial.
fn trial_result(b: &mut Builder, result: &Value) -> Trial {
    let mut scores = Vec::new();
    match result.pointer("/verifier_result/rewards") {
        Some(Value::Object(rewards)) => scores.extend(rewards_to_scores(rewards)),
        None | Some(Value::Null) => {}
        Some(_) => b.warn(None, "result.json: verifier_result.rewards", "expected an object; ignored"),
    }
    let span = |start: &str, end: &str| {
        let s = result.pointer(start).and_then(super::time::seconds)?;
        let e = result.pointer(end).and_then(super::time::seconds)?;
        (e >= s).then_some(e - s)
    };
    let wall_time_s = span("/agent_execution/started_at", "/agent_execution/finished_at")
        .or_else(|| span("/started_at", "/finished_at"));
    let mut errors = Vec::new();
    if let Some(exc) = result.get("exception_info").filter(|e| e.is_object()) {
        let kind_name = exc.get("exception_type").and_then(Value::as_str).unwrap_or("");
        let message = exc.get("exception_message").and_then(Value::as_str).unwrap_or("");
        let kind = if kind_name.contains("Timeout") {
            ErrorKind::Timeout
        } else if kind_name.starts_with("Agent") || kind_name.starts_with("NonZeroAgent") {
            ErrorKind::Agent
        } else {
            ErrorKind::Infra
        };
        errors.push(ErrorEvent {
            kind,
            message: if kind_name.is_empty() { message.to_owned() } else { format!("{kind_name}: {message}") },
            elapsed_s: None,
        });
    }
    let final_state = (!scores.is_empty() || wall_time_s.is_some()).then(|| FinalState {
        scores,
        wall_time_s,
        ..FinalState::default()
    });
    Trial { scenario: result.get("task_name").and_then(Value::as_str).map(str::to_owned), final_state, errors }
}

fn rewards_to_scores(rewards: &Map<String, Value>) -> Vec<SourceScore> {
    rewards
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(name, value)| SourceScore {
            name: name.clone(),
            value: SourceScore::bounded(value.clone()),
            answer: None,
            explanation: None,
        })
        .collect()
}

/// `verifier/reward.json` (flat name → value) or `verifier/reward.txt` (one number).
fn verifier_rewards(b: &mut Builder, verifier: &Path, limits: &Limits) -> Vec<SourceScore> {
    let json_path = verifier.join("reward.json");
    if json_path.is_file() {
        return match read_bounded(&json_path, limits).and_then(|bytes| parse_json(&json_path, &bytes)) {
            Ok(Value::Object(rewards)) => rewards_to_scores(&rewards),
            Ok(_) => {
                b.warn(None, "verifier/reward.json", "expected an object of rewards; ignored");
                Vec::new()
            }
            Err(e) => {
                b.warn(None, "verifier/reward.json", format!("not read: {e}"));
                Vec::new()
            }
        };
    }
    let txt_path = verifier.join("reward.txt");
    if !txt_path.is_file() {
        return Vec::new();
    }
    let text = match read_bounded(&txt_path, limits) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            b.warn(None, "verifier/reward.txt", format!("not read: {e}"));
            return Vec::new();
        }
    };
    match text.trim().parse::<f64>().ok().filter(|f| f.is_finite()).and_then(serde_json::Number::from_f64) {
        Some(n) => {
            vec![SourceScore { name: "reward".to_owned(), value: Value::Number(n), answer: None, explanation: None }]
        }
        None => {
            let shown: String = text.trim().chars().take(40).collect();
            b.warn(None, "verifier/reward.txt", format!("`{}` is not a number; ignored", shown.escape_debug()));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: Option<&str>, name: &str) -> Call {
        Call { call_id: id.map(str::to_owned), name: name.to_owned(), arguments: json!({}) }
    }

    #[test]
    fn results_pair_by_id_then_by_position() {
        let calls = [call(Some("a"), "x"), call(Some("b"), "x")];
        let out = pair_results(&calls, vec![(Some("b"), "B"), (Some("a"), "A")]);
        assert_eq!(out, vec![Some("A".to_owned()), Some("B".to_owned())]);
        let out = pair_results(&calls, vec![(None, "screen")]);
        assert_eq!(out, vec![None, Some("screen".to_owned())]);
        let out = pair_results(&calls, vec![(None, "1"), (None, "2")]);
        assert_eq!(out, vec![Some("1".to_owned()), Some("2".to_owned())]);
    }

    #[test]
    fn keystrokes_run_only_with_a_newline() {
        let cmd = |k: &str| shell_command("bash_command", &json!({ "keystrokes": k, "duration": 0.1 }));
        assert_eq!(cmd("ls -la\n").as_deref(), Some("ls -la"));
        assert_eq!(cmd("cat > f << EOF\na\nEOF\n").as_deref(), Some("cat > f << EOF\na\nEOF"));
        assert_eq!(cmd("C-c"), None);
        assert_eq!(cmd(""), None);
        let codex = shell_command("shell", &json!({ "command": ["bash", "-lc", "git status"] }));
        assert_eq!(codex.as_deref(), Some("git status"));
        assert_eq!(shell_command("execute_bash", &json!({ "command": "q", "is_input": "true" })), None);
    }

    #[test]
    fn exit_codes_only_when_stated() {
        assert_eq!(stated_exit_code("[stdout]\nx\n[exit_code] 2\n"), Some(2));
        assert_eq!(stated_exit_code("ok\n[The command completed with exit code 0.]"), Some(0));
        assert_eq!(stated_exit_code("exit code 3 somewhere"), None);
    }

    #[test]
    fn naive_harbor_timestamps_are_read() {
        // The naive `2025-11-20T09:59:41.003117` pydantic writes for local datetimes.
        let a = super::super::time::seconds("2025-11-20T10:00:05.398812").unwrap();
        let b = super::super::time::seconds("2025-11-20T10:02:05.412301").unwrap();
        assert!((b - a - 120.013).abs() < 0.01, "{}", b - a);
    }

    #[test]
    fn steps_are_found_on_their_lines() {
        let text =
            "{\n \"agent\": {\"steps\": [1]},\n \"steps\": [\n  {\"a\": \"[x,\"},\n  {\"b\": [1, 2]},\n  3\n ]\n}";
        assert_eq!(step_lines(text.as_bytes()), vec![4, 5, 6]);
        assert_eq!(step_lines(b"{\"steps\": []}"), Vec::<u64>::new());
    }
}
