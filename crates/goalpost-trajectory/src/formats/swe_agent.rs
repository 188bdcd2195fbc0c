//! SWE-agent trajectories (`<instance>.traj`, one JSON object per instance) and SWE-bench
//! prediction batches (`all_preds.jsonl`, `preds.json`).
//!
//! **Versions.** 0.x (a step's `state` is a JSON *string* describing the shell before the
//! action; `model_stats.total_cost` is the batch total) and 1.x (`state` is an object
//! describing the shell after the action; steps carry `execution_time`, and `messages` (1.0)
//! or `query` (1.1+)). Function-calling runs also record `tool_calls`/`tool_call_ids` on the
//! `history` entries, and their call ids are kept. A file that has only a `history` (some
//! demonstrations) is read from it; a retry run's file is read from the attempt it chose
//! (`info.best_attempt_idx`), or, if it chose none, every attempt is read on its own (id
//! `<instance>/attempt-N`). An
//! `info.swe_agent_version` above 1.x is read as 1.x with a warning.
//!
//! **What each step becomes.** The `thought` is an assistant message; the `action` a tool
//! call named after the SWE-agent command it runs: the function name when the model called a
//! function, else the action's first word when that is one of SWE-agent's own commands
//! ([`COMMANDS`]: `open`, `edit`, `create`, `str_replace_editor`, `submit`, …), else `bash`,
//! since everything else SWE-agent runs in its shell. Without a recorded call id the call gets
//! `step-N` (N = the trajectory step), which only pairs the records of that step. A `bash` action is
//! also a command, with the step's `execution_time` (1.x) as its duration and the shell's
//! working directory before it as its cwd; **no exit code**: SWE-agent records none. The
//! observation is the tool result. Harness pseudo-actions (0.x `exit_cost`, `exit_context`, …)
//! are not tool calls: the run's exit status says what happened.
//!
//! **File edits** are read from the editing commands, unless their observation reports that
//! they failed: 0.x/1.x windowed `edit N:M` (on the file open before the step; the replaced
//! lines are recovered from the last window the run displayed of that file, and the diff is
//! left out when they were not all displayed), windowed `edit` without a range (cursor
//! region or displayed window), `edit SEARCH REPLACE`, `insert`, `create FILE`, and
//! `str_replace_editor create|str_replace|insert|undo_edit`. Paths are resolved against the
//! shell's working directory and made relative to the repository root (`/<repo_name>` of the
//! 1.x config, else the first working directory recorded; the recorded one when a replay's
//! config names another), like the paths of the submitted
//! diff; a path outside the repository stays absolute.
//!
//! **Totals.** `info.model_stats` holds only run totals, so one usage record carries them:
//! `tokens_sent` (every prompt token of every call; SWE-agent does not count cached tokens
//! apart) as input, `tokens_received` as output, `instance_cost` as the cost. The final
//! state keeps `info.exit_status` and `info.submission` (when it is a diff; EnIGMA's CTF
//! flags are not); `exit_cost`, `exit_context` and `exit_format` are also agent errors,
//! command or total timeouts timeout errors, environment and API failures infrastructure
//! errors. There are no timestamps (no `elapsed_s`, no wall time) and no test outcomes.
//!
//! **Predictions** (`{model_name_or_path, instance_id, model_patch}` as JSON Lines, a JSON
//! array, or an object keyed by instance id) become one trajectory per prediction with no
//! steps: agent = `model_name_or_path`, scenario = instance id, final diff = `model_patch`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::Peek;
use super::edits::{self, Edit};
use super::util::{Builder, HeaderParts, cap, json_lines_from, parse_json, read_bounded, text_of};
use crate::{
    Command, EditOp, ErrorEvent, ErrorKind, FinalState, IngestError, Limits, Message, Record, Role, ToolCall,
    ToolResult, Trajectory, Usage,
};

/// Whether a file is in this format.
pub(crate) fn sniff(peek: &Peek<'_>) -> bool {
    (super::has_key(peek.head, "trajectory")
        && super::has_key(peek.head, "observation")
        && super::has_key(peek.head, "action"))
        || (super::has_key(peek.head, "history") && super::has_key(peek.head, "message_type"))
}

/// SWE-agent's own commands (0.x `config/commands`, 1.x `tools/` bundles, EnIGMA's tools): an
/// action starting with one of these ran that command, any other action ran in the shell.
const COMMANDS: &[&str] = &[
    "open",
    "goto",
    "scroll_up",
    "scroll_down",
    "create",
    "edit",
    "insert",
    "append",
    "set_cursors",
    "find_file",
    "search_dir",
    "search_file",
    "filemap",
    "str_replace_editor",
    "submit",
    "exit_forfeit",
    "view_image",
    "decompile",
    "disassemble",
    "debug_start",
    "debug_add_breakpoint",
    "debug_continue",
    "debug_step",
    "debug_exec",
    "debug_stop",
    "connect_start",
    "connect_sendline",
    "connect_exec",
    "connect_stop",
    "open_site",
    "close_site",
    "screenshot_site",
    "click_mouse",
    "double_click_mouse",
    "move_mouse",
    "drag_mouse",
    "type_text",
    "scroll_on_page",
    "execute_script_on_page",
    "navigate_back",
    "navigate_forward",
    "reload_page",
    "wait_time",
    "press_keys_on_page",
    "get_console_output",
    "set_browser_window_size",
];

