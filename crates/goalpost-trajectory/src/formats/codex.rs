//! Codex CLI rollouts: `~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl`.
//!
//! Two forms are read, told apart by the first line:
//! - the envelope form (CLI 0.3x and later): every line is `{timestamp, type, payload}` with
//!   `type` one of `session_meta`, `turn_context`, `response_item`, `event_msg`, `compacted`;
//! - the older bare form (mid 2025): a bare session meta `{id, timestamp, instructions, git}`,
//!   then `{"record_type":"state"}` markers and bare response items without timestamps.
//!
//! What it provides: messages (user, assistant, developer as system; reasoning is skipped),
//! every tool call (`function_call`, `custom_tool_call`, `local_shell_call`,
//! `web_search_call`) paired with its output by `call_id`; shell calls (`shell`,
//! `container.exec`, `shell_command`, `exec_command`, `local_shell`) also as commands, with
//! the exit code and wall time Codex wrote into the output (JSON
//! `{"output","metadata":{"exit_code","duration_seconds"}}`, or a text header
//! `Exit code: N` / `Process exited with code N`), or from an `exec_command_end` event when
//! the rollout has one; `apply_patch` (a function, a custom tool, or `apply_patch` inside a
//! shell command) as one file edit per file of the patch, unless the patch was reported as
//! failed. Token usage is one [`Usage`] with the session's last cumulative `token_count`
//! total: `input_tokens` is Codex's own count, which includes cached prompt tokens, and
//! `cache_read_tokens` is its `cached_input_tokens`.
//!
//! What it cannot: an exit code Codex did not write (an unpaired call, a unified-exec
//! session still running when its output was taken) stays `None`; no cost is recorded; the
//! diffs of `apply_patch` edits carry Codex's context anchors (`@@ def f():`) instead of line
//! numbers, which the patch format does not have, and a deleted file's content is unknown.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::{Value, json};

use super::Peek;
use super::util::{Builder, HeaderParts, cap, json_lines, read_bounded, text_of};
use crate::model::{Command, ErrorEvent, ErrorKind, FileEdit, Message, Record, Role, ToolCall, ToolResult, Usage};
use crate::{IngestError, Limits, Trajectory};

/// Whether a file is in this format.
pub(crate) fn sniff(peek: &Peek<'_>) -> bool {
    let first = peek.first_line();
    let envelope = super::has_pair(first, "type", "session_meta")
        || (super::has_key(first, "payload")
            && (super::has_pair(peek.head, "type", "response_item")
                || super::has_pair(peek.head, "type", "turn_context")));
    // The bare form: a session meta without `type`, followed by state markers or bare items.
    let bare = super::has_key(first, "id")
        && super::has_key(first, "timestamp")
        && !super::has_key(first, "type")
        && !super::has_key(first, "payload")
        && (super::has_pair(peek.head, "record_type", "state")
            || super::has_pair(peek.head, "type", "function_call")
            || (super::has_pair(peek.head, "type", "message") && super::has_key(first, "instructions")));
    envelope || bare
}

/// The trajectory of one rollout file.
pub(crate) fn read(path: &Path, limits: &Limits) -> Vec<Result<Trajectory, IngestError>> {
    vec![read_one(path, limits)]
}

/// One line of the rollout, with the bare form mapped onto the envelope's kinds.
struct Rec {
    line: u64,
    kind: Kind,
    timestamp: Option<String>,
    value: Value,
    /// A line of the bare form: its payload is the line itself.
    bare: bool,
}

static NULL: Value = Value::Null;

impl Rec {
    fn payload(&self) -> &Value {
        if self.bare { &self.value } else { self.value.get("payload").unwrap_or(&NULL) }
    }

