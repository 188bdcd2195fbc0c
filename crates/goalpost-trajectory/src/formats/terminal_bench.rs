//! Terminal-Bench v1 (the harness before Harbor) trial directories:
//! `<run>/<task_id>/<trial_name>/results.json`, with `commands.txt`, `panes/*.txt` and
//! `sessions/*.cast` beside it and `<run>/run_metadata.json` two levels up.
//!
//! `results.json` holds the harness's verdict on one trial: `task_id`, `instruction`,
//! `is_resolved`, `failure_mode`, `parser_results` (`{test: "passed" | "failed"}`),
//! `total_input_tokens`/`total_output_tokens`, and the trial's, agent's and tests' start and end
//! times. The format has no version field; every file of the v1 harness is read alike.
//!
//! `commands.txt` is what the harness's tmux session wrote for each `send_keys` call: one Python
//! `repr()` per call, of a string (`'ls -la\n'`) or of a list of keys (`['ls', 'Enter']`). Each
//! call the agent made becomes a `send_keys` tool call, and each command line its keys ran (text
//! up to a newline or an `Enter` key, across calls) a [`Command`] with the call's id. The lines
//! the harness itself sent are left out: the `asciinema rec` and `clear` that open a session,
//! everything from the test session's recording or `bash /tests/run-tests.sh` on, and the
//! closing `C-d`s.
//!
//! What it provides: the instruction (as the user message), commands, the harness's per-test
//! outcomes (`tests_source` `terminal-bench`), `is_resolved` (as a source score), the failure
//! mode (as the exit status and an error: `agent_timeout` and `test_timeout` are timeouts,
//! model and agent failures are agent errors, the rest infrastructure), one [`Usage`] with the
//! run's token totals (none when both are 0, which is what agents that count no tokens
//! report), the agent's wall time, and the agent's and model's names from `run_metadata.json`.
//!
//! What it cannot provide: exit codes and command output (tmux keystrokes carry neither), the
//! model's messages, per-call usage, cost, command timing, file edits (only as the commands that
//! made them); the panes and asciinema recordings are not read.

use std::path::Path;

use serde_json::{Value, json};

use super::Peek;
use super::util::{Builder, HeaderParts, parse_json, read_bounded};
use crate::model::{
    Command, ErrorEvent, ErrorKind, FinalState, Message, Record, Role, SourceScore, TestOutcome, TestResult, ToolCall,
    Usage,
};
use crate::{IngestError, Limits, Trajectory};

/// Whether a file is in this format: a trial's `results.json` (not the run's, which has
/// `n_resolved`).
pub(crate) fn sniff(peek: &Peek<'_>) -> bool {
    let h = peek.head;
    h.trim_start().starts_with('{')
        && super::has_key(h, "task_id")
        && super::has_key(h, "is_resolved")
        && (super::has_key(h, "failure_mode") || super::has_key(h, "parser_results"))
        && !super::has_key(h, "n_resolved")
}

/// The trajectories of one file: a trial's `results.json` is one trajectory.
pub(crate) fn read(path: &Path, limits: &Limits) -> Vec<Result<Trajectory, IngestError>> {
    vec![read_trial(path, limits)]
}