/// Actions the harness writes in the model's place when it ends a run (0.x).
const HARNESS_EXITS: &[&str] = &["exit_cost", "exit_context", "exit_format", "exit_api", "exit_error"];

/// The trajectories of one file.
pub(crate) fn read(path: &Path, limits: &Limits) -> Vec<Result<Trajectory, IngestError>> {
    let bytes = match read_bounded(path, limits) {
        Ok(b) => b,
        Err(e) => return vec![Err(e)],
    };
    let doc = match parse_json(path, &bytes) {
        Ok(v) => v,
        Err(e) => return vec![Err(e)],
    };
    if !doc.is_object() {
        return vec![Err(IngestError::new(path, None, "a SWE-agent trajectory is a JSON object"))];
    }
    if doc.get("trajectory").is_some() || doc.get("history").is_some() {
        let attempt = doc.pointer("/info/best_attempt_idx").and_then(Value::as_u64).map(|i| i.saturating_add(1));
        return vec![read_one(path, &doc, &bytes, limits, attempt, false)];
    }
    match doc.get("attempts").and_then(Value::as_array) {
        Some(attempts) if !attempts.is_empty() => attempts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if !a.is_object() {
                    return Err(IngestError::new(path, None, "an attempt is a JSON object")
                        .with_field(format!("attempts[{i}]")));
                }
                let content = serde_json::to_vec(a).unwrap_or_default();
                read_one(path, a, &content, limits, Some(i as u64 + 1), true)
            })
            .collect(),
        _ => vec![Err(IngestError::new(path, None, "no `trajectory`, `history` or `attempts`: nothing to read"))],
    }
}

/// The shell state SWE-agent records with a step.
#[derive(Debug, Clone, Default)]
struct ShellState {
    open_file: Option<String>,
    working_dir: Option<String>,
}

impl ShellState {
    fn from_object(v: &Value) -> Self {
        let get = |k: &str| {
            v.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty() && *s != "n/a").map(str::to_owned)
        };
        Self { open_file: get("open_file"), working_dir: get("working_dir") }
    }

    /// The `(Open file: …)` and `(Current directory: …)` trailer of a history observation.
    fn from_trailer(text: &str) -> Option<Self> {
        let find = |label: &str| {
            text.lines()
                .rev()
                .find_map(|l| l.trim().strip_prefix(label)?.strip_suffix(')').map(str::trim))
                .filter(|s| !s.is_empty() && *s != "n/a")
                .map(str::to_owned)
        };
        let s = Self { open_file: find("(Open file:"), working_dir: find("(Current directory:") };
        (s.open_file.is_some() || s.working_dir.is_some()).then_some(s)
    }
}

/// One action of the run and what came back, from `trajectory[]` or from `history`.
#[derive(Debug)]
struct Turn<'a> {
    thought: &'a str,
    action: &'a str,
    observation: Cow<'a, str>,
    /// The shell before the action, when known.
    before: Option<ShellState>,
    /// The shell after the action, when known.
    after: Option<ShellState>,
    execution_time: Option<f64>,
    /// The function call of a function-calling run: `(id, name, arguments)`.
    call: Option<(Option<String>, String, Value)>,
}