    /// The JSON pointer of a payload field within the line.
    fn at(&self, ptr: &str) -> String {
        if self.bare { ptr.to_owned() } else { format!("/payload{ptr}") }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SessionMeta,
    TurnContext,
    ResponseItem,
    EventMsg,
    Other,
}

fn read_one(path: &Path, limits: &Limits) -> Result<Trajectory, IngestError> {
    let bytes = read_bounded(path, limits)?;
    let mut lines = Vec::new();
    for item in json_lines(path, limits)? {
        lines.push(item?);
    }
    let Some((_, first)) = lines.first() else {
        return Err(IngestError::new(path, None, "empty rollout"));
    };
    let bare = first.get("payload").is_none() && first.get("type").is_none();
    let recs: Vec<Rec> = lines.into_iter().enumerate().map(|(i, (line, v))| to_rec(i, line, v, bare)).collect();
    Reader::new(path, limits, &recs).run(&recs, &bytes)
}

fn to_rec(index: usize, line: u64, value: Value, bare: bool) -> Rec {
    let timestamp = value.get("timestamp").and_then(Value::as_str).map(str::to_owned);
    let kind = if bare {
        if index == 0 {
            Kind::SessionMeta
        } else if value.get("record_type").is_some() {
            Kind::Other
        } else {
            Kind::ResponseItem
        }
    } else {
        match value.get("type").and_then(Value::as_str) {
            Some("session_meta") => Kind::SessionMeta,
            Some("turn_context") => Kind::TurnContext,
            Some("response_item") => Kind::ResponseItem,
            Some("event_msg") => Kind::EventMsg,
            _ => Kind::Other,
        }
    };
    Rec { line, kind, timestamp, value, bare }
}

/// What the events of the rollout say about a call, wherever they sit in the file.
#[derive(Debug, Default)]
struct CallFacts {
    has_output: bool,
    exit_code: Option<i32>,
    duration_s: Option<f64>,
    cwd: Option<String>,
    patch_failed: Option<bool>,
}

/// A tool call waiting for its output.
#[derive(Debug)]
struct Pending {
    shell: Option<ShellCall>,
    patch: Option<String>,
}

#[derive(Debug)]
struct ShellCall {
    command: String,
    cwd: Option<String>,
}

/// Exit code, wall time and body of a tool output, as Codex formatted it.
#[derive(Debug, Default, PartialEq)]
struct Output {
    exit_code: Option<i32>,
    duration_s: Option<f64>,
    body: String,
}

struct Reader {
    b: Builder,
    header: HeaderParts,
    facts: HashMap<String, CallFacts>,
    pending: HashMap<String, Pending>,
    session_cwd: Option<String>,
    turn_cwd: Option<String>,
    model: Option<String>,
    /// The record of the last cumulative token total, and the model current then.
    total: Option<(usize, Option<String>)>,
    seen_meta: bool,
    /// User and assistant texts of `response_item` messages: the `user_message` and
    /// `agent_message` events repeat them, and stand in only for the ones missing.
    item_texts: HashSet<(bool, String)>,
}

impl Reader {
    fn new(path: &Path, limits: &Limits, recs: &[Rec]) -> Self {
        let version = recs
            .iter()
            .find(|r| r.kind == Kind::SessionMeta)
            .and_then(|r| r.payload().get("cli_version"))
            .and_then(Value::as_str);
        let format = format!("codex/{}", version.unwrap_or("legacy"));
        Self {
            b: Builder::new(path, format, limits),
            header: HeaderParts { agent: "codex".to_owned(), ..HeaderParts::default() },
            facts: collect_facts(recs),
            pending: HashMap::new(),
            session_cwd: None,
            turn_cwd: None,
            model: None,
            total: None,
            seen_meta: false,
            item_texts: recs
                .iter()
                .filter(|r| {
                    r.kind == Kind::ResponseItem && r.payload().get("type").and_then(Value::as_str) == Some("message")
                })
                .filter_map(|r| {
                    let user = match r.payload().get("role").and_then(Value::as_str)? {
                        "user" => true,
                        "assistant" => false,
                        _ => return None,
                    };
                    Some((user, r.payload().get("content").map(text_of).unwrap_or_default()))
                })
                .collect(),
        }
    }

    fn run(mut self, recs: &[Rec], bytes: &[u8]) -> Result<Trajectory, IngestError> {
        for (i, r) in recs.iter().enumerate() {
            let elapsed = self.b.elapsed_timestamp(r.timestamp.as_deref(), Some(r.line), "timestamp");
            match r.kind {
                Kind::SessionMeta => self.session_meta(r),
                Kind::TurnContext => self.turn_context(r),
                Kind::ResponseItem => self.response_item(r, elapsed),
                Kind::EventMsg => self.event_msg(i, r, elapsed),
                Kind::Other => {}
            }
        }
        // Outputs recorded before their calls (never seen, but possible): the calls still
        // get their commands and edits, without what the output said.
        let mut left: Vec<(String, Pending)> = self.pending.drain().collect();
        left.sort_by(|a, b| a.0.cmp(&b.0));
        for (id, p) in left {
            for e in self.finish_call(0, Some(&id), p, None, None) {
                self.b.push(0, Record::FileEdit(e));
            }
        }
        if let Some((r, model)) = self.total.take().and_then(|(i, m)| Some((recs.get(i)?, m))) {
            let input_tokens = self.b.u64(&r.value, &r.at("/info/total_token_usage/input_tokens"), Some(r.line));
            let output_tokens = self.b.u64(&r.value, &r.at("/info/total_token_usage/output_tokens"), Some(r.line));
            let cache_read_tokens =
                self.b.u64(&r.value, &r.at("/info/total_token_usage/cached_input_tokens"), Some(r.line));
            let usage = Usage {
                model,
                input_tokens,
                output_tokens,
                cache_read_tokens,
                cache_write_tokens: None,
                cost_usd: None,
            };
            self.b.push(r.line, Record::Usage(usage));
        }
        if self.header.model.is_none() {
            self.header.model.clone_from(&self.model);
        }
        self.b.finish(self.header, None, bytes, 1)
    }