fn read_trial(path: &Path, limits: &Limits) -> Result<Trajectory, IngestError> {
    let bytes = read_bounded(path, limits)?;
    let doc = parse_json(path, &bytes)?;
    if !doc.is_object() {
        return Err(IngestError::new(path, None, "a Terminal-Bench trial result is a JSON object"));
    }
    let mut b = Builder::new(path, "terminal-bench/1", limits);
    let text = String::from_utf8_lossy(&bytes);
    let line = |key: &str| key_line(&text, key);

    let trial_name = b.str(&doc, "/trial_name", line("trial_name")).map(str::to_owned);
    let (agent, model) = run_metadata(&mut b, path, limits);
    let header = HeaderParts {
        id: trial_name.clone().or_else(|| doc.get("id").and_then(Value::as_str).map(str::to_owned)).unwrap_or_default(),
        agent: agent.unwrap_or_default(),
        agent_revision: None,
        model: model.clone(),
        scenario: b.str(&doc, "/task_id", line("task_id")).map(str::to_owned),
        attempt: trial_name.as_deref().and_then(attempt_of),
        started_at: (doc.get("trial_started_at").and_then(Value::as_str))
            .filter(|ts| super::time::has_offset(ts))
            .map(str::to_owned),
        workspace: None,
    };

    // The trial's start is time zero; the agent's window is the run's wall time.
    let at = |b: &mut Builder, key: &str| {
        let ts = b.str(&doc, &format!("/{key}"), line(key)).map(str::to_owned);
        b.elapsed_timestamp(ts.as_deref(), line(key), key)
    };
    let trial_start = at(&mut b, "trial_started_at");
    let agent_start = at(&mut b, "agent_started_at");
    let agent_end = at(&mut b, "agent_ended_at");
    let trial_end = at(&mut b, "trial_ended_at");

    if let Some(instruction) = b.str(&doc, "/instruction", line("instruction")).filter(|s| !s.is_empty()) {
        let content = instruction.to_owned();
        b.push(0, Record::Message(Message { role: Role::User, content, elapsed_s: agent_start }));
    }

    let commands_path = path.with_file_name("commands.txt");
    if commands_path.is_file() {
        match read_bounded(&commands_path, limits) {
            Ok(text) => push_keystrokes(&mut b, &String::from_utf8_lossy(&text)),
            Err(e) => b.warn(None, "commands.txt", format!("not read: {e}")),
        }
    } else {
        b.warn(None, "commands.txt", "no commands.txt beside results.json; no commands read");
    }

    let input = b.u64(&doc, "/total_input_tokens", line("total_input_tokens"));
    let output = b.u64(&doc, "/total_output_tokens", line("total_output_tokens"));
    if input.unwrap_or(0) > 0 || output.unwrap_or(0) > 0 {
        let usage = Usage { model, input_tokens: input, output_tokens: output, ..Usage::default() };
        b.push(0, Record::Usage(usage));
    }

    let failure_mode = b.str(&doc, "/failure_mode", line("failure_mode")).filter(|m| !matches!(*m, "unset" | "none"));
    if let Some(mode) = failure_mode {
        let error = ErrorEvent { kind: failure_kind(mode), message: mode.to_owned(), elapsed_s: agent_end };
        b.push(0, Record::Error(error));
    }

    let mut tests = Vec::new();
    match doc.get("parser_results") {
        Some(Value::Object(results)) => {
            for (name, outcome) in results {
                match outcome.as_str() {
                    Some("passed") => tests.push(TestResult { name: name.clone(), outcome: TestOutcome::Passed }),
                    Some("failed") => tests.push(TestResult { name: name.clone(), outcome: TestOutcome::Failed }),
                    _ => b.warn(line(name), format!("parser_results.{name}"), "expected `passed` or `failed`; ignored"),
                }
            }
        }
        None | Some(Value::Null) => {}
        Some(_) => b.warn(line("parser_results"), "parser_results", "expected an object; ignored"),
    }
    let scores = b
        .bool(&doc, "/is_resolved", line("is_resolved"))
        .map(|r| SourceScore { name: "is_resolved".to_owned(), value: json!(r), answer: None, explanation: None })
        .into_iter()
        .collect();
    let wall_time_s = match (agent_start, agent_end) {
        (Some(s), Some(e)) => Some(e - s),
        _ => trial_start.zip(trial_end).map(|(s, e)| e - s),
    }
    .filter(|w| *w >= 0.0);
    let final_state = FinalState {
        exit_status: failure_mode.map(str::to_owned),
        tests_source: (!tests.is_empty()).then(|| "terminal-bench".to_owned()),
        tests,
        wall_time_s,
        scores,
        ..FinalState::default()
    };
    b.finish(header, Some(final_state), &bytes, 0)
}

/// The line of the first `"key":` in the file (results files are pretty-printed, one key a line).
fn key_line(text: &str, key: &str) -> Option<u64> {
    let quoted = format!("\"{key}\"");
    text.match_indices(&quoted)
        .find(|(i, _)| !text[..*i].ends_with('\\') && text[i + quoted.len()..].trim_start().starts_with(':'))
        .map(|(i, _)| text[..i].matches('\n').count() as u64 + 1)
}

