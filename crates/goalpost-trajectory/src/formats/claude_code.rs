//! Claude Code session transcripts: `~/.claude/projects/<cwd-with-dashes>/<sessionId>.jsonl`,
//! one record per line, and the subagent transcripts Claude Code keeps beside them in
//! `<sessionId>/subagents/agent-*.jsonl`.
//!
//! **Versions.** Written against the community JSON Schemas for 2.0.x, 2.1.1, 2.1.2–2.1.63 and
//! 2.1.97–2.1.144 (`Task` became `Agent` in 2.1.63; both are read); 1.x files have the same
//! envelope and are read the same way. A `version` outside 1.0.0–2.1.144 is read as the nearest
//! of those with a warning.
//!
//! **Order.** Claude Code appends records as things happen, so steps follow file order. Every
//! branch of the `uuid`/`parentUuid` tree is kept, not only the chain that leads to the last
//! message: parallel tool calls branch the tree, and a branch the user rewound away from had
//! still run its commands. The chain crosses a compaction through `logicalParentUuid`; the
//! compaction itself (`system` `compact_boundary`), the compacted-conversation summary and old
//! `summary` records become system messages. A record repeated with the same `uuid` is read
//! once, and so are a repeated tool call or tool result id.
//!
//! **Subagents.** The files in `<session-file-stem>/subagents/*.jsonl` (that fixed place only)
//! are part of the session: their records are merged with the session's by timestamp (ties go
//! to the session, each file keeps its own order), so a subagent's steps sit between the
//! `Task`/`Agent` call that started it and that call's result, and concurrent subagents
//! interleave as they ran. Their tool calls, commands, edits and model calls are the session's.
//! This includes the `agent-acompact-*` file of a compaction (its model call costs tokens).
//! When a subagent has no file, the copies of its messages in the session's `agent_progress`
//! records are read instead. Steps from a subagent file have line 0, and warnings about its
//! records name the file in the message. In a subagent's steps the user messages are the
//! prompts its parent (or Claude Code, for a compaction) wrote, not the person's.
//!
//! **What it provides.**
//! - Messages: user text, assistant text (not thinking), and `isMeta` and compaction texts as
//!   system messages.
//! - Tool calls paired with their results by `tool_use_id`, `is_error` as recorded (absent stays
//!   `None`). MCP tools `mcp__server__tool` are tool `tool` of plugin `server`.
//! - Commands: a `Bash`/`PowerShell` call (a shell tool: [`crate::tools`]) is also a [`Command`] at its result. Output comes from
//!   `toolUseResult.stdout`/`stderr`, else the result text. `timed_out` only when the result
//!   says `Command timed out`; an interrupted command (`interrupted: true`) ran and is not a
//!   timeout. A call refused before it ran (the user rejected or interrupted it at the prompt,
//!   a `<tool_use_error>` such as a cancelled sibling) gets no command, nor does a call whose
//!   result never came.
//! - File edits: `Edit`, `MultiEdit`, `Write` and `NotebookEdit` calls that did not fail. The
//!   diff comes from `toolUseResult.structuredPatch`, else from the old and new strings (none for
//!   a notebook); a `Write` is a create when `toolUseResult.type` is `create`.
//! - One [`Usage`] per model call. A streamed response is written as several lines sharing one
//!   `message.id`, each repeating its usage: lines are deduplicated by that id, and each count
//!   is the largest its lines give. `input_tokens` is the whole prompt, `input_tokens +
//!   cache_creation_input_tokens + cache_read_input_tokens` (as formats that count cached
//!   prompt tokens inside the prompt do); `cache_read_tokens` is `cache_read_input_tokens`.
//!   Lines are written while the response streams, so all lines of a call may record only its
//!   first few output tokens: a subagent's final call is corrected from the usage its
//!   `Task`/`Agent` result records; other calls can stay under-counted.
//! - API errors (`isApiErrorMessage`, `system` `api_error`) as [`ErrorEvent`]s of kind `infra`.
//!
//! **What it cannot provide.** Exit codes (Claude Code records none: only `is_error`, and a
//! failed command's output starting `Exit code N`, which is kept as text, not parsed); command
//! durations; cost (none recorded); test outcomes and a final state (no harness).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// (whole prompt, output, cache read, cache write) tokens of one model call.
type Counts = (Option<u64>, Option<u64>, Option<u64>, Option<u64>);

