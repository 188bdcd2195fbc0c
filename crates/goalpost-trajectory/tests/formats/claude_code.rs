//! Claude Code session transcripts: a real session with a subagent and a compaction
//! (`258c7280-….jsonl` and its `subagents/` folder), a short one whose tool calls the user
//! rejected, and one with a background command, web search and web fetch.

use std::path::{Path, PathBuf};

use goalpost_trajectory::{EditOp, InputKind, Limits, Record, Role, Trajectory};
use serde_json::Value;

use super::common::*;

const SESSION: &str = "claude-code/258c7280-ae70-4798-800f-63464d01a85d.jsonl";
const SESSION_ID: &str = "258c7280-ae70-4798-800f-63464d01a85d";

fn session() -> Trajectory {
    let t = read_one(&fixture(SESSION));
    assert_well_formed(&t);
    t
}

/// The step index of a record.
fn index_of(t: &Trajectory, pred: impl Fn(&Record) -> bool) -> usize {
    t.steps.iter().position(|s| pred(&s.record)).expect("no such step")
}

fn is_call(r: &Record, id: &str) -> bool {
    matches!(r, Record::ToolCall(c) if c.call_id.as_deref() == Some(id))
}

fn is_result(r: &Record, id: &str) -> bool {
    matches!(r, Record::ToolResult(x) if x.call_id.as_deref() == Some(id))
}

/// A copy of a fixture file in a fresh temp dir, under another name, edited by `edit`.
fn copy_as(rel: &str, name: &str, edit: impl Fn(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let text = fs_err::read_to_string(fixture(rel)).unwrap();
    fs_err::write(&path, edit(text)).unwrap();
    (dir, path)
}

/// The assistant lines of a session file, as written.
fn assistant_lines(path: &Path) -> Vec<Value> {
    fs_err::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "assistant")
        .collect()
}

#[test]
fn detected_by_content_and_subagent_files_are_not_sessions() {
    let (_dir, path) = copy_as("claude-code/short.jsonl", "data.jsonl", |s| s);
    assert_eq!(kind_of(&path), InputKind::ClaudeCode);
    // Walking the folder finds the three sessions; `<session>/subagents/` is read with its session.
    let found = inputs(&fixture("claude-code"));
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.iter().all(|i| i.kind == InputKind::ClaudeCode && !i.path.to_string_lossy().contains("subagents")));
}

#[test]
fn header_names_session_version_model_and_start() {
    let t = session();
    assert_eq!(t.header.id, SESSION_ID);
    assert_eq!(t.header.agent, "claude-code");
    assert_eq!(t.header.agent_revision.as_deref(), Some("2.1.39"));
    assert_eq!(t.header.model.as_deref(), Some("claude-opus-4-6"));
    assert_eq!(t.header.scenario, None);
    assert_eq!(t.header.started_at.as_deref(), Some("2026-02-11T20:31:53.375Z"));
    assert_eq!(t.header.source.as_ref().unwrap().format, "claude-code/2.1.39");
    assert!(t.final_state.is_none(), "Claude Code records no final state");
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}