/// The attempt number in a trial name: `<task>.<n>-of-<m>.<run id>`.
fn attempt_of(trial_name: &str) -> Option<u32> {
    trial_name.split('.').find_map(|part| {
        let (n, m) = part.split_once("-of-")?;
        m.parse::<u32>().ok()?;
        n.parse().ok()
    })
}

/// The agent's and model's names from `<run>/run_metadata.json` (`results.json` is
/// `<run>/<task>/<trial>/results.json`).
fn run_metadata(b: &mut Builder, path: &Path, limits: &Limits) -> (Option<String>, Option<String>) {
    let Some(meta_path) =
        path.parent().and_then(Path::parent).and_then(Path::parent).map(|run| run.join("run_metadata.json"))
    else {
        return (None, None);
    };
    if !meta_path.is_file() {
        return (None, None);
    }
    match read_bounded(&meta_path, limits).and_then(|bytes| parse_json(&meta_path, &bytes)) {
        Ok(meta) => {
            let get = |key: &str| meta.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
            (get("agent_name"), get("model_name"))
        }
        Err(e) => {
            b.warn(None, "run_metadata.json", format!("not read: {e}"));
            (None, None)
        }
    }
}

/// The kind of error a failure mode is.
fn failure_kind(mode: &str) -> ErrorKind {
    match mode {
        "agent_timeout" | "test_timeout" => ErrorKind::Timeout,
        "unknown_agent_error" | "fatal_llm_parse_error" | "context_length_exceeded" | "output_length_exceeded" => {
            ErrorKind::Agent
        }
        // `parse_error` is the harness failing to parse the test output.
        _ => ErrorKind::Infra,
    }
}

/// One `send_keys` call as `commands.txt` recorded it.
#[derive(Debug, PartialEq)]
struct Entry {
    line: u64,
    keys: Vec<String>,
    /// Written as a list (`['clear', 'Enter']`) rather than a bare string.
    list: bool,
}

/// tmux's names for the keys that run the typed line.
const ENTER_KEYS: &[&str] = &["Enter", "C-m", "KPEnter", "C-j", "^M", "^J"];

/// Tool calls and commands from `commands.txt`.
fn push_keystrokes(b: &mut Builder, text: &str) {
    let (entries, problems) = parse_entries(text);
    // Lines here are commands.txt's, not the trajectory file's: they go in the message.
    for (line, message) in problems {
        b.warn(None, "commands.txt", format!("line {line}: {message}"));
    }
    let mut typed = String::new();
    for (n, entry) in agent_entries(&entries).iter().enumerate() {
        let call_id = format!("keys-{}", n + 1);
        b.push(
            0,
            Record::ToolCall(ToolCall {
                call_id: Some(call_id.clone()),
                tool: "send_keys".to_owned(),
                plugin: None,
                arguments: json!({ "keys": entry.keys }),
                elapsed_s: None,
            }),
        );
        for command in run_lines(&mut typed, &entry.keys) {
            b.push(
                0,
                Record::Command(Command {
                    command,
                    exit_code: None,
                    duration_s: None,
                    cwd: None,
                    output: String::new(),
                    timed_out: false,
                    call_id: Some(call_id.clone()),
                    elapsed_s: None,
                }),
            );
        }
    }
}

/// The entries the agent sent, without the harness's own around them.
fn agent_entries(entries: &[Entry]) -> &[Entry] {
    let is = |e: &Entry, keys: &[&str]| e.list && e.keys.iter().map(String::as_str).eq(keys.iter().copied());
    let records = |e: &Entry| e.list && e.keys.first().is_some_and(|k| k.starts_with("asciinema rec"));
    let mut start = 0;
    if entries.first().is_some_and(records) {
        start = 1;
        if entries.get(1).is_some_and(|e| is(e, &["clear", "Enter"])) {
            start = 2;
        }
    }
    let rest = entries.get(start..).unwrap_or_default();
    let mut end =
        rest.iter().position(|e| records(e) || is(e, &["bash ", "/tests/run-tests.sh", "Enter"])).unwrap_or(rest.len());
    while end > 0 && rest.get(end - 1).is_some_and(|e| is(e, &["C-d"])) {
        end -= 1;
    }
    rest.get(..end).unwrap_or_default()
}