    /// A string field of a record's payload; wrong types warn, naming the line and field.
    fn str<'a>(&mut self, r: &'a Rec, ptr: &str) -> Option<&'a str> {
        self.b.str(&r.value, &r.at(ptr), Some(r.line))
    }

    fn session_meta(&mut self, r: &Rec) {
        if self.seen_meta {
            // A resumed or forked session repeats the meta of the session it came from.
            return;
        }
        self.seen_meta = true;
        let id = self.str(r, "/id").or_else(|| r.payload().get("session_id").and_then(Value::as_str));
        self.header.id = id.unwrap_or_default().to_owned();
        if let Some(v) = self.str(r, "/cli_version") {
            if !known_version(v) {
                let msg = format!("Codex CLI version `{}` is not one this reader knows; read as 0.x", v.escape_debug());
                self.b.warn(Some(r.line), super::util::pointer_to_field(&r.at("/cli_version")), msg);
            }
            self.header.agent_revision = Some(v.to_owned());
        }
        let started = self.str(r, "/timestamp").or(r.timestamp.as_deref());
        self.header.started_at = started.filter(|t| super::time::has_offset(t)).map(str::to_owned);
        self.session_cwd = self.str(r, "/cwd").map(str::to_owned);
        if self.session_cwd.is_some() {
            self.header.workspace.clone_from(&self.session_cwd);
        }
        if let Some(m) = self.str(r, "/model") {
            self.model = Some(m.to_owned());
        }
    }

    fn turn_context(&mut self, r: &Rec) {
        if let Some(m) = self.str(r, "/model") {
            if self.header.model.is_none() {
                self.header.model = Some(m.to_owned());
            }
            self.model = Some(m.to_owned());
        }
        if let Some(c) = self.str(r, "/cwd") {
            self.turn_cwd = Some(c.to_owned());
            // No session meta names the session's directory: the first turn's does.
            if self.header.workspace.is_none() {
                self.header.workspace = Some(c.to_owned());
            }
        }
    }

    fn response_item(&mut self, r: &Rec, elapsed: Option<f64>) {
        let p = r.payload();
        match p.get("type").and_then(Value::as_str) {
            Some("message") => {
                let role = match self.str(r, "/role") {
                    Some("user") => Role::User,
                    Some("assistant") => Role::Assistant,
                    Some("developer" | "system") => Role::System,
                    _ => return,
                };
                let content = p.get("content").map(text_of).unwrap_or_default();
                self.b.push(r.line, Record::Message(Message { role, content, elapsed_s: elapsed }));
            }
            Some("function_call") => {
                let Some(name) = self.str(r, "/name").map(str::to_owned) else { return };
                let arguments = match p.get("arguments") {
                    Some(Value::String(s)) => super::util::embedded_json(s).unwrap_or_else(|| Value::String(s.clone())),
                    Some(other) => other.clone(),
                    None => Value::Null,
                };
                let call_id = self.str(r, "/call_id").map(str::to_owned);
                let shell = shell_call(&name, &arguments);
                let patch = if name == "apply_patch" {
                    arguments.get("input").and_then(Value::as_str).map(str::to_owned)
                } else {
                    shell.as_ref().and_then(|s| patch_in_command(&s.command))
                };
                self.call(r.line, name, arguments, call_id, Pending { shell, patch }, elapsed);
            }
            Some("custom_tool_call") => {
                let Some(name) = self.str(r, "/name").map(str::to_owned) else { return };
                let input = self.str(r, "/input").unwrap_or_default().to_owned();
                let call_id = self.str(r, "/call_id").map(str::to_owned);
                let patch = (name == "apply_patch").then(|| input.clone());
                let pending = Pending { shell: None, patch };
                self.call(r.line, name, json!({ "input": input }), call_id, pending, elapsed);
            }
            Some("local_shell_call") => {
                let call_id =
                    self.str(r, "/call_id").or_else(|| p.get("id").and_then(Value::as_str)).map(str::to_owned);
                let action = p.get("action").cloned().unwrap_or(Value::Null);
                let shell = shell_call("local_shell", &action);
                let patch = shell.as_ref().and_then(|s| patch_in_command(&s.command));
                self.call(r.line, "local_shell".to_owned(), action, call_id, Pending { shell, patch }, elapsed);
            }
            Some("web_search_call") => {
                let call_id = self.str(r, "/id").map(str::to_owned);
                let arguments = p.get("action").cloned().unwrap_or(Value::Null);
                let call =
                    ToolCall { call_id, tool: "web_search".to_owned(), plugin: None, arguments, elapsed_s: elapsed };
                self.b.push(r.line, Record::ToolCall(call));
            }
            Some("function_call_output" | "custom_tool_call_output") => self.output(r, elapsed),
            _ => {}
        }
    }

    /// A tool call: its `ToolCall` now; its command, result and edits when the output comes,
    /// or now if the rollout holds no output for it.
    fn call(
        &mut self,
        line: u64,
        name: String,
        arguments: Value,
        call_id: Option<String>,
        p: Pending,
        elapsed: Option<f64>,
    ) {
        let (tool, plugin) = split_mcp(&name);
        let call = ToolCall { call_id: call_id.clone(), tool, plugin, arguments, elapsed_s: elapsed };
        self.b.push(line, Record::ToolCall(call));
        let answered = call_id.as_ref().and_then(|id| self.facts.get(id)).is_some_and(|f| f.has_output);
        match call_id {
            Some(id) if answered => {
                self.pending.insert(id, p);
            }
            _ => {
                let edits = self.finish_call(line, call_id.as_deref(), p, None, elapsed);
                for e in edits {
                    self.b.push(line, Record::FileEdit(e));
                }
            }
        }
    }

    fn output(&mut self, r: &Rec, elapsed: Option<f64>) {
        let p = r.payload();
        let call_id = self.str(r, "/call_id").map(str::to_owned);
        let (text, success) = match p.get("output") {
            Some(Value::String(s)) => (s.clone(), None),
            Some(Value::Object(o)) => {
                let text = o.get("content").map(text_of).unwrap_or_default();
                (text, o.get("success").and_then(Value::as_bool))
            }
            Some(other @ Value::Array(_)) => (text_of(other), None),
            _ => (String::new(), None),
        };
        let pending = call_id.as_ref().and_then(|id| self.pending.remove(id));
        let out = parse_output(&text);
        // The command comes first, then the result, then the edits.
        let edits = match pending {
            Some(p) => self.finish_call(r.line, call_id.as_deref(), p, Some(&out), elapsed),
            None => Vec::new(),
        };
        let result = ToolResult { call_id, is_error: success.map(|s| !s), output: cap(&text), elapsed_s: elapsed };
        self.b.push(r.line, Record::ToolResult(result));
        for e in edits {
            self.b.push(r.line, Record::FileEdit(e));
        }
    }

    /// Pushes the command of a shell call; returns the edits of a patch that did not fail.
    fn finish_call(
        &mut self,
        line: u64,
        call_id: Option<&str>,
        p: Pending,
        out: Option<&Output>,
        elapsed: Option<f64>,
    ) -> Vec<FileEdit> {
        let facts = call_id.and_then(|id| self.facts.get(id));
        let exit_code = facts.and_then(|f| f.exit_code).or(out.and_then(|o| o.exit_code));
        if let Some(shell) = p.shell {
            let cwd = shell
                .cwd
                .or_else(|| facts.and_then(|f| f.cwd.clone()))
                .or_else(|| self.turn_cwd.clone())
                .or_else(|| self.session_cwd.clone());
            let body = out.map(|o| o.body.as_str()).unwrap_or_default();
            let command = Command {
                command: shell.command,
                exit_code,
                duration_s: facts.and_then(|f| f.duration_s).or(out.and_then(|o| o.duration_s)),
                cwd,
                output: cap(body),
                timed_out: exit_code == Some(124) && body.trim_start().starts_with("command timed out"),
                call_id: call_id.map(str::to_owned),
                elapsed_s: elapsed,
            };
            self.b.push(line, Record::Command(command));
        }
        let Some(patch) = p.patch else { return Vec::new() };
        let failed = facts.and_then(|f| f.patch_failed).unwrap_or(false)
            || exit_code.is_some_and(|c| c != 0)
            || out.is_some_and(|o| o.body.trim_start().starts_with("apply_patch verification failed"));
        if failed {
            return Vec::new();
        }
        super::edits::apply_patch(&patch)
            .into_iter()
            .map(|e| e.file_edit(call_id.map(str::to_owned), elapsed))
            .collect()
    }

    fn event_msg(&mut self, index: usize, r: &Rec, elapsed: Option<f64>) {
        let p = r.payload();
        match p.get("type").and_then(Value::as_str) {
            Some("token_count") => match p.pointer("/info/total_token_usage") {
                None | Some(Value::Null) => {}
                Some(Value::Object(_)) => self.total = Some((index, self.model.clone())),
                Some(_) => {
                    let field = super::util::pointer_to_field(&r.at("/info/total_token_usage"));
                    self.b.warn(Some(r.line), field, "expected an object; ignored");
                }
            },
            Some(kind @ ("user_message" | "agent_message")) => {
                let user = kind == "user_message";
                let Some(text) = self.str(r, "/message") else { return };
                if !text.is_empty() && !self.item_texts.contains(&(user, text.to_owned())) {
                    let role = if user { Role::User } else { Role::Assistant };
                    self.b
                        .push(r.line, Record::Message(Message { role, content: text.to_owned(), elapsed_s: elapsed }));
                }
            }
            Some("error") => {
                let message = self.str(r, "/message").unwrap_or("error").to_owned();
                self.b.push(r.line, Record::Error(ErrorEvent { kind: ErrorKind::Infra, message, elapsed_s: elapsed }));
            }
            _ => {}
        }
    }
}