#[test]
fn usage_is_counted_once_per_model_call() {
    let lines = assistant_lines(&fixture(SESSION));
    let mut ids: Vec<&str> = lines.iter().map(|v| v["message"]["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    // Every streamed content block is its own line, each repeating the call's usage.
    assert_eq!((lines.len(), ids.len()), (299, 152));
    let naive_output: u64 = lines.iter().map(|v| v["message"]["usage"]["output_tokens"].as_u64().unwrap()).sum();
    let naive_cache_read: u64 =
        lines.iter().map(|v| v["message"]["usage"]["cache_read_input_tokens"].as_u64().unwrap()).sum();
    assert_eq!((naive_output, naive_cache_read), (39_736, 26_096_314));

    let t = session();
    let session_usage: Vec<_> = t
        .steps
        .iter()
        .filter(|s| s.line > 0)
        .filter_map(|s| if let Record::Usage(u) = &s.record { Some(u) } else { None })
        .collect();
    assert_eq!(session_usage.len(), 152);
    let sum =
        |f: fn(&goalpost_trajectory::Usage) -> Option<u64>| session_usage.iter().map(|u| f(u).unwrap()).sum::<u64>();
    // input = input + cache creation + cache read; per call, the largest count its lines give.
    assert_eq!(sum(|u| u.input_tokens), 15_121_271);
    assert_eq!(sum(|u| u.output_tokens), 38_899);
    assert_eq!(sum(|u| u.cache_read_tokens), 14_771_617);
    assert!(session_usage.iter().all(|u| u.model.as_deref() == Some("claude-opus-4-6") && u.cost_usd.is_none()));

    // The subagent's three calls (sonnet) and the compaction's one call count too.
    let (input, output, cache_read, cost) = usage_totals(&t);
    assert_eq!(usages(&t).len(), 152 + 3 + 1);
    assert_eq!(input, 15_121_271 + (12_121 + 22_047 + 42_182) + 169_248);
    assert_eq!(output, 38_899 + (1 + 1 + 997) + 6);
    assert_eq!(cache_read, 14_771_617 + (12_118 + 22_041) + 166_758);
    assert_eq!(cost, 0.0, "Claude Code records no cost");
}

#[test]
fn subagent_steps_sit_between_its_task_call_and_result() {
    let t = session();
    let task = "toolu_01VmaERAwhb19LGUwu9GenaK";
    let call = index_of(&t, |r| is_call(r, task));
    let result = index_of(&t, |r| is_result(r, task));
    let inside = &t.steps[call + 1..result];
    assert!(inside.iter().all(|s| s.line == 0), "subagent steps have no line in the session file");
    let calls: Vec<_> =
        inside.iter().filter_map(|s| if let Record::ToolCall(c) = &s.record { Some(c) } else { None }).collect();
    // The Task result records `totalToolUseCount: 2`.
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|c| c.tool == "WebFetch"));
    let urls: Vec<_> = calls.iter().map(|c| c.arguments["url"].as_str().unwrap()).collect();
    assert_eq!(
        urls,
        ["https://code.claude.com/docs/en/claude_code_docs_map.md", "https://code.claude.com/docs/en/hooks.md"]
    );
    // Its last call's usage is the one the Task result records (`usage`, `totalTokens: 43179`);
    // the subagent file itself only has the 1 output token counted mid-stream.
    let last = inside.iter().rev().find_map(|s| if let Record::Usage(u) = &s.record { Some(u) } else { None }).unwrap();
    assert_eq!(last.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
    assert_eq!(
        (last.input_tokens, last.output_tokens, last.cache_read_tokens),
        (Some(42_182), Some(997), Some(22_041))
    );
    assert_eq!(last.input_tokens.unwrap() + last.output_tokens.unwrap(), 43_179);
    let elapsed: Vec<f64> = t.steps[call..=result]
        .iter()
        .filter_map(|s| match &s.record {
            Record::ToolCall(c) => c.elapsed_s,
            Record::ToolResult(r) => r.elapsed_s,
            _ => None,
        })
        .collect();
    assert!(elapsed.windows(2).all(|w| w[0] <= w[1]), "merged by time: {elapsed:?}");
}

#[test]
fn a_subagent_without_its_file_is_read_from_agent_progress_copies() {
    let (_dir, path) = copy_as(SESSION, "session.jsonl", |s| s);
    let t = read_one(&path);
    let task = "toolu_01VmaERAwhb19LGUwu9GenaK";
    let inside = &t.steps[index_of(&t, |r| is_call(r, task)) + 1..index_of(&t, |r| is_result(r, task))];
    let fetches: Vec<_> = inside
        .iter()
        .filter_map(|s| match &s.record {
            Record::ToolCall(c) if c.tool == "WebFetch" => Some((s.line, c.call_id.clone().unwrap())),
            _ => None,
        })
        .collect();
    // The copies are `progress` records of the session file, so they keep its line numbers.
    assert_eq!(fetches.len(), 2);
    assert!(fetches.iter().all(|(line, _)| (1474..=1478).contains(line)), "{fetches:?}");
    assert_eq!(fetches[0].1, "toolu_01F74kyEsK4Wjf5xqWDXKdt2");
    // Without the compaction's file, its model call is not in the session.
    assert_eq!(usages(&t).len(), 152 + 2);
}

#[test]
fn compaction_is_read() {
    let t = session();
    let n = index_of(&t, |r| matches!(r, Record::Message(m) if m.content.starts_with("[compact_boundary]")));
    let Record::Message(boundary) = &t.steps[n].record else { unreachable!() };
    assert_eq!(boundary.role, Role::System);
    assert_eq!(boundary.content, "[compact_boundary] Conversation compacted (trigger: auto) (167094 tokens before)");
    assert_eq!(t.steps[n].line, 1256);
    // The summary the conversation continues from (`isCompactSummary`) comes next.
    let Record::Message(summary) = &t.steps[n + 1].record else { panic!("{:?}", t.steps[n + 1]) };
    assert_eq!(summary.role, Role::System);
    assert!(summary.content.starts_with("This session is being continued from a previous conversation"));
    // The model call that wrote it is in `subagents/agent-acompact-fffbd0.jsonl`, before the boundary.
    let compaction = t.steps[..n]
        .iter()
        .rev()
        .find_map(|s| match &s.record {
            Record::Usage(u) if s.line == 0 => Some(u),
            _ => None,
        })
        .unwrap();
    assert_eq!((compaction.input_tokens, compaction.output_tokens), (Some(169_248), Some(6)));
}

#[test]
fn bash_calls_are_commands_without_exit_codes() {
    let t = session();
    let cmds = commands(&t);
    // 79 Bash calls, none refused before running.
    assert_eq!(cmds.len(), 79);
    assert!(cmds.iter().all(|c| c.exit_code.is_none() && c.duration_s.is_none() && !c.timed_out));
    assert!(cmds.iter().all(|c| c.cwd.as_deref() == Some("/home/USER/projects/spotter-worktrees/spotter-gqc")));
    assert_eq!(cmds[1].command, "git log --oneline -20");
    assert!(cmds[1].output.starts_with("0629d16 feat: auto-cleanup review tmux sessions"), "{}", cmds[1].output);
    assert_eq!(cmds.iter().filter(|c| c.command == "mix test 2>&1 | tail -5").count(), 3);

    // A failed command: its result is an error, its output carries the exit code as text only.
    let push = cmds.iter().find(|c| c.command == "git push 2>&1").unwrap();
    assert_eq!(push.call_id.as_deref(), Some("toolu_01CLY7LZY81zMjsfM27ZmeTa"));
    assert!(push.output.starts_with("Exit code 128\nfatal: The current branch spotter-gqc has no upstream branch."));
    assert_eq!(push.exit_code, None);
    // Every command sits right before the result of its call.
    for (i, s) in t.steps.iter().enumerate() {
        if let Record::Command(c) = &s.record {
            assert!(is_result(&t.steps[i + 1].record, c.call_id.as_deref().unwrap()), "step {}", s.n);
        }
    }
}

#[test]
fn tool_results_pair_with_their_calls() {
    let t = session();
    let calls = tool_calls(&t);
    let results: Vec<_> =
        t.steps.iter().filter_map(|s| if let Record::ToolResult(r) = &s.record { Some(r) } else { None }).collect();
    assert_eq!((calls.len(), results.len()), (186 + 2, 186 + 2));
    for r in &results {
        assert!(calls.iter().any(|c| c.call_id == r.call_id), "unpaired result {:?}", r.call_id);
    }
    let errors: Vec<_> =
        results.iter().filter(|r| r.is_error == Some(true)).map(|r| r.call_id.clone().unwrap()).collect();
    assert_eq!(errors.len(), 7);
    assert!(errors.contains(&"toolu_01CLY7LZY81zMjsfM27ZmeTa".to_owned()));
    // A rejected TaskOutput and a Read of a missing file are errors too.
    let read = results.iter().find(|r| r.call_id.as_deref() == Some("toolu_011v4f3amdxz8wWL4951uemP")).unwrap();
    assert_eq!(
        (read.is_error, read.output.as_str()),
        (Some(true), "<tool_use_error>File does not exist.</tool_use_error>")
    );
    // `is_error` absent stays unknown.
    assert!(results.iter().any(|r| r.is_error.is_none()));
    assert_eq!(tool_names(&t), ["Bash", "Edit", "Glob", "Grep", "Read", "Task", "TaskOutput", "WebFetch", "Write"]);
    assert!(calls.iter().all(|c| c.plugin.is_none() && c.arguments.is_object()));
}

#[test]
fn edits_and_writes_are_file_edits() {
    let t = session();
    let all = edits(&t);
    // 35 Edit and 13 Write calls, none failed; 9 Writes made new files.
    assert_eq!(all.len(), 48);
    assert_eq!(edits_with_op(&t, EditOp::Create), 9);
    assert_eq!(edits_with_op(&t, EditOp::Modify), 39);
    let root = "/home/USER/projects/spotter-worktrees/spotter-gqc/";
    let paths = edited_paths(&t);
    assert_eq!(paths[0], format!("{root}lib/spotter/transcripts/annotation.ex"));
    assert!(paths.contains(&format!("{root}lib/spotter/services/review_token_store.ex")));
    assert!(paths.iter().all(|p| p.starts_with(root)));

    // An Edit's diff comes from its structuredPatch.
    let message = all.iter().find(|e| e.path == format!("{root}lib/spotter/transcripts/message.ex")).unwrap();
    let diff = message.diff.as_deref().unwrap();
    assert!(diff.contains("@@ -86,5 +86,7 @@\n     belongs_to :session"), "{diff}");
    assert!(diff.contains("\n+    has_many :annotation_refs, Spotter.Transcripts.AnnotationMessageRef\n"), "{diff}");
    // A new file's diff adds every line.
    let store = all.iter().find(|e| e.path.ends_with("review_token_store.ex")).unwrap();
    assert_eq!(store.op, EditOp::Create);
    assert!(store.diff.as_deref().unwrap().starts_with("--- /dev/null\n"));
    assert!(store.diff.as_deref().unwrap().contains("\n+defmodule Spotter.Services.ReviewTokenStore do\n"));
    assert!(all.iter().all(|e| e.call_id.is_some() && e.diff.is_some()));
}

#[test]
fn rejected_calls_run_nothing() {
    let t = read_one(&fixture("claude-code/short.jsonl"));
    assert_well_formed(&t);
    assert_eq!(tool_names(&t), ["Bash", "Glob"]);
    assert!(commands(&t).is_empty(), "the user rejected `mix phx.server 2>&1 | head -80`");
    let results: Vec<_> =
        t.steps.iter().filter_map(|s| if let Record::ToolResult(r) = &s.record { Some(r) } else { None }).collect();
    assert_eq!(results.len(), 2);
    assert!(
        results.iter().all(|r| r.is_error == Some(true) && r.output.starts_with("The user doesn't want to proceed"))
    );
    // Five lines of one streamed response: one usage.
    assert_eq!(usage_totals(&t), (25_353, 13, 11_515, 0.0));
}

#[test]
fn background_commands_and_web_tools() {
    let t = read_one(&fixture("claude-code/tool_heavy.jsonl"));
    assert_well_formed(&t);
    assert_eq!(tool_names(&t), ["Bash", "Glob", "Read", "WebFetch", "WebSearch"]);
    let cmds = commands(&t);
    assert_eq!(cmds.len(), 2);
    assert_eq!(cmds[0].command, "mix phx.server");
    assert!(cmds[0].output.starts_with("Command running in background with ID: bae407b."), "{}", cmds[0].output);
    assert!(!cmds[0].timed_out && cmds[0].exit_code.is_none());
    assert_eq!(cmds[1].command, "tail -5 /tmp/claude-1000/-home-marco-projects-spotter/tasks/bae407b.output");
    let fetch = tool_calls(&t).into_iter().find(|c| c.tool == "WebFetch").unwrap();
    assert!(fetch.arguments["url"].as_str().unwrap().starts_with("https://github.com/"), "{}", fetch.arguments);
    assert_eq!(usages(&t).len(), 4);
    // Local slash commands are the user's; the caveat Claude Code injects is a system message.
    let messages: Vec<_> =
        t.steps.iter().filter_map(|s| if let Record::Message(m) = &s.record { Some(m) } else { None }).collect();
    assert!(messages.iter().any(|m| m.role == Role::System && m.content.starts_with("<local-command-caveat>")));
    assert!(
        messages.iter().any(|m| m.role == Role::User && m.content.starts_with("<command-name>/mcp</command-name>"))
    );
}

#[test]
fn mcp_tools_name_their_server() {
    // No sample here calls an MCP tool: two hand-made lines in the shape of 2.1.39's.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mcp.jsonl");
    let envelope = r#""sessionId":"s-1","version":"2.1.39","cwd":"/w","isSidechain":false"#;
    fs_err::write(
        &path,
        format!(
            "{{\"type\":\"assistant\",\"uuid\":\"u1\",\"parentUuid\":null,{envelope},\"timestamp\":\"2026-02-11T20:00:00Z\",\
             \"message\":{{\"id\":\"msg_1\",\"model\":\"claude-opus-4-6\",\"role\":\"assistant\",\"content\":[{{\"type\":\"tool_use\",\
             \"id\":\"toolu_1\",\"name\":\"mcp__tidewave__project_eval\",\"input\":{{\"code\":\"1 + 1\"}}}}],\
             \"usage\":{{\"input_tokens\":5,\"output_tokens\":2}}}}}}\n\
             {{\"type\":\"user\",\"uuid\":\"u2\",\"parentUuid\":\"u1\",{envelope},\"timestamp\":\"2026-02-11T20:00:02Z\",\
             \"message\":{{\"role\":\"user\",\"content\":[{{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\
             \"content\":[{{\"type\":\"text\",\"text\":\"2\"}}]}}]}}}}\n"
        ),
    )
    .unwrap();
    let t = read_one(&path);
    let call = tool_calls(&t)[0].clone();
    assert_eq!((call.tool.as_str(), call.plugin.as_deref()), ("project_eval", Some("tidewave")));
    assert_eq!(call.arguments["code"], "1 + 1");
    assert!(
        t.steps.iter().any(|s| matches!(&s.record, Record::ToolResult(r) if r.output == "2" && r.is_error.is_none()))
    );
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}

#[test]
fn a_wrong_typed_field_warns_and_the_session_is_still_read() {
    let (_dir, path) = copy_as("claude-code/short.jsonl", "s.jsonl", |s| {
        s.replacen("\"output_tokens\":13,", "\"output_tokens\":\"13\",", 1)
    });
    let t = read_one(&path);
    let w = t.warnings.iter().find(|w| w.field.as_deref() == Some("message.usage.output_tokens")).unwrap();
    assert_eq!(w.line, Some(5));
    assert!(w.message.contains("found a string"), "{}", w.message);
    assert_eq!(tool_names(&t), ["Bash", "Glob"]);
    // The other lines of the same call still give the output count.
    assert_eq!(usage_totals(&t).1, 13);
}

/// A copy of the fixture session whose subagent file is `edit` of the original; returns the
/// directory (kept alive by the caller) and the session file.
fn session_with_subagent(edit: impl FnOnce(&str) -> Vec<u8>) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = fixture("claude-code");
    let session = dir.path().join(format!("{SESSION_ID}.jsonl"));
    fs_err::copy(root.join(format!("{SESSION_ID}.jsonl")), &session).unwrap();
    let subs = dir.path().join(SESSION_ID).join("subagents");
    fs_err::create_dir_all(&subs).unwrap();
    let text = fs_err::read_to_string(root.join(SESSION_ID).join("subagents/agent-a881341.jsonl")).unwrap();
    fs_err::write(subs.join("agent-a881341.jsonl"), edit(&text)).unwrap();
    (dir, session)
}