/// Types `keys` after what is already `typed`; returns the lines they ran. A newline or an
/// Enter key runs the line; `C-c` and `C-u` discard it; other tmux key names type nothing.
fn run_lines(typed: &mut String, keys: &[String]) -> Vec<String> {
    let mut ran = Vec::new();
    let mut run = |typed: &mut String| {
        let line = std::mem::take(typed);
        if !line.trim().is_empty() {
            ran.push(line);
        }
    };
    for key in keys {
        if ENTER_KEYS.contains(&key.as_str()) {
            run(typed);
        } else if matches!(key.as_str(), "C-c" | "C-u") {
            typed.clear();
        } else if is_key_name(key) {
            if key == "Space" {
                typed.push(' ');
            }
        } else {
            // A heredoc or a multi-line script is one command: its lines run together.
            match key.trim_end_matches(['\n', '\r']).len() {
                len if len < key.len() => {
                    typed.push_str(&key[..len]);
                    run(typed);
                }
                _ => typed.push_str(key),
            }
        }
    }
    ran
}

/// Whether `key` is a tmux key name (`C-c`, `M-x`, `Escape`, `Up`, `F5`, …) rather than text.
fn is_key_name(key: &str) -> bool {
    const NAMES: &[&str] = &[
        "Escape", "Tab", "BTab", "BSpace", "Space", "Up", "Down", "Left", "Right", "Home", "End", "PageUp", "PageDown",
        "PPage", "NPage", "IC", "DC", "Insert", "Delete",
    ];
    if NAMES.contains(&key) {
        return true;
    }
    let modified =
        ["C-", "M-", "S-"].iter().any(|p| key.strip_prefix(p).is_some_and(|k| !k.is_empty() && !k.contains(' ')));
    let function =
        key.strip_prefix('F').is_some_and(|n| !n.is_empty() && n.len() <= 2 && n.bytes().all(|c| c.is_ascii_digit()));
    modified || function
}

/// The entries of `commands.txt`, and the lines that are not a Python string or list of strings.
fn parse_entries(text: &str) -> (Vec<Entry>, Vec<(u64, String)>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut rest = text;
    let mut line = 1u64;
    loop {
        let trimmed = rest.trim_start();
        line += rest[..rest.len() - trimmed.len()].matches('\n').count() as u64;
        rest = trimmed;
        if rest.is_empty() {
            break;
        }
        let start_line = line;
        let parsed = parse_value(rest).and_then(|(keys, list, used)| {
            let tail = &rest[used..];
            let eol = tail.find('\n').unwrap_or(tail.len());
            if tail[..eol].trim().is_empty() { Ok((keys, list, used)) } else { Err("text after the entry".to_owned()) }
        });
        let used = match parsed {
            Ok((keys, list, used)) => {
                entries.push(Entry { line: start_line, keys, list });
                used
            }
            Err(why) => {
                problems.push((start_line, format!("not a Python string or list of strings ({why}); skipped")));
                rest.find('\n').map_or(rest.len(), |i| i + 1)
            }
        };
        line += rest[..used].matches('\n').count() as u64;
        rest = &rest[used..];
    }
    (entries, problems)
}

/// A Python string literal or list of them at the start of `s`: `(strings, is_list, bytes used)`.
fn parse_value(s: &str) -> Result<(Vec<String>, bool, usize), String> {
    if !s.starts_with('[') {
        let (text, used) = parse_string(s)?;
        return Ok((vec![text], false, used));
    }
    let mut pos = 1;
    let mut items = Vec::new();
    loop {
        pos += skip_space(&s[pos..]);
        match s[pos..].chars().next() {
            Some(']') => return Ok((items, true, pos + 1)),
            Some(_) => {
                let (text, used) = parse_string(&s[pos..])?;
                items.push(text);
                pos += used;
                pos += skip_space(&s[pos..]);
                match s[pos..].chars().next() {
                    Some(',') => pos += 1,
                    Some(']') => return Ok((items, true, pos + 1)),
                    _ => return Err("expected `,` or `]`".to_owned()),
                }
            }
            None => return Err("unterminated list".to_owned()),
        }
    }
}