/// What `function_call_output`, `exec_command_end` and `patch_apply_end` records say about
/// each call id, gathered before the calls are read (the events may come before or after
/// the output).
fn collect_facts(recs: &[Rec]) -> HashMap<String, CallFacts> {
    let mut facts: HashMap<String, CallFacts> = HashMap::new();
    for r in recs {
        let p = r.payload();
        let Some(id) = p.get("call_id").and_then(Value::as_str) else { continue };
        let kind = p.get("type").and_then(Value::as_str);
        match (r.kind, kind) {
            (Kind::ResponseItem, Some("function_call_output" | "custom_tool_call_output")) => {
                facts.entry(id.to_owned()).or_default().has_output = true;
            }
            (Kind::EventMsg, Some("exec_command_end")) => {
                let f = facts.entry(id.to_owned()).or_default();
                f.exit_code = p.get("exit_code").and_then(Value::as_i64).and_then(|c| i32::try_from(c).ok());
                f.duration_s = duration_of(p.get("duration"));
                f.cwd = p.get("cwd").and_then(Value::as_str).map(str::to_owned);
            }
            (Kind::EventMsg, Some("patch_apply_end")) => {
                let f = facts.entry(id.to_owned()).or_default();
                f.patch_failed = p.get("success").and_then(Value::as_bool).map(|ok| !ok);
            }
            _ => {}
        }
    }
    facts
}