fn read_one(
    path: &Path,
    doc: &Value,
    content: &[u8],
    limits: &Limits,
    attempt: Option<u64>,
    one_of_attempts: bool,
) -> Result<Trajectory, IngestError> {
    let steps = doc.get("trajectory").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let v0 = steps.iter().any(|s| s.get("state").is_some_and(Value::is_string));
    let format = match doc.pointer("/info/swe_agent_version").and_then(Value::as_str) {
        Some(v) => format!("swe-agent/{v}"),
        None if v0 => "swe-agent/0.x".to_owned(),
        None => "swe-agent/1.x".to_owned(),
    };
    let mut b = Builder::new(path, format, limits);
    let revision = b.str(doc, "/info/swe_agent_version", None).map(str::to_owned);
    if let Some(v) = &revision {
        let major = v.trim_start_matches('v').split('.').next().and_then(|m| m.parse::<u64>().ok());
        if major.is_none_or(|m| m > 1) {
            b.warn(
                None,
                "info.swe_agent_version",
                format!("unknown SWE-agent version `{}`; read as 1.x", v.escape_debug()),
            );
        }
    }
    if doc.get("info").is_some_and(|i| !i.is_object() && !i.is_null()) {
        b.warn(None, "info", "expected an object; exit status, submission and usage unknown");
    }
    let config = replay_config(&mut b, doc);
    b.array(doc, "/trajectory", None);
    let history = b.array(doc, "/history", None);

    let mut turns =
        if steps.is_empty() { turns_from_history(history) } else { turns_from_steps(&mut b, doc, steps.len(), v0) };
    attach_calls(&mut b, doc, &mut turns, history);

    for m in history
        .iter()
        .filter(|m| !is_demo(m))
        .take_while(|m| m.get("role").and_then(Value::as_str) != Some("assistant"))
    {
        let role = match m.get("role").and_then(Value::as_str) {
            Some("system") => Role::System,
            Some("user") => Role::User,
            _ => continue,
        };
        let content = m.get("content").map(text_of).unwrap_or_default();
        b.push(0, Record::Message(Message { role, content, elapsed_s: None }));
    }

    let configured = config
        .as_ref()
        .and_then(|c| c.pointer("/env/repo/repo_name"))
        .and_then(Value::as_str)
        .map(|n| format!("/{}", n.trim_matches('/')));
    let recorded = turns.iter().find_map(|t| t.before.as_ref().or(t.after.as_ref())?.working_dir.clone());
    // A replay's config names the repository of the run that replayed it; the steps say where
    // the recorded one worked, and win when the two disagree.
    let repo_root = match (configured, recorded) {
        (Some(c), Some(r)) if r != c && !r.starts_with(&format!("{c}/")) => Some(r),
        (c, r) => c.or(r),
    };
    let mut files = Files { root: repo_root, windows: BTreeMap::new(), open: None };
    for (i, turn) in turns.iter().enumerate() {
        push_turn(&mut b, &mut files, turn, i + 1);
    }

    let model = config.as_ref().and_then(|c| {
        c.pointer("/agent/model/name").or_else(|| c.pointer("/agent/model/model_name")).and_then(Value::as_str)
    });
    let model = model.map(str::to_owned);
    push_usage(&mut b, doc, model.clone());

    let exit_status = b.str(doc, "/info/exit_status", None).map(str::to_owned);
    if let Some((kind, why)) = exit_status.as_deref().and_then(exit_error) {
        let message = format!("{why} (exit status `{}`)", exit_status.as_deref().unwrap_or_default().escape_debug());
        b.push(0, Record::Error(ErrorEvent { kind, message, elapsed_s: None }));
    }
    let diff = b.str(doc, "/info/submission", None).filter(|s| looks_like_diff(s)).map(str::to_owned);
    let final_state = FinalState { exit_status, diff, ..FinalState::default() };

    let instance = config.as_ref().and_then(|c| c.pointer("/problem_statement/id")).and_then(Value::as_str);
    let (mut id, scenario) = match instance {
        Some(id) => (id.to_owned(), Some(id.to_owned())),
        // 0.x names no instance in the file: SWE-agent names the file after it.
        None => (path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(), None),
    };
    if let (true, Some(n)) = (one_of_attempts, attempt) {
        id = format!("{id}/attempt-{n}");
    }
    let header = HeaderParts {
        id,
        agent: "swe-agent".to_owned(),
        agent_revision: revision,
        model,
        scenario,
        attempt: attempt.and_then(|a| u32::try_from(a).ok()),
        started_at: None,
        // The repository root the run worked in (`/<repo_name>`, or the first working directory).
        workspace: files.root.clone(),
    };
    b.finish(header, Some(final_state), content, 0)
}

/// `replay_config`: an object, or (as 1.x writes it) an object serialized into a string.
fn replay_config(b: &mut Builder, doc: &Value) -> Option<Value> {
    match doc.get("replay_config")? {
        Value::Object(_) => doc.get("replay_config").cloned(),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(v) if v.is_object() => Some(v),
            _ => {
                b.warn(None, "replay_config", "not a JSON object; model and instance id unknown");
                None
            }
        },
        Value::Null => None,
        _ => {
            b.warn(None, "replay_config", "expected an object or a JSON string; ignored");
            None
        }
    }
}

fn turns_from_steps<'a>(b: &mut Builder, doc: &'a Value, n: usize, v0: bool) -> Vec<Turn<'a>> {
    let mut turns: Vec<Turn<'a>> = Vec::new();
    for i in 0..n {
        let at = format!("/trajectory/{i}");
        let Some(step) = doc.pointer(&at) else { continue };
        if !step.is_object() {
            b.warn(None, super::util::pointer_to_field(&at), "expected an object; step skipped");
            continue;
        }
        let state = match step.get("state") {
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(v) => Some(ShellState::from_object(&v)),
                Err(_) => {
                    b.warn(None, super::util::pointer_to_field(&format!("{at}/state")), "not a JSON object; ignored");
                    None
                }
            },
            Some(v @ Value::Object(_)) => Some(ShellState::from_object(v)),
            Some(Value::Null) | None => None,
            Some(_) => {
                b.warn(None, super::util::pointer_to_field(&format!("{at}/state")), "expected an object; ignored");
                None
            }
        };
        // 0.x records the shell before the action, 1.x after it.
        let (before, after) =
            if v0 { (state, None) } else { (turns.last().and_then(|t: &Turn<'_>| t.after.clone()), state) };
        turns.push(Turn {
            thought: b.str(doc, &format!("{at}/thought"), None).unwrap_or_default(),
            action: b.str(doc, &format!("{at}/action"), None).unwrap_or_default(),
            observation: Cow::Borrowed(b.str(doc, &format!("{at}/observation"), None).unwrap_or_default()),
            execution_time: b.f64(doc, &format!("{at}/execution_time"), None),
            before,
            after,
            call: None,
        });
    }
    turns
}

/// Turns of a file that has only a `history`: each action with the observation after it.
fn turns_from_history(history: &[Value]) -> Vec<Turn<'_>> {
    let mut turns: Vec<Turn<'_>> = Vec::new();
    let live: Vec<(usize, &Value)> = history.iter().enumerate().filter(|(_, m)| !is_demo(m)).collect();
    for (k, (_, m)) in live.iter().enumerate() {
        let Some(action) = action_of(m) else { continue };
        let content = live
            .get(k + 1)
            .map(|(_, o)| *o)
            .filter(|o| matches!(o.get("role").and_then(Value::as_str), Some("tool" | "user")))
            .and_then(|o| o.get("content"))
            .map(text_of)
            .unwrap_or_default();
        let after = ShellState::from_trailer(&content);
        // History observations are the prompt's: `OBSERVATION:` before, the shell state after.
        let body = content.strip_prefix("OBSERVATION:\n").unwrap_or(&content);
        let body = body.rfind("\n(Open file:").and_then(|i| body.get(..i)).unwrap_or(body);
        let observation = Cow::Owned(body.to_owned());
        turns.push(Turn {
            thought: m.get("thought").and_then(Value::as_str).unwrap_or_default(),
            action,
            observation,
            before: turns.last().and_then(|t| t.after.clone()),
            after,
            execution_time: None,
            call: None,
        });
    }
    turns
}