fn skip_space(s: &str) -> usize {
    s.len() - s.trim_start_matches([' ', '\t']).len()
}

/// A Python string literal (`'…'` or `"…"`, with `repr`'s escapes) at the start of `s`.
fn parse_string(s: &str) -> Result<(String, usize), String> {
    let mut chars = s.char_indices();
    let quote = match chars.next() {
        Some((_, q @ ('\'' | '"'))) => q,
        _ => return Err("expected a quoted string".to_owned()),
    };
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == quote => return Ok((out, i + c.len_utf8())),
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match e {
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    '0' => out.push('\0'),
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'v' => out.push('\x0b'),
                    'x' | 'u' | 'U' => {
                        let width = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = chars.by_ref().take(width).map(|(_, h)| h).collect();
                        let code = u32::from_str_radix(&hex, 16).ok().filter(|_| hex.len() == width);
                        match code.and_then(char::from_u32) {
                            Some(ch) => out.push(ch),
                            None => return Err(format!("bad escape `\\{e}{}`", hex.escape_debug())),
                        }
                    }
                    '\n' => {}
                    other => out.push(other),
                }
            }
            c => out.push(c),
        }
    }
    Err("unterminated string".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn python_reprs_are_parsed() {
        let text =
            "['asciinema rec --stdin /logs/agent.cast', 'Enter']\n'echo \\'hi\\'\\n'\n\"a \\\"b\\\"\\x41\\u00e9\\n\"\n";
        let (entries, problems) = parse_entries(text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            entries[0],
            Entry { line: 1, keys: keys(&["asciinema rec --stdin /logs/agent.cast", "Enter"]), list: true }
        );
        assert_eq!(entries[1], Entry { line: 2, keys: keys(&["echo 'hi'\n"]), list: false });
        assert_eq!(entries[2].keys, keys(&["a \"b\"Aé\n"]));
        assert_eq!(entries[2].line, 3);
    }

    #[test]
    fn a_string_may_span_lines_and_bad_lines_are_reported() {
        let (entries, problems) = parse_entries("'cat > f << EOF\nx\nEOF\n'\nnot python\n['ls', 'Enter']\n");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].keys, keys(&["cat > f << EOF\nx\nEOF\n"]));
        assert_eq!(entries[1].line, 6);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, 5);
    }

    #[test]
    fn keys_run_lines_across_calls() {
        let mut typed = String::new();
        assert!(run_lines(&mut typed, &keys(&["pwd"])).is_empty());
        assert_eq!(run_lines(&mut typed, &keys(&["Enter"])), vec!["pwd".to_owned()]);
        assert_eq!(run_lines(&mut typed, &keys(&["bash ", "/x.sh", "Enter"])), vec!["bash /x.sh".to_owned()]);
        assert!(run_lines(&mut typed, &keys(&["vim", "C-c", "Escape", ""])).is_empty());
        assert_eq!(run_lines(&mut typed, &keys(&["ls -la\n"])), vec!["ls -la".to_owned()]);
    }

    #[test]
    fn the_harness_lines_are_left_out() {
        let text = "['asciinema rec --stdin /logs/agent.cast', 'Enter']\n['clear', 'Enter']\n'ls\\n'\n['asciinema rec --stdin /logs/tests.cast', 'Enter']\n['clear', 'Enter']\n['bash ', '/tests/run-tests.sh', 'Enter']\n['C-d']\n['C-d']\n";
        let (entries, _) = parse_entries(text);
        let agent = agent_entries(&entries);
        assert_eq!(agent.len(), 1);
        assert_eq!(agent[0].keys, keys(&["ls\n"]));
    }

    #[test]
    fn attempts_come_from_the_trial_name() {
        assert_eq!(attempt_of("hf-model-inference.3-of-10.baseline-hf-10trials"), Some(3));
        assert_eq!(attempt_of("crack-7z-hash.easy.1-of-1.2025-08-10__05-27-18"), Some(1));
        assert_eq!(attempt_of("no-attempt"), None);
    }
}