use serde_json::Value;

use super::Peek;
use super::edits;
use super::util::{Builder, HeaderParts, cap, json_lines_from, json_type, pointer_to_field, read_bounded, split_mcp};
use crate::model::{
    Command, EditOp, ErrorEvent, ErrorKind, FileEdit, Message, Record, Role, ToolCall, ToolResult, Usage,
};
use crate::{IngestError, Limits, Trajectory};

/// The oldest and newest versions whose records this reader knows.
const OLDEST: (u32, u32, u32) = (1, 0, 0);
const NEWEST: (u32, u32, u32) = (2, 1, 144);

/// Whether a file is in this format.
pub(crate) fn sniff(peek: &Peek<'_>) -> bool {
    super::has_key(peek.head, "sessionId")
        && (super::has_key(peek.head, "parentUuid") || super::has_key(peek.head, "leafUuid"))
}

/// The trajectory of one session file, read together with its subagent files.
pub(crate) fn read(path: &Path, limits: &Limits) -> Vec<Result<Trajectory, IngestError>> {
    vec![read_session(path, limits)]
}

/// One record and where and when it was written.
#[derive(Debug)]
struct Rec {
    /// Line in its file.
    line: u64,
    /// 0 for the session file, `n` for its `n`th subagent file.
    file: usize,
    /// Its own timestamp, in seconds since the epoch.
    ts: Option<f64>,
    /// When it is merged: its own timestamp, else the last one before it in its file.
    at: f64,
    v: Value,
}

fn read_session(path: &Path, limits: &Limits) -> Result<Trajectory, IngestError> {
    let mut content = read_bounded(path, limits)?;
    let mut session = load(path, content.clone(), 0, limits)?;

    let mut sub_names = Vec::new();
    let mut subs = Vec::new();
    let mut agents_with_files = HashSet::new();
    for (n, sub) in subagent_files(path)?.into_iter().enumerate() {
        let bytes = read_bounded(&sub, limits)?;
        let recs = load(&sub, bytes.clone(), n + 1, limits)?;
        content.extend_from_slice(&bytes);
        let name = sub.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(id) = name.strip_prefix("agent-").and_then(|n| n.strip_suffix(".jsonl")) {
            agents_with_files.insert(id.to_owned());
        }
        agents_with_files.extend(recs.iter().filter_map(|r| r.v.get("agentId")?.as_str()).map(str::to_owned));
        sub_names.push(name);
        subs.push(recs);
    }
    read_agent_progress(&mut session, &agents_with_files);

    let first = |key: &str| session.iter().find_map(|r| r.v.get(key)?.as_str().map(str::to_owned));
    let version = first("version");
    // The directory the session was started in: its project (later records may follow a `cd`).
    let workspace = first("cwd");
    let mut id = first("sessionId").unwrap_or_default();
    // A subagent file read on its own names its parent's session: keep the two apart.
    let first_turn =
        session.iter().find(|r| matches!(r.v.get("type").and_then(Value::as_str), Some("user" | "assistant")));
    if let Some(agent) = first_turn
        .filter(|r| r.v.get("isSidechain") == Some(&Value::Bool(true)))
        .and_then(|r| r.v.get("agentId")?.as_str())
    {
        id = format!("{id}/agent-{agent}");
    }
    let started = session.iter().find_map(|r| Some((r.ts?, r.v.get("timestamp")?.as_str()?.to_owned())));

    let format = version.as_ref().map_or_else(|| "claude-code".to_owned(), |v| format!("claude-code/{v}"));
    let mut reader = Reader {
        b: Builder::new(path, format, limits),
        sub_names: &sub_names,
        line: 0,
        file: 0,
        uuids: HashSet::new(),
        versions: HashSet::new(),
        calls: HashMap::new(),
        usage_steps: HashMap::new(),
        agent_usage: HashMap::new(),
        model: None,
    };
    reader.b.elapsed_epoch(started.as_ref().map(|s| s.0));
    let mut streams = vec![session];
    streams.extend(subs);
    for rec in merge(streams) {
        reader.record(&rec);
    }

    let header = HeaderParts {
        id,
        agent: "claude-code".to_owned(),
        agent_revision: version,
        model: reader.model.take(),
        scenario: None,
        attempt: None,
        started_at: started.map(|s| s.1).filter(|s| super::time::has_offset(s)),
        workspace,
    };
    reader.b.finish(header, None, &content, 0)
}

