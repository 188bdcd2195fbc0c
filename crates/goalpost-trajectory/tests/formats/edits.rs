//! The editor tool family (`str_replace_editor` and its aliases) reads the same in every format
//! that records it: the same calls give the same file edits, op and diff alike.

use std::path::Path;

use goalpost_trajectory::{EditOp, Trajectory};
use serde_json::{Value, json};

use crate::common::*;

/// The calls every format below records, in order, with the editor tool name it uses.
fn calls() -> Vec<Value> {
    vec![
        json!({"command": "create", "path": "src/new.py", "file_text": "a\nb\n"}),
        json!({"command": "view", "path": "src/x.py", "view_range": [1, 5]}),
        json!({"command": "str_replace", "path": "src/x.py", "old_str": "gone\n", "new_str": ""}),
        json!({"command": "insert", "path": "src/x.py", "insert_line": u64::MAX, "new_str": "y"}),
        json!({"command": "undo_edit", "path": "src/x.py"}),
    ]
}

fn expected() -> Vec<(String, EditOp, Option<String>)> {
    let max = u64::MAX;
    vec![
        (
            "src/new.py".into(),
            EditOp::Create,
            Some("--- /dev/null\n+++ b/src/new.py\n@@ -0,0 +1,2 @@\n+a\n+b\n".into()),
        ),
        // Removing a snippet is a change of the file, not its deletion (`+++ /dev/null`).
        ("src/x.py".into(), EditOp::Modify, Some("--- a/src/x.py\n+++ b/src/x.py\n@@ -1,1 +0,0 @@\n-gone\n".into())),
        (
            "src/x.py".into(),
            EditOp::Modify,
            Some(format!("--- a/src/x.py\n+++ b/src/x.py\n@@ -{max},0 +{max},1 @@\n+y\n")),
        ),
        ("src/x.py".into(), EditOp::Modify, None),
    ]
}

fn edits_of(t: &Trajectory) -> Vec<(String, EditOp, Option<String>)> {
    edits(t).into_iter().map(|e| (e.path.clone(), e.op, e.diff.clone())).collect()
}

fn write(dir: &Path, name: &str, doc: &Value) -> std::path::PathBuf {
    let path = dir.join(name);
    fs_err::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

#[test]
fn atif() {
    let dir = tempfile::tempdir().unwrap();
    let steps: Vec<Value> = calls()
        .into_iter()
        .enumerate()
        .map(|(i, args)| {
            json!({"step_id": i + 1, "source": "agent", "message": "",
                   "tool_calls": [{"function_name": "str_replace_based_edit_tool", "tool_call_id": format!("c{i}"), "arguments": args}],
                   "observation": {"results": [{"source_call_id": format!("c{i}"), "content": "ok"}]}})
        })
        .collect();
    let doc = json!({"schema_version": "ATIF-v1.5", "session_id": "s", "agent": {"name": "a"}, "steps": steps});
    let t = read_one(&write(dir.path(), "trajectory.json", &doc));
    assert_eq!(edits_of(&t), expected());
}

#[test]
fn otel() {
    let dir = tempfile::tempdir().unwrap();
    let attr = |k: &str, v: &str| json!({"key": k, "value": {"stringValue": v}});
    let spans: Vec<Value> = calls()
        .into_iter()
        .enumerate()
        .map(|(i, args)| {
            json!({"traceId": "t1", "spanId": format!("s{i}"), "name": "execute_tool str_replace_editor",
                   "startTimeUnixNano": format!("{}", 1_760_950_800_000_000_000u64 + i as u64),
                   "endTimeUnixNano": format!("{}", 1_760_950_800_000_000_500u64 + i as u64),
                   "attributes": [attr("gen_ai.operation.name", "execute_tool"), attr("gen_ai.tool.name", "str_replace_editor"),
                                  attr("gen_ai.tool.call.id", &format!("c{i}")), attr("gen_ai.tool.call.arguments", &args.to_string())]})
        })
        .collect();
    let doc = json!({"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": spans}]}]});
    let t = read_one(&write(dir.path(), "trace.json", &doc));
    assert_eq!(edits_of(&t), expected());
}

#[test]
fn openhands() {
    let dir = tempfile::tempdir().unwrap();
    let mut events = Vec::new();
    for (i, args) in calls().into_iter().enumerate() {
        let id = 2 * i as u64 + 1;
        events.push(json!({"id": id, "timestamp": "2025-01-01T00:00:00", "source": "agent", "message": "",
                           "action": "edit", "args": args}));
        events.push(json!({"id": id + 1, "timestamp": "2025-01-01T00:00:01", "source": "agent", "message": "",
                           "observation": "edit", "cause": id, "content": "ok", "extras": {}}));
    }
    let t = read_one(&write(dir.path(), "events.json", &Value::Array(events)));
    // OpenHands' `view` is a read action; an `edit` action naming it is kept as an edit.
    let mut want = expected();
    want.insert(1, ("src/x.py".into(), EditOp::Modify, None));
    assert_eq!(edits_of(&t), want);
}

#[test]
fn inspect() {
    let dir = tempfile::tempdir().unwrap();
    let mut messages = vec![json!({"role": "user", "content": "edit"})];
    for (i, args) in calls().into_iter().enumerate() {
        let id = format!("c{i}");
        messages.push(json!({"role": "assistant", "content": "",
                             "tool_calls": [{"id": id, "function": "text_editor", "arguments": args}]}));
        messages.push(json!({"role": "tool", "tool_call_id": id, "function": "text_editor", "content": "ok"}));
    }
    let log = json!({"version": 2, "status": "success", "eval": {"task": "t", "model": "m"},
                     "samples": [{"id": 1, "epoch": 1, "messages": messages}]});
    let t = read_one(&write(dir.path(), "log.json", &log));
    assert_eq!(edits_of(&t), expected());
}