/// A Rust `Duration` as Codex serializes it (`{secs, nanos}`), or plain seconds.
fn duration_of(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::Object(o) => {
            let secs = o.get("secs").and_then(Value::as_f64)?;
            Some(secs + o.get("nanos").and_then(Value::as_f64).unwrap_or(0.0) / 1e9)
        }
        _ => None,
    }
}

/// Versions this reader was written against: every 0.x.
fn known_version(v: &str) -> bool {
    v.split('.').next() == Some("0") && v.split('.').nth(1).is_some_and(|m| m.bytes().all(|b| b.is_ascii_digit()))
}

/// `mcp__server__tool` or Codex's `server__tool` → (`tool`, `server`).
pub(super) fn split_mcp(name: &str) -> (String, Option<String>) {
    let rest = name.strip_prefix("mcp__").unwrap_or(name);
    match rest.split_once("__") {
        Some((server, tool)) if !server.is_empty() && !tool.is_empty() => (tool.to_owned(), Some(server.to_owned())),
        _ => (name.to_owned(), None),
    }
}

/// The command of a shell tool call, as a readable command line, and its `workdir`.
fn shell_call(name: &str, args: &Value) -> Option<ShellCall> {
    let command = crate::tools::shell_command(name, args)?;
    let cwd = args.get("workdir").or_else(|| args.get("working_directory"));
    Some(ShellCall { command, cwd: cwd.and_then(Value::as_str).map(str::to_owned) })
}