/// The records of one file, with their merge times.
fn load(path: &Path, bytes: Vec<u8>, file: usize, limits: &Limits) -> Result<Vec<Rec>, IngestError> {
    let mut out = Vec::new();
    let mut at = f64::NEG_INFINITY;
    for item in json_lines_from(path, bytes, limits) {
        let (line, v) = item?;
        let ts = v.get("timestamp").and_then(Value::as_str).and_then(super::time::seconds);
        if let Some(t) = ts {
            at = t;
        }
        out.push(Rec { line, file, ts, at, v });
    }
    Ok(out)
}

/// The subagent transcripts beside a session file: `<stem>/subagents/*.jsonl`, sorted by name.
/// Found only at that fixed place, never through a path named in a record.
fn subagent_files(path: &Path) -> Result<Vec<PathBuf>, IngestError> {
    let (Some(parent), Some(stem)) = (path.parent(), path.file_stem()) else { return Ok(Vec::new()) };
    let dir = parent.join(stem).join("subagents");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = fs_err::read_dir(&dir).map_err(|e| IngestError::new(&dir, None, e.to_string()))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// A subagent without a file of its own is known only from the copies of its messages in the
/// session's `agent_progress` records: read those copies in their place. Copies of a subagent
/// that has a file are left out (the file has them all).
fn read_agent_progress(session: &mut [Rec], agents_with_files: &HashSet<String>) {
    for rec in session {
        let v = &mut rec.v;
        let is_copy = v.get("type").and_then(Value::as_str) == Some("progress")
            && v.pointer("/data/type").and_then(Value::as_str) == Some("agent_progress")
            && v.pointer("/data/agentId").and_then(Value::as_str).is_some_and(|a| !agents_with_files.contains(a));
        if !is_copy {
            continue;
        }
        let agent = v.pointer("/data/agentId").cloned().unwrap_or_default();
        if let Some(message) = v.pointer_mut("/data/message") {
            let mut message = message.take();
            if let Some(m) = message.as_object_mut() {
                m.insert("agentId".to_owned(), agent);
            }
            *v = message;
        }
    }
}

/// The records of all files in one sequence: each file keeps its order, and the next record is
/// always the earliest of the files' next ones (the session's on a tie).
fn merge(streams: Vec<Vec<Rec>>) -> Vec<Rec> {
    let mut out = Vec::with_capacity(streams.iter().map(Vec::len).sum());
    let mut heads: Vec<_> = streams.into_iter().map(|s| s.into_iter().peekable()).collect();
    loop {
        let mut best: Option<(usize, f64)> = None;
        for (i, head) in heads.iter_mut().enumerate() {
            if let Some(r) = head.peek()
                && best.is_none_or(|(_, t)| r.at < t)
            {
                best = Some((i, r.at));
            }
        }
        match best.and_then(|(i, _)| heads.get_mut(i)?.next()) {
            Some(rec) => out.push(rec),
            None => return out,
        }
    }
}

/// A tool result, as a command or an edit needs it.
#[derive(Debug)]
struct Answer<'a> {
    call_id: Option<String>,
    /// The record's `toolUseResult`, when it belongs to this result.
    details: Option<&'a Value>,
    is_error: Option<bool>,
    text: &'a str,
    t: Option<f64>,
}