#[test]
fn a_wrong_typed_field_in_a_subagent_file_names_that_file() {
    let (_dir, session) = session_with_subagent(|text| {
        text.replacen("\"isSidechain\":true", "\"isSidechain\":true,\"isMeta\":\"no\"", 1).into_bytes()
    });
    let t = read_one(&session);
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    let w = &t.warnings[0];
    assert_eq!((w.line, w.field.as_deref()), (None, Some("isMeta")));
    assert!(w.message.starts_with("in agent-a881341.jsonl line 1: expected a boolean"), "{}", w.message);
}

#[test]
fn an_unknown_version_warns() {
    let (_dir, path) =
        copy_as("claude-code/short.jsonl", "s.jsonl", |s| s.replace("\"version\":\"2.1.38\"", "\"version\":\"3.0.0\""));
    let t = read_one(&path);
    assert_eq!(t.header.agent_revision.as_deref(), Some("3.0.0"));
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    let w = &t.warnings[0];
    assert_eq!(w.field.as_deref(), Some("version"));
    assert!(w.message.contains("`3.0.0`") && w.message.contains("read as 2.1.144"), "{}", w.message);
    assert_eq!(tool_names(&t), ["Bash", "Glob"]);
}

#[test]
fn a_truncated_file_is_an_error_for_that_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs_err::read_to_string(fixture("claude-code/short.jsonl")).unwrap();
    fs_err::write(dir.path().join("cut.jsonl"), &text.as_bytes()[..text.len() - 200]).unwrap();
    fs_err::write(dir.path().join("whole.jsonl"), &text).unwrap();
    let items = read_items(dir.path(), Limits::default());
    assert_eq!(items.len(), 2);
    let e = items[0].as_ref().unwrap_err();
    assert!(e.path.ends_with("cut.jsonl"));
    assert_eq!(e.line, Some(text.lines().count() as u64));
    assert!(e.message.contains("truncated"), "{e}");
    assert_eq!(items[1].as_ref().unwrap().header.id, "55604662-cf2a-4331-851a-ec234028f8ca");
}