/// The action of a history entry the model wrote.
fn action_of(m: &Value) -> Option<&str> {
    if m.get("role").and_then(Value::as_str) != Some("assistant") {
        return None;
    }
    m.get("action").and_then(Value::as_str)
}

/// Demonstrations copied into the history (`is_demo`: `true`, or `"True"` in 0.x).
fn is_demo(m: &Value) -> bool {
    match m.get("is_demo") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Gives each turn the function call its history entry records (function-calling runs):
/// history entries are matched to turns by their action, in order.
fn attach_calls(b: &mut Builder, doc: &Value, turns: &mut [Turn<'_>], history: &[Value]) {
    let actions: Vec<(usize, &Value)> =
        history.iter().enumerate().filter(|(_, m)| !is_demo(m) && action_of(m).is_some()).collect();
    let mut next = 0;
    for turn in turns.iter_mut() {
        let Some(found) =
            actions.iter().skip(next).position(|(_, m)| action_of(m).map(str::trim) == Some(turn.action.trim()))
        else {
            continue;
        };
        let Some((i, _)) = actions.get(next + found) else { continue };
        next += found + 1;
        if b.array(doc, &format!("/history/{i}/tool_calls"), None).is_empty() {
            continue;
        }
        let at = format!("/history/{i}/tool_calls/0");
        let Some(call) = doc.pointer(&at) else { continue };
        let Some(name) = b.str(doc, &format!("{at}/function/name"), None) else { continue };
        let arguments = match call.pointer("/function/arguments") {
            Some(Value::String(s)) => super::util::embedded_json(s).unwrap_or_else(|| {
                b.warn(
                    None,
                    super::util::pointer_to_field(&format!("{at}/function/arguments")),
                    "not JSON; kept as text",
                );
                Value::String(s.clone())
            }),
            Some(v) => v.clone(),
            None => Value::Object(Map::new()),
        };
        let id = b.str(doc, &format!("{at}/id"), None).map(str::to_owned);
        turn.call = Some((id, name.to_owned(), arguments));
    }
}

/// What the run showed of the files it worked on, to recover the lines an edit replaced.
#[derive(Debug)]
struct Files {
    /// The repository root, which edited paths are made relative to.
    root: Option<String>,
    /// The last window displayed of each file (by repository path).
    windows: BTreeMap<String, Window>,
    /// The file open in the editor, as the actions opened it (when no state says).
    open: Option<String>,
}

/// Lines of a file as the windowed editor displayed them.
#[derive(Debug, Default)]
struct Window {
    lines: BTreeMap<u64, String>,
    total: Option<u64>,
    cursor: Option<(u64, u64)>,
}

impl Files {
    /// `raw` resolved against `cwd`, relative to the repository root when inside it.
    fn repo_path(&self, raw: &str, cwd: Option<&str>) -> String {
        let raw = raw.trim();
        let joined = match cwd {
            Some(c) if !raw.starts_with('/') => format!("{c}/{raw}"),
            _ => raw.to_owned(),
        };
        let normal = crate::collapse_dots(&joined);
        if !joined.starts_with('/') {
            return normal;
        }
        let abs = format!("/{normal}");
        match &self.root {
            Some(root) => {
                abs.strip_prefix(root.as_str()).and_then(|r| r.strip_prefix('/')).map_or(abs.clone(), str::to_owned)
            }
            None => abs,
        }
    }

    /// Remembers the windows an observation displays (the last one of each file wins).
    fn see(&mut self, observation: &str, cwd: Option<&str>) {
        let mut current: Option<(String, Window)> = None;
        let mut cursor_start = None;
        let mut cursor_pending = false;
        for line in observation.lines() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if let Some((file, total)) = window_header(line) {
                if let Some((p, w)) = current.take() {
                    self.keep(p, w);
                }
                let w = Window { total: Some(total), ..Window::default() };
                current = Some((self.repo_path(file, cwd), w));
                cursor_start = None;
                cursor_pending = false;
                continue;
            }
            let Some((_, w)) = current.as_mut() else { continue };
            if line == "<<<<< START CURSOR >>>>>" {
                cursor_pending = true;
            } else if line == "<<<<< END CURSOR >>>>>" {
                if let (Some(s), Some(e)) = (cursor_start, w.lines.keys().next_back()) {
                    w.cursor = Some((s, *e));
                }
            } else if let Some((n, text)) = line.split_once(':')
                && let Ok(n) = n.parse::<u64>()
            {
                if std::mem::take(&mut cursor_pending) {
                    cursor_start = Some(n);
                }
                w.lines.insert(n, text.to_owned());
            }
        }
        if let Some((p, w)) = current {
            self.keep(p, w);
        }
    }

    fn keep(&mut self, path: String, mut w: Window) {
        if w.cursor.is_none() {
            w.cursor = self.windows.get(&path).and_then(|old| old.cursor);
        }
        self.windows.insert(path, w);
    }

    /// Lines `start..=end` of a file, if the last window of it displayed them all.
    fn displayed(&self, path: &str, start: u64, end: u64) -> Option<Vec<&str>> {
        let w = self.windows.get(path)?;
        (start..=end).map(|n| w.lines.get(&n).map(String::as_str)).collect()
    }
}

/// `[File: PATH (N lines total)]`.
fn window_header(line: &str) -> Option<(&str, u64)> {
    let rest = line.strip_prefix("[File: ")?.strip_suffix(" lines total)]")?;
    let (file, n) = rest.rsplit_once(" (")?;
    Some((file, n.parse().ok()?))
}

/// The records of one turn: thought, tool call, command, result, file edits.
fn push_turn(b: &mut Builder, files: &mut Files, turn: &Turn<'_>, n: usize) {
    if !turn.thought.trim().is_empty() {
        let content = turn.thought.trim().to_owned();
        b.push(0, Record::Message(Message { role: Role::Assistant, content, elapsed_s: None }));
    }
    let action = turn.action.trim();
    let first = action.split_whitespace().next().unwrap_or_default();
    let cwd = turn.before.as_ref().and_then(|s| s.working_dir.clone());
    let after_cwd = turn.after.as_ref().and_then(|s| s.working_dir.clone()).or_else(|| cwd.clone());
    if action.is_empty() || (turn.call.is_none() && HARNESS_EXITS.contains(&first)) {
        files.see(&turn.observation, after_cwd.as_deref());
        return;
    }
    let (call_id, tool, arguments) = match &turn.call {
        Some((id, name, args)) => (id.clone().unwrap_or_else(|| format!("step-{n}")), name.clone(), args.clone()),
        None => {
            let tool = if COMMANDS.contains(&first) { first } else { "bash" };
            (format!("step-{n}"), tool.to_owned(), arguments_of(tool, action))
        }
    };
    let call_id = Some(call_id);
    b.push(
        0,
        Record::ToolCall(ToolCall {
            call_id: call_id.clone(),
            tool: tool.clone(),
            plugin: None,
            arguments: arguments.clone(),
            elapsed_s: None,
        }),
    );
    let output = cap(&turn.observation);
    if tool == "bash" {
        let command = arguments.get("command").and_then(Value::as_str).unwrap_or(action).to_owned();
        let timed_out = turn.observation.contains("EXECUTION TIMED OUT")
            || turn.observation.contains("was cancelled because it took more than");
        b.push(
            0,
            Record::Command(Command {
                command,
                exit_code: None,
                duration_s: turn.execution_time,
                cwd: cwd.clone(),
                output: output.clone(),
                timed_out,
                call_id: call_id.clone(),
                elapsed_s: None,
            }),
        );
    }
    b.push(0, Record::ToolResult(ToolResult { call_id: call_id.clone(), is_error: None, output, elapsed_s: None }));

    // The file the windowed editor works on: the state's, else the one the actions opened.
    let open = turn
        .before
        .as_ref()
        .and_then(|s| s.open_file.clone())
        .or_else(|| turn.after.as_ref().and_then(|s| s.open_file.clone()))
        .map(|f| files.repo_path(&f, cwd.as_deref()))
        .or_else(|| files.open.clone());
    if !edit_failed(&tool, &turn.observation) {
        for edit in edits(files, &tool, &arguments, open.as_deref(), cwd.as_deref()) {
            b.push(0, Record::FileEdit(edit.file_edit(call_id.clone(), None)));
        }
    }
    match tool.as_str() {
        "open" | "create" => {
            let file = arguments.get("path").or_else(|| arguments.get("filename")).and_then(Value::as_str);
            if let Some(f) = file {
                files.open = Some(files.repo_path(f, cwd.as_deref()));
            }
        }
        "set_cursors" => {
            let words: Vec<u64> = arguments
                .get("args")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            if let (Some(path), [s, e]) = (open.as_ref(), words.as_slice()) {
                files.windows.entry(path.clone()).or_default().cursor = Some((*s, *e));
            }
        }
        _ => {}
    }
    files.see(&turn.observation, after_cwd.as_deref());
}

/// The arguments of an action written as text, under the names SWE-agent's function-calling
/// tools give them; other commands keep their argument text as `args`.
fn arguments_of(tool: &str, action: &str) -> Value {
    let rest = action.strip_prefix(tool).unwrap_or(action);
    let mut args = Map::new();
    let mut put = |k: &str, v: Value| {
        args.insert(k.to_owned(), v);
    };
    match tool {
        "bash" => put("command", action.into()),
        "edit" => {
            let (first, body) = rest.split_once('\n').unwrap_or((rest, ""));
            let body = body.strip_suffix('\n').unwrap_or(body);
            let body = body.strip_suffix("end_of_edit").unwrap_or(body);
            let body = body.strip_suffix('\n').unwrap_or(body);
            let range =
                first.trim().split_once(':').and_then(|(s, e)| Some((s.parse::<u64>().ok()?, e.parse::<u64>().ok()?)));
            if let Some((s, e)) = range {
                put("start_line", s.into());
                put("end_line", e.into());
                put("replacement_text", body.into());
            } else if first.trim().is_empty() {
                put("replacement_text", body.into());
            } else {
                let mut words = shell_words(rest).into_iter();
                put("search", words.next().unwrap_or_default().into());
                put("replace", words.next().unwrap_or_default().into());
                if let Some(all) = words.next() {
                    put("replace-all", all.eq_ignore_ascii_case("true").into());
                }
            }
        }
        "insert" => {
            let mut words = shell_words(rest).into_iter();
            put("text", words.next().unwrap_or_default().into());
            if let Some(line) = words.next().and_then(|w| w.parse::<u64>().ok()) {
                put("line", line.into());
            }
        }
        "create" => {
            if let Some(f) = shell_words(rest).into_iter().next() {
                put("filename", f.into());
            }
        }
        "open" => {
            let mut words = shell_words(rest).into_iter();
            if let Some(f) = words.next() {
                put("path", f.into());
            }
            if let Some(line) = words.next().and_then(|w| w.parse::<u64>().ok()) {
                put("line_number", line.into());
            }
        }
        "str_replace_editor" => {
            let mut words = shell_words(rest).into_iter();
            if let Some(c) = words.next() {
                put("command", c.into());
            }
            if let Some(p) = words.next() {
                put("path", p.into());
            }
            while let Some(flag) = words.next() {
                let Some(name) = flag.strip_prefix("--") else { continue };
                match name {
                    "insert_line" => {
                        if let Some(n) = words.next().and_then(|w| w.parse::<u64>().ok()) {
                            put(name, n.into());
                        }
                    }
                    "view_range" => {
                        let r: Vec<Value> =
                            words.by_ref().take(2).filter_map(|w| w.parse::<i64>().ok()).map(Value::from).collect();
                        put(name, r.into());
                    }
                    _ => {
                        if let Some(v) = words.next() {
                            put(name, v.into());
                        }
                    }
                }
            }
        }
        _ => {
            let rest = rest.trim();
            if !rest.is_empty() {
                put("args", rest.into());
            }
        }
    }
    Value::Object(args)
}

/// Whether an editing command's output says the edit was not made.
fn edit_failed(tool: &str, observation: &str) -> bool {
    let out = observation.trim_start();
    if tool == "str_replace_editor" {
        return !["has been edited", "created successfully", "undone successfully"].iter().any(|m| out.contains(m));
    }
    [
        "Your proposed edit has introduced",
        "Your edit was not applied",
        "Your search and replace strings are the same",
        "Search text must not be empty",
        "Warning: File",
        "No file open",
        "Usage:",
        "Error",
        "ERROR",
        "Invalid",
    ]
    .iter()
    .any(|p| out.starts_with(p))
}

/// The file edits an editing command made: `str_replace_editor` (through [`edits::editor_at`],
/// on the path resolved against the shell's directory), and the windowed editor's `create`,
/// `edit` and `insert` on the open file.
fn edits(files: &Files, tool: &str, args: &Value, open: Option<&str>, cwd: Option<&str>) -> Vec<Edit> {
    let s = |k: &str| args.get(k).and_then(Value::as_str);
    let n = |k: &str| args.get(k).and_then(Value::as_u64);
    let edit = |path: &str, op, diff| Edit { path: path.to_owned(), op, from: None, diff };
    match tool {
        "create" => s("filename")
            .map(|f| {
                let path = files.repo_path(f, cwd);
                let diff = edits::create(&path, "");
                edit(&path, EditOp::Create, Some(diff))
            })
            .into_iter()
            .collect(),
        "str_replace_editor" => {
            let Some(path) = edits::editor_path(args).map(|p| files.repo_path(p, cwd)) else { return Vec::new() };
            edits::editor_at(args, &path).into_iter().collect()
        }
        "edit" | "insert" => {
            let Some(path) = open else { return Vec::new() };
            let diff = if let (Some(search), Some(replace)) = (s("search"), s("replace")) {
                Some(edits::replace(path, search, replace))
            } else if tool == "insert" {
                let text = s("text").unwrap_or_default();
                let after = n("line").or_else(|| files.windows.get(path).and_then(|w| w.total));
                after.map(|l| edits::insert_after(path, l, text))
            } else {
                let text = s("replacement_text").unwrap_or_default();
                let range = match (n("start_line"), n("end_line")) {
                    (Some(s), Some(e)) => Some((s, e)),
                    _ => files.windows.get(path).and_then(|w| {
                        w.cursor.or_else(|| Some((*w.lines.keys().next()?, *w.lines.keys().next_back()?)))
                    }),
                };
                range.and_then(|(start, end)| {
                    // A range past the end of the file replaces what there is (Python slicing).
                    let total = files.windows.get(path).and_then(|w| w.total).unwrap_or(u64::MAX);
                    let end = end.min(total);
                    let old = if end < start { Vec::new() } else { files.displayed(path, start, end)? };
                    let old = old.iter().map(|l| format!("{l}\n")).collect::<String>();
                    Some(edits::replace_at(path, start, &old, text))
                })
            };
            vec![edit(path, EditOp::Modify, diff)]
        }
        _ => Vec::new(),
    }
}

/// Words of a command line, unquoted the way a POSIX shell would (no expansions).
fn shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => word.push(e),
                            Some('\n') => {}
                            Some(e) => {
                                word.push('\\');
                                word.push(e);
                            }
                            None => word.push('\\'),
                        },
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next().filter(|e| *e != '\n') {
                    word.push(e);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The run totals of `info.model_stats` as one usage record.
fn push_usage(b: &mut Builder, doc: &Value, model: Option<String>) {
    match doc.pointer("/info/model_stats") {
        None | Some(Value::Null) => return,
        Some(Value::Object(_)) => {}
        Some(_) => {
            b.warn(None, "info.model_stats", "expected an object; no usage read");
            return;
        }
    }
    let usage = Usage {
        model,
        input_tokens: b.u64(doc, "/info/model_stats/tokens_sent", None),
        output_tokens: b.u64(doc, "/info/model_stats/tokens_received", None),
        cache_read_tokens: None,
        cache_write_tokens: None,
        cost_usd: b.f64(doc, "/info/model_stats/instance_cost", None),
    };
    if usage.input_tokens.is_some() || usage.output_tokens.is_some() || usage.cost_usd.is_some() {
        b.push(0, Record::Usage(usage));
    }
}

/// The error an exit status stands for, if any.
fn exit_error(status: &str) -> Option<(ErrorKind, &'static str)> {
    let kinds = [
        ("exit_cost", ErrorKind::Agent, "the run reached its cost limit"),
        ("exit_context", ErrorKind::Agent, "the conversation outgrew the model's context window"),
        ("exit_format", ErrorKind::Agent, "the model kept answering in a malformed format"),
        ("exit_command_timeout", ErrorKind::Timeout, "a command ran past its time limit"),
        ("exit_total_execution_time", ErrorKind::Timeout, "the run exceeded its total execution time"),
        ("exit_environment_error", ErrorKind::Infra, "the environment failed"),
        ("exit_api", ErrorKind::Infra, "the model API failed"),
        ("exit_error", ErrorKind::Infra, "the run stopped on an error"),
    ];
    kinds.into_iter().find(|(k, _, _)| status.contains(k)).map(|(_, kind, why)| (kind, why))
}

/// Whether a submission is a patch (SWE-bench) rather than an answer (an EnIGMA flag).
fn looks_like_diff(s: &str) -> bool {
    s.contains("diff --git") || s.trim_start().starts_with("--- ")
}

/// Whether a file is a batch of SWE-bench predictions (`preds.json`, `all_preds.jsonl`).
pub(crate) fn sniff_preds(peek: &Peek<'_>) -> bool {
    super::has_key(peek.head, "model_patch")
        && super::has_key(peek.head, "instance_id")
        && !super::has_key(peek.head, "history")
}

/// The predictions of a batch file, each as a trajectory holding only its final patch.
pub(crate) fn read_preds(path: &Path, limits: &Limits) -> Vec<Result<Trajectory, IngestError>> {
    let bytes = match read_bounded(path, limits) {
        Ok(b) => b,
        Err(e) => return vec![Err(e)],
    };
    let first_line_is_object = bytes
        .split(|c| *c == b'\n')
        .next()
        .and_then(|l| serde_json::from_slice::<Value>(l).ok())
        .is_some_and(|v| v.is_object());
    match parse_json(path, &bytes) {
        Ok(Value::Array(preds)) => preds.iter().map(|p| prediction(path, p, None, 0, limits)).collect(),
        Ok(Value::Object(o)) if o.contains_key("instance_id") => {
            vec![prediction(path, &Value::Object(o), None, 0, limits)]
        }
        Ok(Value::Object(o)) => o.iter().map(|(k, p)| prediction(path, p, Some(k), 0, limits)).collect(),
        Ok(_) => vec![Err(IngestError::new(path, None, "predictions are a JSON array, object or JSON Lines"))],
        // One object per line.
        Err(_) if first_line_is_object => json_lines_from(path, bytes, limits)
            .map(|item| item.and_then(|(line, p)| prediction(path, &p, None, line, limits)))
            .collect(),
        Err(e) => vec![Err(e)],
    }
}

/// One prediction as a trajectory with no steps and the patch as its final diff.
fn prediction(
    path: &Path,
    p: &Value,
    key: Option<&str>,
    line: u64,
    limits: &Limits,
) -> Result<Trajectory, IngestError> {
    let at = (line > 0).then_some(line);
    if !p.is_object() {
        return Err(IngestError::new(path, at, "a prediction is a JSON object"));
    }
    let mut b = Builder::new(path, "swe-bench-predictions", limits);
    let Some(id) = b.str(p, "/instance_id", at).or(key).map(str::to_owned) else {
        return Err(IngestError::new(path, at, "prediction without an instance_id").with_field("instance_id"));
    };
    let agent = b.str(p, "/model_name_or_path", at).unwrap_or_default().to_owned();
    let diff = b.str(p, "/model_patch", at).filter(|d| !d.trim().is_empty()).map(str::to_owned);
    let header = HeaderParts { id: id.clone(), agent, scenario: Some(id), ..HeaderParts::default() };
    let content = serde_json::to_vec(p).unwrap_or_default();
    b.finish(header, Some(FinalState { diff, ..FinalState::default() }), &content, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_unquote() {
        assert_eq!(shell_words("'a b' \"c \\\"d\\\"\" e\\ f"), ["a b", "c \"d\"", "e f"]);
        assert_eq!(shell_words("'it'\"'\"'s' x"), ["it's", "x"]);
        assert_eq!(shell_words("'unterminated"), ["unterminated"]);
    }

    #[test]
    fn action_text_becomes_arguments() {
        let a = arguments_of("edit", "edit 3:4\n    x = 1\nend_of_edit\n".trim());
        assert_eq!(a["start_line"], 3);
        assert_eq!(a["end_line"], 4);
        assert_eq!(a["replacement_text"], "    x = 1");
        let a = arguments_of("edit", "edit 'a: b' 'a: c' False");
        assert_eq!(
            (a["search"].as_str(), a["replace"].as_str(), a["replace-all"].as_bool()),
            (Some("a: b"), Some("a: c"), Some(false))
        );
        let a =
            arguments_of("str_replace_editor", "str_replace_editor insert /t/x.py --insert_line 3 --new_str 'y = 2'");
        assert_eq!(
            (a["command"].as_str(), a["path"].as_str(), a["insert_line"].as_u64()),
            (Some("insert"), Some("/t/x.py"), Some(3))
        );
        assert_eq!(a["new_str"], "y = 2");
    }

    #[test]
    fn windows_give_the_replaced_lines() {
        let mut f = Files { root: Some("/repo".into()), windows: BTreeMap::new(), open: None };
        f.see("[File: /repo/a.py (9 lines total)]\n(1 more lines above)\n2:x = 1\n3:y = 2\n(6 more lines below)", None);
        assert_eq!(f.displayed("a.py", 2, 3), Some(vec!["x = 1", "y = 2"]));
        assert_eq!(f.displayed("a.py", 3, 4), None);
        assert_eq!(f.repo_path("b/../c.py", Some("/repo/src")), "src/c.py");
        assert_eq!(f.repo_path("/etc/passwd", None), "/etc/passwd");
    }

    #[test]
    fn line_numbers_at_the_limit_saturate() {
        let f = Files { root: Some("/repo".into()), windows: BTreeMap::new(), open: None };
        let max = u64::MAX;
        let args = serde_json::json!({"command": "insert", "path": "/repo/x.py", "insert_line": max, "new_str": "y"});
        let got = edits(&f, "str_replace_editor", &args, None, None);
        // Inserted after line N: the old side is `N,0` (N + 1 saturates; N itself does not move).
        let want = format!("--- a/x.py\n+++ b/x.py\n@@ -{max},0 +{max},1 @@\n+y\n");
        assert_eq!(got[0].diff.as_deref(), Some(want.as_str()));
        let args = arguments_of("insert", &format!("insert y {max}"));
        let got = edits(&f, "insert", &args, Some("x.py"), None);
        assert!(got[0].diff.as_deref().is_some_and(|d| d.contains(&format!(" +{max},1 @@"))), "{got:?}");
    }

    #[test]
    fn a_best_attempt_at_the_limit_is_no_attempt_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.traj");
        let doc = serde_json::json!({"trajectory": [], "info": {"best_attempt_idx": u64::MAX}});
        fs_err::write(&path, doc.to_string()).unwrap();
        let got = read(&path, &Limits::default());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].as_ref().unwrap().header.attempt, 1);
    }

    #[test]
    fn a_line_range_past_the_end_replaces_what_there_is() {
        let mut f = Files { root: Some("/repo".into()), windows: BTreeMap::new(), open: None };
        f.see("[File: /repo/x.py (1 lines total)]\n1:\n", None);
        let args = serde_json::json!({"start_line": 1, "end_line": 9, "replacement_text": "a\nb"});
        let got = edits(&f, "edit", &args, Some("x.py"), None);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].diff.as_deref(), Some("--- a/x.py\n+++ b/x.py\n@@ -1,1 +1,2 @@\n-\n+a\n+b\n"));
    }
}