/// A tool call waiting for (or given) its result.
#[derive(Debug)]
struct Call {
    tool: String,
    input: Value,
    /// The shell command, for a shell tool.
    command: Option<String>,
    /// The session's working directory when the call was made.
    cwd: Option<String>,
    answered: bool,
}

/// Turns merged records into steps.
#[derive(Debug)]
struct Reader<'a> {
    b: Builder,
    /// Names of the subagent files, the `n`th at `n - 1`.
    sub_names: &'a [String],
    /// Where the record being read is.
    line: u64,
    file: usize,
    uuids: HashSet<String>,
    versions: HashSet<String>,
    calls: HashMap<String, Call>,
    /// The step index of the usage of each model call (`message.id`) seen so far.
    usage_steps: HashMap<String, usize>,
    /// The step index of the usage of each subagent's (`agentId`) latest model call.
    agent_usage: HashMap<String, usize>,
    /// The session's model: the first named by an assistant record of the session file.
    model: Option<String>,
}

impl Reader<'_> {
    fn record(&mut self, rec: &Rec) {
        self.line = rec.line;
        self.file = rec.file;
        let v = &rec.v;
        let Some(kind) = self.str(v, "/type") else { return };
        if let Some(uuid) = self.str(v, "/uuid")
            && !self.uuids.insert(uuid.to_owned())
        {
            return;
        }
        if let Some(ts) = self.str(v, "/timestamp")
            && rec.ts.is_none()
        {
            self.warn("/timestamp", format!("`{}` is not a timestamp", ts.escape_debug()));
        }
        if let Some(version) = self.str(v, "/version") {
            self.check_version(version);
        }
        let t = self.b.elapsed_epoch(rec.ts);
        match kind {
            "user" => self.user(v, t),
            "assistant" => self.assistant(v, t),
            "system" => self.system(v, t),
            "summary" => {
                if let Some(summary) = self.str(v, "/summary") {
                    self.message(Role::System, summary.to_owned(), t);
                }
            }
            _ => {}
        }
    }

    fn check_version(&mut self, version: &str) {
        if !self.versions.insert(version.to_owned()) {
            return;
        }
        let parsed = parse_version(version);
        if parsed.is_none_or(|v| v < OLDEST || v > NEWEST) {
            let nearest = if parsed.is_some_and(|v| v < OLDEST) { OLDEST } else { NEWEST };
            self.warn(
                "/version",
                format!(
                    "Claude Code version `{}` is not one this reader knows ({}.{}.{} to {}.{}.{}); read as {}.{}.{}",
                    version.escape_debug(),
                    OLDEST.0,
                    OLDEST.1,
                    OLDEST.2,
                    NEWEST.0,
                    NEWEST.1,
                    NEWEST.2,
                    nearest.0,
                    nearest.1,
                    nearest.2
                ),
            );
        }
    }

    fn user(&mut self, v: &Value, t: Option<f64>) {
        let injected = self.bool(v, "/isMeta") == Some(true) || self.bool(v, "/isCompactSummary") == Some(true);
        let role = if injected { Role::System } else { Role::User };
        match v.pointer("/message/content") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => self.message(role, s.clone(), t),
            Some(Value::Array(blocks)) => {
                // `toolUseResult` describes the record's tool result; with several it is ambiguous.
                let results = blocks.iter().filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"));
                let has_tool_use_result = results.count() == 1 && v.get("toolUseResult").is_some();
                let mut text = Vec::new();
                for i in 0..blocks.len() {
                    let p = format!("/message/content/{i}");
                    match self.str(v, &format!("{p}/type")) {
                        Some("text") => text.extend(self.str(v, &format!("{p}/text"))),
                        Some("tool_result") => self.result(v, &p, has_tool_use_result, t),
                        _ => {}
                    }
                }
                if !text.is_empty() {
                    self.message(role, text.join("\n"), t);
                }
            }
            Some(other) => self.wrong_type("/message/content", "a string or an array", other),
        }
    }

    fn assistant(&mut self, v: &Value, t: Option<f64>) {
        if self.bool(v, "/isApiErrorMessage") == Some(true) {
            let message = v.pointer("/message/content").map(super::util::text_of).unwrap_or_default();
            self.push(Record::Error(ErrorEvent { kind: ErrorKind::Infra, message, elapsed_s: t }));
            return;
        }
        let model = self.str(v, "/message/model").filter(|m| *m != "<synthetic>");
        if self.file == 0 && self.model.is_none() {
            self.model = model.map(str::to_owned);
        }
        let blocks = self.array(v, "/message/content");
        for i in 0..blocks.len() {
            let p = format!("/message/content/{i}");
            match self.str(v, &format!("{p}/type")) {
                Some("text") => {
                    if let Some(text) = self.str(v, &format!("{p}/text")).filter(|s| !s.trim().is_empty()) {
                        self.message(Role::Assistant, text.to_owned(), t);
                    }
                }
                Some("tool_use" | "server_tool_use") => self.call(v, &p, t),
                _ => {}
            }
        }
        if model.is_some() {
            self.usage(v, model);
        }
    }

    /// The usage of a model call, once per `message.id`: a later line of the same call only
    /// raises the counts already recorded.
    fn usage(&mut self, v: &Value, model: Option<&str>) {
        if v.pointer("/message/usage").is_none_or(Value::is_null) {
            return;
        }
        let counts = self.counts(v, "/message/usage");
        let id = self.str(v, "/message/id");
        let n = match id.and_then(|id| self.usage_steps.get(id)) {
            Some(&n) => {
                self.raise_usage(n, counts);
                n
            }
            None => {
                let n = self.b.steps().len();
                let (input_tokens, output_tokens, cache_read_tokens, cache_write_tokens) = counts;
                let model = model.map(str::to_owned);
                self.push(Record::Usage(Usage {
                    model,
                    input_tokens,
                    output_tokens,
                    cache_read_tokens,
                    cache_write_tokens,
                    cost_usd: None,
                }));
                if let Some(id) = id {
                    self.usage_steps.insert(id.to_owned(), n);
                }
                n
            }
        };
        if let Some(agent) = self.str(v, "/agentId") {
            self.agent_usage.insert(agent.to_owned(), n);
        }
    }

    /// (whole prompt, output, cache read, cache write) tokens of the usage object at `ptr`.
    fn counts(&mut self, v: &Value, ptr: &str) -> Counts {
        let fresh = self.u64(v, &format!("{ptr}/input_tokens"));
        let created = self.u64(v, &format!("{ptr}/cache_creation_input_tokens"));
        let read = self.u64(v, &format!("{ptr}/cache_read_input_tokens"));
        let output = self.u64(v, &format!("{ptr}/output_tokens"));
        let input = (fresh.is_some() || created.is_some() || read.is_some())
            .then(|| fresh.unwrap_or(0).saturating_add(created.unwrap_or(0)).saturating_add(read.unwrap_or(0)));
        (input, output, read, created)
    }

    /// Raises the usage at step index `n` to at least `counts`.
    fn raise_usage(&mut self, n: usize, (input, output, read, written): Counts) {
        if let Some(Record::Usage(u)) = self.b.steps_mut().get_mut(n).map(|s| &mut s.record) {
            u.input_tokens = u.input_tokens.max(input);
            u.output_tokens = u.output_tokens.max(output);
            u.cache_read_tokens = u.cache_read_tokens.max(read);
            u.cache_write_tokens = u.cache_write_tokens.max(written);
        }
    }

    /// A `tool_use` block at `p`.
    fn call(&mut self, v: &Value, p: &str, t: Option<f64>) {
        let Some(name) = self.str(v, &format!("{p}/name")) else { return };
        let id = self.str(v, &format!("{p}/id"));
        if id.is_some_and(|id| self.calls.contains_key(id)) {
            return;
        }
        let arguments = match v.pointer(&format!("{p}/input")).cloned().unwrap_or(Value::Null) {
            Value::String(s) => super::util::embedded_json(&s).unwrap_or(Value::String(s)),
            other => other,
        };
        let command = crate::tools::is_shell_tool(name).then(|| self.str(v, &format!("{p}/input/command"))).flatten();
        let (tool, plugin) = split_mcp(name);
        self.push(Record::ToolCall(ToolCall {
            call_id: id.map(str::to_owned),
            tool,
            plugin,
            arguments: arguments.clone(),
            elapsed_s: t,
        }));
        if let Some(id) = id {
            let call = Call {
                tool: name.to_owned(),
                input: arguments,
                command: command.map(str::to_owned),
                cwd: self.str(v, "/cwd").map(str::to_owned),
                answered: false,
            };
            self.calls.insert(id.to_owned(), call);
        }
    }

    /// A `tool_result` block at `p`; `has_tool_use_result` when the record's `toolUseResult`
    /// belongs to it.
    fn result(&mut self, v: &Value, p: &str, has_tool_use_result: bool, t: Option<f64>) {
        let id = self.str(v, &format!("{p}/tool_use_id"));
        let is_error = self.bool(v, &format!("{p}/is_error"));
        let text = v.pointer(&format!("{p}/content")).map(super::util::text_of).unwrap_or_default();
        let call = match id.and_then(|id| self.calls.get_mut(id)) {
            Some(call) if call.answered => return,
            Some(call) => {
                call.answered = true;
                Some((call.tool.clone(), call.input.clone(), call.command.clone(), call.cwd.clone()))
            }
            None => None,
        };
        let details = if has_tool_use_result { v.get("toolUseResult") } else { None };
        let answer = Answer { call_id: id.map(str::to_owned), details, is_error, text: &text, t };
        if let Some((tool, input, command, cwd)) = call {
            if matches!(tool.as_str(), "Task" | "Agent") && details.is_some() {
                self.subagent_done(v);
            }
            if crate::tools::is_shell_tool(&tool) {
                self.command(v, &answer, command, cwd);
            } else if matches!(tool.as_str(), "Edit" | "MultiEdit" | "Write" | "NotebookEdit") {
                self.edit(v, &answer, &tool, &input);
            }
        }
        self.push(Record::ToolResult(ToolResult {
            call_id: answer.call_id,
            is_error,
            output: cap(&text),
            elapsed_s: t,
        }));
    }

    /// A subagent's result gives the final usage of its last model call, whose lines were
    /// written while it streamed and may count fewer output tokens.
    fn subagent_done(&mut self, v: &Value) {
        let Some(agent) = self.str(v, "/toolUseResult/agentId") else { return };
        let Some(&n) = self.agent_usage.get(agent) else { return };
        if v.pointer("/toolUseResult/usage").is_some_and(Value::is_object) {
            let counts = self.counts(v, "/toolUseResult/usage");
            self.raise_usage(n, counts);
        }
    }

    fn command(&mut self, v: &Value, a: &Answer<'_>, command: Option<String>, cwd: Option<String>) {
        let Some(command) = command else { return };
        let shell_result = a.details.is_some_and(|d| d.get("stdout").is_some() || d.get("stderr").is_some());
        if !shell_result && a.is_error == Some(true) && refused(a.text) {
            return;
        }
        let mut output = String::new();
        if shell_result {
            for part in ["/toolUseResult/stdout", "/toolUseResult/stderr"] {
                if let Some(s) = self.str(v, part).filter(|s| !s.is_empty()) {
                    if !output.is_empty() {
                        output.push('\n');
                    }
                    output.push_str(s);
                }
            }
        }
        if output.is_empty() {
            output = a.text.to_owned();
        }
        self.push(Record::Command(Command {
            command,
            exit_code: None,
            duration_s: None,
            cwd,
            timed_out: a.text.contains("Command timed out after"),
            output: cap(&output),
            call_id: a.call_id.clone(),
            elapsed_s: a.t,
        }));
    }

    /// A file edit, unless the call failed or was refused.
    fn edit(&mut self, v: &Value, a: &Answer<'_>, tool: &str, input: &Value) {
        if a.is_error == Some(true) || refused(a.text) {
            return;
        }
        let details = a.details;
        let detail = |key: &str| details.and_then(|d| d.get(key)?.as_str());
        let arg = |key: &str| input.get(key).and_then(Value::as_str);
        let path = match details {
            Some(_) => self.str(v, "/toolUseResult/filePath"),
            None => None,
        };
        let Some(path) = path.or_else(|| arg("file_path")).or_else(|| arg("notebook_path")).map(str::to_owned) else {
            return;
        };
        let patch = if details.is_some() { self.structured_patch(v, &path) } else { None };
        let (op, diff) = match tool {
            "Write" => {
                let created = match details.is_some().then(|| self.str(v, "/toolUseResult/type")).flatten() {
                    Some(kind) => kind == "create",
                    None => a.text.starts_with("File created"),
                };
                let new = detail("content").or_else(|| arg("content")).unwrap_or_default();
                let diff = match (created, detail("originalFile")) {
                    _ if patch.is_some() => patch,
                    (true, _) => Some(edits::create(&path, new)),
                    (false, Some(old)) => Some(edits::replace(&path, old, new)),
                    (false, None) => None,
                };
                (if created { EditOp::Create } else { EditOp::Modify }, diff)
            }
            "Edit" => {
                let old = detail("oldString").or_else(|| arg("old_string")).unwrap_or_default();
                let new = detail("newString").or_else(|| arg("new_string")).unwrap_or_default();
                (EditOp::Modify, patch.or_else(|| Some(edits::replace(&path, old, new))))
            }
            "MultiEdit" => (EditOp::Modify, patch.or_else(|| edits::multi_edit(&path, input))),
            // A notebook is JSON: a cell's new source is no diff of the file.
            _ => (EditOp::Modify, None),
        };
        self.push(Record::FileEdit(FileEdit {
            path,
            op,
            from: None,
            diff,
            call_id: a.call_id.clone(),
            elapsed_s: a.t,
        }));
    }

    /// `toolUseResult.structuredPatch` (hunks of `oldStart`, `oldLines`, `newStart`, `newLines`
    /// and prefixed `lines`) as a unified diff; `None` when absent, empty or malformed.
    fn structured_patch(&mut self, v: &Value, path: &str) -> Option<String> {
        let hunks = self.array(v, "/toolUseResult/structuredPatch").len();
        if hunks == 0 {
            return None;
        }
        let mut out = format!("--- a/{path}\n+++ b/{path}\n");
        for i in 0..hunks {
            let p = format!("/toolUseResult/structuredPatch/{i}");
            let old_start = self.u64(v, &format!("{p}/oldStart"))?;
            let old_lines = self.u64(v, &format!("{p}/oldLines"))?;
            let new_start = self.u64(v, &format!("{p}/newStart"))?;
            let new_lines = self.u64(v, &format!("{p}/newLines"))?;
            out.push_str(&format!("@@ -{old_start},{old_lines} +{new_start},{new_lines} @@\n"));
            for line in self.array(v, &format!("{p}/lines")) {
                out.push_str(line.as_str()?);
                out.push('\n');
            }
        }
        Some(out)
    }

    fn system(&mut self, v: &Value, t: Option<f64>) {
        match self.str(v, "/subtype") {
            Some(subtype @ ("compact_boundary" | "microcompact_boundary")) => {
                let what = self.str(v, "/content").unwrap_or("Conversation compacted").to_owned();
                let meta = if subtype == "compact_boundary" { "/compactMetadata" } else { "/microcompactMetadata" };
                let trigger = self.str(v, &format!("{meta}/trigger"));
                let tokens = self.u64(v, &format!("{meta}/preTokens"));
                let mut text = format!("[{subtype}] {what}");
                if let Some(trigger) = trigger {
                    text.push_str(&format!(" (trigger: {trigger})"));
                }
                if let Some(tokens) = tokens {
                    text.push_str(&format!(" ({tokens} tokens before)"));
                }
                self.message(Role::System, text, t);
            }
            Some("api_error") => {
                let mut message = match self.str(v, "/content") {
                    Some(c) => c.to_owned(),
                    None => format!("API error: {}", v.get("error").or_else(|| v.get("cause")).unwrap_or(&Value::Null)),
                };
                if let Some(attempt) = self.u64(v, "/retryAttempt") {
                    message.push_str(&format!(" (retry {attempt}"));
                    if let Some(max) = self.u64(v, "/maxRetries") {
                        message.push_str(&format!(" of {max}"));
                    }
                    message.push(')');
                }
                self.push(Record::Error(ErrorEvent { kind: ErrorKind::Infra, message, elapsed_s: t }));
            }
            _ => {}
        }
    }

    fn message(&mut self, role: Role, content: String, t: Option<f64>) {
        self.push(Record::Message(Message { role, content, elapsed_s: t }));
    }

    /// Appends a step; steps from subagent files have line 0 (the line is in another file).
    fn push(&mut self, record: Record) {
        let line = if self.file == 0 { self.line } else { 0 };
        self.b.push(line, record);
    }

    /// A warning about the record being read, naming its line, or its file and line when it
    /// is in a subagent file.
    fn warn(&mut self, ptr: &str, message: String) {
        let field = pointer_to_field(ptr);
        match self.file.checked_sub(1) {
            None => self.b.warn(Some(self.line), field, message),
            Some(n) => {
                let name = self.sub_names.get(n).map_or("a subagent file", String::as_str);
                let message = format!("in {} line {}: {message}", name.escape_debug(), self.line);
                self.b.warn(None, field, message);
            }
        }
    }

    fn wrong_type(&mut self, ptr: &str, expected: &str, found: &Value) {
        self.warn(ptr, format!("expected {expected}, found {}; ignored", json_type(found)));
    }

    /// The value at `ptr` if it is there, not null, and of the expected type; a value of
    /// another type is a warning.
    fn typed<'v>(&mut self, v: &'v Value, ptr: &str, expected: &str, ok: fn(&Value) -> bool) -> Option<&'v Value> {
        let found = v.pointer(ptr).filter(|x| !x.is_null())?;
        if ok(found) {
            return Some(found);
        }
        self.wrong_type(ptr, expected, found);
        None
    }

    fn str<'v>(&mut self, v: &'v Value, ptr: &str) -> Option<&'v str> {
        self.typed(v, ptr, "a string", Value::is_string)?.as_str()
    }

    fn u64(&mut self, v: &Value, ptr: &str) -> Option<u64> {
        self.typed(v, ptr, "a non-negative integer", |x| x.as_u64().is_some())?.as_u64()
    }

    fn bool(&mut self, v: &Value, ptr: &str) -> Option<bool> {
        self.typed(v, ptr, "a boolean", Value::is_boolean)?.as_bool()
    }

    fn array<'v>(&mut self, v: &'v Value, ptr: &str) -> &'v [Value] {
        self.typed(v, ptr, "an array", Value::is_array).and_then(Value::as_array).map_or(&[], Vec::as_slice)
    }
}

/// Whether a tool result says the call never ran: the user rejected it, or Claude Code refused
/// it before running it (`<tool_use_error>`: invalid input, a sibling call failed).
fn refused(text: &str) -> bool {
    let t = text.trim_start();
    [
        "<tool_use_error>",
        "The user doesn't want to proceed",
        "User rejected tool use",
        "[Request interrupted by user for tool use]",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

/// `2.1.39` → (2, 1, 39).
fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let mut parts = v.trim().split('.').map(|p| p.parse::<u32>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_as_three_numbers() {
        assert_eq!(parse_version("2.1.39"), Some((2, 1, 39)));
        assert_eq!(parse_version("2.1"), None);
        assert_eq!(parse_version("2.1.3.4"), None);
        assert!(parse_version("2.1.145").is_some_and(|v| v > NEWEST));
    }
}