#[test]
fn a_truncated_subagent_file_fails_its_session() {
    let (_dir, session) = session_with_subagent(|text| text.as_bytes()[..text.len() / 2].to_vec());
    let items = read_items(&session, Limits::default());
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err();
    assert!(e.path.ends_with("agent-a881341.jsonl"), "{e}");
    assert!(e.line.is_some());
}

#[test]
fn a_subagent_file_read_alone_is_its_own_trajectory() {
    let t = read_one(&fixture(&format!("claude-code/{SESSION_ID}/subagents/agent-a881341.jsonl")));
    assert_eq!(t.header.id, format!("{SESSION_ID}/agent-a881341"));
    assert_eq!(t.header.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
    assert_eq!(tool_names(&t), ["WebFetch"]);
}

#[test]
fn odd_records_are_warnings_not_failures() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.jsonl");
    let lines = [
        r#"{"type":"summary","summary":"Fix the build","leafUuid":"x"}"#,
        r#"{"type":"user","uuid":"a","parentUuid":null,"sessionId":"s-2","version":"2.1.x","timestamp":"yesterday","message":{"role":"user","content":5}}"#,
        r#"{"type":"assistant","uuid":"b","parentUuid":"a","sessionId":"s-2","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m","model":"claude-x","content":[{"type":"tool_use","name":"Edit","input":"{\"file_path\":\"a.py\"}"},{"type":"tool_use","id":"t1","name":"Edit","input":{"file_path":"a.py","old_string":"x = 1\n","new_string":"x = 2\n"}},{"type":"tool_use","id":"t2","name":"Bash","input":{"command":7}}],"usage":{"input_tokens":-3,"output_tokens":2}}}"#,
        r#"{"type":"user","uuid":"c","parentUuid":"b","sessionId":"s-2","timestamp":"2026-01-01T00:00:01Z","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"},{"type":"tool_result","tool_use_id":"nope","content":[{"type":"image"}],"is_error":"yes"}]},"toolUseResult":{"structuredPatch":[{"oldStart":"1"}]}}"#,
        r#"{"type":"user","uuid":"c","parentUuid":"b","sessionId":"s-2","message":{"role":"user","content":"a repeated record"}}"#,
        r#"{"type":"user","uuid":"d","parentUuid":"c","sessionId":"s-2","timestamp":"2026-01-01T00:00:02Z","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t2","content":"fine"}]}}"#,
    ];
    fs_err::write(&path, lines.join("\n")).unwrap();
    let t = read_one(&path);
    assert_eq!(t.header.id, "s-2");
    let fields: Vec<_> = t.warnings.iter().map(|w| (w.line, w.field.as_deref().unwrap_or(""))).collect();
    assert_eq!(
        fields,
        [
            (Some(2), "timestamp"),
            (Some(2), "version"),
            (Some(2), "message.content"),
            (Some(3), "message.content[2].input.command"),
            (Some(3), "message.usage.input_tokens"),
            (Some(4), "message.content[1].is_error"),
        ],
        "{:#?}",
        t.warnings
    );
    // The edit without an id is still a call; the one with an id is an edit from its strings
    // (`toolUseResult` belongs to no single result here); the Bash call has no command to run.
    assert_eq!(tool_calls(&t).len(), 3);
    assert_eq!(tool_calls(&t)[0].arguments["file_path"], "a.py");
    let e = edits(&t);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].diff.as_deref(), Some("--- a/a.py\n+++ b/a.py\n@@ -1,1 +1,1 @@\n-x = 1\n+x = 2\n"));
    assert!(commands(&t).is_empty());
    assert_eq!(usage_totals(&t), (0, 2, 0, 0.0));
    let messages: Vec<_> =
        t.steps.iter().filter_map(|s| if let Record::Message(m) = &s.record { Some(m) } else { None }).collect();
    assert_eq!(messages.len(), 1, "the summary; the repeated record is read once: {messages:?}");
    assert_eq!((messages[0].role, messages[0].content.as_str()), (Role::System, "Fix the build"));
}