/// The patch of an `apply_patch` run through the shell (`apply_patch <<'EOF' … EOF`, or the
/// argv form `apply_patch '*** Begin Patch…'`).
fn patch_in_command(command: &str) -> Option<String> {
    let starts_with_it = command.trim_start().starts_with("apply_patch")
        || command.contains("&& apply_patch")
        || command.contains("'apply_patch'");
    if !starts_with_it {
        return None;
    }
    let begin = command.find("*** Begin Patch")?;
    let rest = command.get(begin..)?;
    let end = rest.find("*** End Patch").map_or(rest.len(), |e| e + "*** End Patch".len());
    rest.get(..end).map(str::to_owned)
}

/// Splits Codex's shell output into its header (exit code, wall time) and body.
fn parse_output(text: &str) -> Output {
    if text.trim_start().starts_with('{')
        && let Ok(v) = serde_json::from_str::<Value>(text)
        && let Some(meta) = v.get("metadata")
    {
        return Output {
            exit_code: meta.get("exit_code").and_then(Value::as_i64).and_then(|c| i32::try_from(c).ok()),
            duration_s: meta.get("duration_seconds").and_then(Value::as_f64),
            body: v.get("output").map(text_of).unwrap_or_default(),
        };
    }
    let mut out = Output::default();
    let mut rest = text;
    while let Some((line, tail)) = rest.split_once('\n') {
        if line == "Output:" {
            out.body = tail.to_owned();
            return out;
        }
        if let Some(code) = line.strip_prefix("Exit code: ").or_else(|| line.strip_prefix("Process exited with code "))
        {
            out.exit_code = code.trim().parse().ok();
        } else if let Some(t) = line.strip_prefix("Wall time: ") {
            out.duration_s = t.trim().trim_end_matches("seconds").trim_end_matches('s').trim().parse().ok();
        } else if !["Chunk ID: ", "Command: ", "Original token count: ", "Total output lines: ", "Process running"]
            .iter()
            .any(|p| line.starts_with(p))
        {
            break;
        }
        rest = tail;
    }
    // Not Codex's header: the whole text is the output, and no exit code is known.
    Output { body: text.to_owned(), ..Output::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_give_exit_codes_in_every_version() {
        let o = parse_output(r#"{"output":"ok\n","metadata":{"exit_code":2,"duration_seconds":0.5}}"#);
        assert_eq!((o.exit_code, o.duration_s, o.body.as_str()), (Some(2), Some(0.5), "ok\n"));
        let o = parse_output("Exit code: 1\nWall time: 0.2 seconds\nOutput:\nno matches");
        assert_eq!((o.exit_code, o.duration_s, o.body.as_str()), (Some(1), Some(0.2), "no matches"));
        let o = parse_output(
            "Chunk ID: 1f6b00\nWall time: 0.0000 seconds\nProcess exited with code 127\nOriginal token count: 9\nOutput:\nzsh:1: command not found: pdftotext\n",
        );
        assert_eq!((o.exit_code, o.body.as_str()), (Some(127), "zsh:1: command not found: pdftotext\n"));
        let o =
            parse_output("Chunk ID: 9\nWall time: 1.0 seconds\nProcess running with session ID 5\nOutput:\nwaiting");
        assert_eq!((o.exit_code, o.body.as_str()), (None, "waiting"));
        let o = parse_output("Exit code: 0 is what I would print\nbut this is plain output");
        assert_eq!((o.exit_code, o.duration_s), (None, None));
        assert_eq!(parse_output("README.md").body, "README.md");
    }

    #[test]
    fn shell_patches_and_mcp_names_are_recognised() {
        let cmd = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: a\n+x\n*** End Patch\nEOF";
        assert_eq!(patch_in_command(cmd).as_deref(), Some("*** Begin Patch\n*** Add File: a\n+x\n*** End Patch"));
        assert_eq!(patch_in_command("cat notes.md # *** Begin Patch"), None);
        assert_eq!(split_mcp("mcp__github__create_issue"), ("create_issue".to_owned(), Some("github".to_owned())));
        assert_eq!(split_mcp("linear__list_issues"), ("list_issues".to_owned(), Some("linear".to_owned())));
        assert_eq!(split_mcp("shell"), ("shell".to_owned(), None));
    }
}
