//! Inspect AI eval logs (`.json` and `.eval`), on the inspect_ai test logs and one hand-written
//! agent log (see `fixtures/formats/inspect/PROVENANCE.tsv`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use goalpost_trajectory::{
    EditOp, ErrorKind, Input, InputKind, Limits, Record, Role, Step, ToolResult, Trajectory, Usage,
};
use serde_json::{Value, json};

use crate::common::*;

fn inspect(rel: &str) -> PathBuf {
    fixture(&format!("inspect/{rel}"))
}

/// The trajectories of one fixture, sorted by id.
fn read_sorted(rel: &str) -> Vec<Trajectory> {
    let mut all = read_all(&inspect(rel));
    all.iter().for_each(assert_well_formed);
    all.sort_by(|a, b| a.header.id.cmp(&b.header.id));
    all
}

/// Items read from `path` as an Inspect log, whatever discovery would make of it.
fn read_as_inspect(path: &Path, limits: Limits) -> Vec<Result<Trajectory, goalpost_trajectory::IngestError>> {
    Input { path: path.to_owned(), kind: InputKind::Inspect }.read(limits).collect()
}

/// A copy of a fixture, edited, under a new name in a temp dir.
fn copy_as(rel: &str, name: &str, edit: impl Fn(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let text = fs_err::read_to_string(inspect(rel)).unwrap();
    fs_err::write(&path, edit(text)).unwrap();
    (dir, path)
}

fn json_of(rel: &str) -> Value {
    serde_json::from_slice(&fs_err::read(inspect(rel)).unwrap()).unwrap()
}

/// One entry of a `.eval` fixture, parsed.
fn eval_entry(rel: &str, name: &str) -> Value {
    let mut zip = zip::ZipArchive::new(fs_err::File::open(inspect(rel)).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut text).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn results(t: &Trajectory) -> Vec<&ToolResult> {
    t.steps.iter().filter_map(|s| if let Record::ToolResult(r) = &s.record { Some(r) } else { None }).collect()
}

fn errors(t: &Trajectory) -> Vec<(ErrorKind, &str)> {
    t.steps
        .iter()
        .filter_map(|s| if let Record::Error(e) = &s.record { Some((e.kind, e.message.as_str())) } else { None })
        .collect()
}

/// (input, output, cache-read) tokens of one `ModelUsage` object, the prompt counted whole.
fn model_usage_totals(usage: &Value) -> (u64, u64, u64) {
    let n = |k: &str| usage[k].as_u64().unwrap_or(0);
    (
        n("input_tokens") + n("input_tokens_cache_read") + n("input_tokens_cache_write"),
        n("output_tokens"),
        n("input_tokens_cache_read"),
    )
}

/// Steps with their times left out (two runs of the same sample differ only there).
fn untimed(steps: &[Step]) -> Vec<Record> {
    steps
        .iter()
        .map(|s| {
            let mut r = s.record.clone();
            match &mut r {
                Record::Message(m) => m.elapsed_s = None,
                Record::ToolCall(c) => c.elapsed_s = None,
                Record::ToolResult(t) => t.elapsed_s = None,
                Record::Command(c) => (c.elapsed_s, c.duration_s) = (None, None),
                _ => {}
            }
            r
        })
        .collect()
}

#[test]
fn logs_are_detected_by_content() {
    let dir = inspect("");
    let found = inputs(&dir);
    assert_eq!(found.len(), 17, "{found:?}");
    assert!(found.iter().all(|i| i.kind == InputKind::Inspect), "{found:?}");
    // A zip named like JSON and a JSON log under a bland name are still Inspect logs.
    let tmp = tempfile::tempdir().unwrap();
    fs_err::copy(inspect("log_formats.eval"), tmp.path().join("archive.json")).unwrap();
    fs_err::copy(inspect("browser.json"), tmp.path().join("data.json")).unwrap();
    assert_eq!(kind_of(&tmp.path().join("archive.json")), InputKind::Inspect);
    assert_eq!(kind_of(&tmp.path().join("data.json")), InputKind::Inspect);
}

#[test]
fn json_and_eval_logs_of_the_same_sample_give_the_same_trajectory() {
    // The same log written both ways: transcript + `tc://` refs in the JSON, events +
    // `attachment://` refs in the zip.
    let (json, eval) = (read_one(&inspect("log_formats.json")), read_one(&inspect("log_formats.eval")));
    assert_eq!(json.steps, eval.steps);
    assert_eq!(json.final_state, eval.final_state);
    let mut header = eval.header.clone();
    header.source = json.header.source.clone();
    assert_eq!(json.header, header);
    assert_eq!(json.header.id, "popularity/1/epoch-1");
    assert_eq!(json.header.agent, "inspect-ai/generate");
    assert_eq!(json.header.model.as_deref(), Some("ollama/llama3.1"));
    assert_eq!(json.header.scenario.as_deref(), Some("popularity"));
    assert_eq!(json.header.agent_revision.as_deref(), Some("0.3.41.dev123+g9ad2119a.d20241015 (task commit 02526f4c)"));
    assert!(messages_of(&json, Role::User)[0].starts_with("Is the following statement"), "tc:// resolved");

    // Two runs of one sample, one written as JSON and one as .eval: equal but for times.
    let (json, eval) = (read_one(&inspect("log_read_sample.json")), read_one(&inspect("log_read_sample.eval")));
    assert_eq!(untimed(&json.steps), untimed(&eval.steps));
    assert_eq!(json.header.id, eval.header.id);
    assert_eq!(json.final_state.as_ref().unwrap().scores, eval.final_state.as_ref().unwrap().scores);
    assert_eq!(messages_of(&json, Role::Assistant), ["Yes\n"]);
}

#[test]
fn every_sample_epoch_is_a_trajectory() {
    let all = read_sorted("log_streaming.eval");
    let ids: Vec<(&str, u32)> = all.iter().map(|t| (t.header.id.as_str(), t.header.attempt)).collect();
    assert_eq!(
        ids,
        [
            ("popularity/1/epoch-1", 1),
            ("popularity/1/epoch-2", 2),
            ("popularity/2/epoch-1", 1),
            ("popularity/2/epoch-2", 2)
        ]
    );
    let verdicts: Vec<&Value> = all.iter().map(|t| &t.final_state.as_ref().unwrap().scores[0].value).collect();
    assert_eq!(verdicts, [&json!("I"), &json!("C"), &json!("C"), &json!("C")]);
    assert!(all.iter().all(|t| t.header.model.as_deref() == Some("azureai/Meta-Llama-3-1-405B-Instruct-jqf")));
}

#[test]
fn shell_tool_calls_are_commands_with_the_sandbox_exit_code() {
    let t = read_one(&inspect("log_message_deduplication.eval"));
    assert!(t.warnings.is_empty(), "log version 3 is known: {:?}", t.warnings);
    assert_eq!(tool_names(&t), ["bash"]);
    let cmds = commands(&t);
    assert_eq!(cmds.len(), 5);
    for (i, c) in cmds.iter().enumerate() {
        assert_eq!((c.command.as_str(), c.exit_code), ("ls", Some(0)));
        assert_eq!(c.call_id.as_deref(), Some(format!("hardcoded_{i}").as_str()));
        assert!(c.output.starts_with("bin\nboot\n"), "{}", c.output);
    }
    // Each call is followed by its command, then its result.
    let call = t
        .steps
        .iter()
        .position(|s| matches!(&s.record, Record::ToolCall(c) if c.call_id.as_deref() == Some("hardcoded_2")));
    let next: Vec<&str> = t.steps[call.unwrap() + 1..call.unwrap() + 3]
        .iter()
        .map(|s| match &s.record {
            Record::Command(_) => "command",
            Record::ToolResult(_) => "result",
            _ => "other",
        })
        .collect();
    assert_eq!(next, ["command", "result"]);
    // Model inputs are ranges into the sample's message pool: the prompt is read once.
    assert_eq!(messages_of(&t, Role::User), ["Guess the number"]);
    assert_eq!(messages_of(&t, Role::Assistant).len(), 6);
}

#[test]
fn exit_codes_are_read_by_value() {
    // The real sample with its five `ls` runs given other exit codes, written as a JSON log.
    let mut sample = eval_entry("log_message_deduplication.eval", "samples/0_epoch_1.json");
    let codes = [0, 2, 127, 0, 1];
    let events = sample["events"].as_array_mut().unwrap();
    for (ev, code) in events.iter_mut().filter(|e| e["event"] == "sandbox").zip(codes) {
        ev["result"] = json!(code);
    }
    let mut log = eval_entry("log_message_deduplication.eval", "header.json");
    log["samples"] = json!([sample]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.json");
    fs_err::write(&path, serde_json::to_vec(&log).unwrap()).unwrap();
    let t = read_one(&path);
    let got: Vec<Option<i32>> = commands(&t).iter().map(|c| c.exit_code).collect();
    assert_eq!(got, codes.map(Some));
}

#[test]
fn reused_call_ids_pair_each_call_with_its_own_event() {
    // Some providers give every call of a function the same id (its name).
    let mut log = eval_entry("log_message_deduplication.eval", "header.json");
    let sample =
        serde_json::to_string(&eval_entry("log_message_deduplication.eval", "samples/0_epoch_1.json")).unwrap();
    let sample = (0..5).fold(sample, |s, i| s.replace(&format!("\"hardcoded_{i}\""), "\"bash\""));
    log["samples"] = json!([serde_json::from_str::<Value>(&sample).unwrap()]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.json");
    fs_err::write(&path, serde_json::to_vec(&log).unwrap()).unwrap();
    let t = read_one(&path);
    assert_eq!(tool_calls(&t).len(), 5);
    assert_eq!(commands(&t).len(), 5);
    assert!(commands(&t).iter().all(|c| c.call_id.as_deref() == Some("bash") && c.exit_code == Some(0)));
}

#[test]
fn an_agent_log_gives_commands_edits_errors_and_usage() {
    let t = read_one(&inspect("handwritten-agent.json"));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert_eq!(t.header.id, "fix_rate/bug-1/epoch-1");
    assert_eq!(t.header.agent, "inspect-ai/react");
    assert_eq!(t.header.agent_revision.as_deref(), Some("0.3.140 (task commit abc1234)"));
    assert_eq!(t.header.started_at.as_deref(), Some("2025-06-01T12:00:00.000+00:00"));

    // Shell tools: exit codes from the sandbox, a timeout, python code; the scorer's own
    // pytest and the editor's tool-support calls are not the agent's commands.
    let cmds: Vec<(&str, Option<i32>, bool, Option<&str>)> =
        commands(&t).iter().map(|c| (c.command.as_str(), c.exit_code, c.timed_out, c.cwd.as_deref())).collect();
    assert_eq!(
        cmds,
        [
            ("pytest -q", Some(1), false, Some("/repo")),
            ("import app; print(app.RATE)", Some(0), false, None),
            ("sleep 999", None, true, None),
        ]
    );
    assert_eq!(commands(&t)[0].call_id.as_deref(), Some("call_1"));

    // Editor calls: a replace and a create (its text an attachment); a view edits nothing,
    // and the setup's write_file is the harness's.
    assert_eq!(edited_paths(&t), ["/repo/app.py", "/repo/NOTES.md"]);
    let e = edits(&t);
    assert_eq!((e[0].op, e[0].call_id.as_deref()), (EditOp::Modify, Some("call_2")));
    assert!(e[0].diff.as_deref().unwrap().contains("\n-RATE = 1\n+RATE = 2\n"), "{:?}", e[0].diff);
    assert_eq!(e[1].op, EditOp::Create);
    assert!(e[1].diff.as_deref().unwrap().contains("+RATE changed from 1 to 2.\n"), "{:?}", e[1].diff);

    let calls = tool_calls(&t);
    let mcp = calls.iter().find(|c| c.tool == "create_issue").unwrap();
    assert_eq!(mcp.plugin.as_deref(), Some("github"));
    assert_eq!(tool_names(&t), ["bash", "create_issue", "python", "text_editor"]);
    let timed_out = results(&t).into_iter().find(|r| r.call_id.as_deref() == Some("call_6")).unwrap();
    assert_eq!(timed_out.is_error, Some(true));

    // The user prompt is an attachment; the reasoning part is not the assistant's text.
    assert_eq!(messages_of(&t, Role::User), ["Fix the failing test: RATE in app.py should be 2."]);
    assert_eq!(messages_of(&t, Role::Assistant)[1], "Fixing the constant and leaving a note.");

    // The model error and the time limit, each once although the sample repeats them.
    assert_eq!(
        errors(&t),
        [
            (ErrorKind::Infra, "model call failed: RateLimitError: 429 Too Many Requests"),
            (ErrorKind::Timeout, "Time limit exceeded. limit: 600 seconds"),
        ]
    );
    let fin = t.final_state.as_ref().unwrap();
    assert_eq!(fin.exit_status.as_deref(), Some("error"));
    assert_eq!(fin.wall_time_s, Some(26.0));
    assert_eq!((fin.scores[0].name.as_str(), &fin.scores[0].value), ("verify", &json!(1.0)));

    // Anthropic counts cached prompt tokens apart: they are added to the prompt.
    let log = json_of("handwritten-agent.json");
    let (input, output, cached) = model_usage_totals(&log["stats"]["model_usage"]["anthropic/claude-sonnet-4-0"]);
    assert_eq!(usage_totals(&t), (input, output, cached, 0.0));
    assert_eq!((input, output, cached), (1030, 60, 900));
}

#[test]
fn browser_tools_usage_and_attachments() {
    let t = read_one(&inspect("browser.json"));
    assert_eq!(tool_names(&t), ["web_browser_click", "web_browser_go"]);
    assert_eq!(tool_calls(&t).len(), 4);
    assert!(commands(&t).is_empty(), "tool-support calls are plumbing: {:?}", commands(&t));
    assert!(results(&t).iter().all(|r| r.is_error == Some(false)));
    let log = json_of("browser.json");
    let (input, output, cached) = model_usage_totals(&log["stats"]["model_usage"]["openai/gpt-4o-mini"]);
    // OpenAI counts cached tokens inside the prompt, so the prompt is taken as it is.
    let (i, o, c, _) = usage_totals(&t);
    assert_eq!((i + c, o, c), (input, output, cached));
    assert_eq!((i, o, c), (15235, 281, 9088));
    assert_eq!(usages(&t).len(), 5);
    // Attachments are resolved wherever they are used.
    let text = goalpost_trajectory::to_jsonl(&t);
    assert!(!text.contains("attachment://"), "an attachment was left unresolved");
    assert!(
        messages_of(&t, Role::User)[0].starts_with("Use the web browser tool to navigate to https://www.aisi.gov.uk/")
    );
    let score = &t.final_state.as_ref().unwrap().scores[0];
    assert_eq!((score.name.as_str(), &score.value), ("includes", &json!("C")));
    assert!(score.answer.as_deref().unwrap().starts_with("the ai security institute"));
}

#[test]
fn scorer_model_calls_count_as_usage_not_as_messages() {
    let log = json_of("security-guide.json");
    let all = read_sorted("security-guide.json");
    assert_eq!(all.len(), 3);
    let mut sum = (0, 0, 0);
    for (t, sample) in all.iter().zip(log["samples"].as_array().unwrap()) {
        let (i, o, c, _) = usage_totals(t);
        let own = model_usage_totals(&sample["model_usage"]["openai/gpt-4o-mini"]);
        assert_eq!((i, o, c), own, "{}", t.header.id);
        sum = (sum.0 + i, sum.1 + o, sum.2 + c);
        assert_eq!(messages_of(t, Role::Assistant).len(), 1, "the grader model's answer is not the agent's");
        let score = &t.final_state.as_ref().unwrap().scores[0];
        assert_eq!((score.name.as_str(), &score.value), ("model_graded_fact", &json!("C")));
        assert!(score.explanation.as_deref().unwrap().contains("GRADE: C"));
    }
    assert_eq!(sum, model_usage_totals(&log["stats"]["model_usage"]["openai/gpt-4o-mini"]));

    // The same with the legacy `step` events of 0.3.4x logs.
    let t = read_one(&inspect("input-task-steps.json"));
    assert_eq!(messages_of(&t, Role::Assistant).len(), 1);
    let (i, o, _, _) = usage_totals(&t);
    assert_eq!((i, o), (274, 189));
}

#[test]
fn without_events_the_messages_are_read() {
    let t = read_one(&inspect("log_tool_call_error.json"));
    assert_eq!(t.header.attempt, 4);
    assert_eq!(tool_names(&t), ["bash"]);
    let r = results(&t);
    assert_eq!(r.len(), 11);
    assert!(r.iter().all(|r| r.is_error == Some(true)));
    assert_eq!(r[0].call_id.as_deref(), Some("bash_1"));
    assert!(r[10].output.ends_with("The tool output limit of 10 MiB was exceeded."), "{}", r[10].output);
    // The calls' arguments are not in the log, so no command can be named.
    assert!(commands(&t).is_empty());
    assert!(usages(&t).is_empty());
}

#[test]
fn a_cancelled_eval_warns_on_status() {
    let all = read_sorted("popularity-cancelled.json");
    assert_eq!(all.len(), 3);
    for t in &all {
        assert_eq!(t.warnings.len(), 1);
        assert_eq!(t.warnings[0].field.as_deref(), Some("status"));
        assert!(t.warnings[0].message.contains("cancelled"));
    }
}

#[test]
fn logs_without_samples_give_no_trajectory() {
    // From inspect_ai's own tests: a header counting 3 completed, scored samples over an empty
    // `samples` list. The samples are missing, not absent by design: one error, never nothing.
    let items = read_items(&inspect("no-samples.json"), Limits::default());
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err();
    assert_eq!(e.field.as_deref(), Some("samples"));
    assert!(e.message.contains("empty") && e.message.contains("results.completed_samples` counts 3"), "{e}");
    // A version 1 log with a bare NaN metric, and a log of a future version: no samples.
    for rel in ["log_with_nan.txt", "log_version_3.txt"] {
        let (_dir, path) = copy_as(rel, "log.json", |s| s);
        assert_eq!(kind_of(&path), InputKind::Inspect);
        assert!(read_items(&path, Limits::default()).is_empty(), "{rel}");
    }
}

#[test]
fn a_nan_score_is_kept_with_a_warning() {
    let (_dir, path) = copy_as("log_formats.json", "nan.json", |s| {
        assert!(s.contains("\"value\": \"I\""));
        s.replace("\"value\": \"I\"", "\"value\": NaN")
    });
    let t = read_one(&path);
    assert_eq!(t.final_state.as_ref().unwrap().scores[0].value, json!("NaN"));
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    assert_eq!(t.warnings[0].field.as_deref(), Some("scores.match.value"));
}

#[test]
fn an_unknown_version_warns_and_is_read() {
    let (_dir, path) = copy_as("log_formats.json", "v7.json", |s| s.replacen("\"version\": 2", "\"version\": 7", 1));
    let t = read_one(&path);
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    assert_eq!(t.warnings[0].field.as_deref(), Some("version"));
    assert!(t.warnings[0].message.contains("version 7"), "{}", t.warnings[0].message);
    assert_eq!(t.steps, read_one(&inspect("log_formats.json")).steps);
}

#[test]
fn a_wrong_typed_field_warns_and_the_trajectory_is_read() {
    let (_dir, path) = copy_as("browser.json", "typo.json", |s| {
        assert!(s.contains("\"input_tokens\": 1124,"));
        s.replacen("\"input_tokens\": 1124,", "\"input_tokens\": \"1124\",", 1)
    });
    let t = read_one(&path);
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    assert_eq!(t.warnings[0].field.as_deref(), Some("events[7].output.usage.input_tokens"));
    assert!(t.warnings[0].message.contains("found a string"));
    assert_eq!(usages(&t)[0], &Usage { input_tokens: None, ..usages(&t)[0].clone() });
    assert_eq!(usage_totals(&t).0, 15235 - 1124);
    assert_eq!(tool_calls(&t).len(), 4);
}

#[test]
fn truncated_files_are_errors_for_that_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let json = fs_err::read(inspect("browser.json")).unwrap();
    fs_err::write(dir.path().join("cut.json"), &json[..json.len() / 2]).unwrap();
    let eval = fs_err::read(inspect("log_streaming.eval")).unwrap();
    fs_err::write(dir.path().join("cut.eval"), &eval[..eval.len() - 200]).unwrap();
    fs_err::copy(inspect("log_formats.eval"), dir.path().join("good.eval")).unwrap();
    let items = read_items(dir.path(), Limits::default());
    assert_eq!(items.len(), 3);
    let errors: Vec<String> = items.iter().filter_map(|i| i.as_ref().err()).map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("cut.eval") && errors[0].contains("zip"), "{}", errors[0]);
    assert!(errors[1].contains("cut.json") && errors[1].contains("truncated"), "{}", errors[1]);
    assert!(items.iter().any(|i| i.as_ref().is_ok_and(|t| t.header.id == "popularity/1/epoch-1")));

    // The inspect_ai test log that stops mid-object.
    let items = read_as_inspect(&inspect("log_invalid.txt"), Limits::default());
    assert_eq!(items.len(), 1);
    assert!(items[0].as_ref().unwrap_err().message.contains("truncated"));
}

#[test]
fn a_bad_sample_is_an_error_beside_the_good_ones() {
    let mut log = json_of("log_formats.json");
    let good = log["samples"][0].clone();
    log["samples"] = json!([good, 42]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.json");
    fs_err::write(&path, serde_json::to_vec(&log).unwrap()).unwrap();
    let items = read_items(&path, Limits::default());
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap().header.id, "popularity/1/epoch-1");
    assert_eq!(items[1].as_ref().unwrap_err().field.as_deref(), Some("samples[1]"));
}

/// `log_streaming.eval` rewritten with its header in other entries: `(name, keys)` pairs.
fn rewrite_header(path: &Path, entries: &[(&str, &[&str])]) {
    let mut zip = zip::ZipArchive::new(fs_err::File::open(inspect("log_streaming.eval")).unwrap()).unwrap();
    let header = eval_entry("log_streaming.eval", "header.json");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, keys) in entries {
        let part: serde_json::Map<String, Value> = keys.iter().map(|k| ((*k).to_owned(), header[*k].clone())).collect();
        out.start_file(*name, options).unwrap();
        out.write_all(&serde_json::to_vec(&part).unwrap()).unwrap();
    }
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        if name.starts_with("samples/") {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            out.start_file(name, options).unwrap();
            out.write_all(&bytes).unwrap();
        }
    }
    fs_err::write(path, out.finish().unwrap().into_inner()).unwrap();
}

#[test]
fn unfinished_and_first_layout_eval_logs_are_read() {
    let dir = tempfile::tempdir().unwrap();
    // A run still writing: only the journal's start record.
    let running = dir.path().join("running.eval");
    rewrite_header(&running, &[("_journal/start.json", &["version", "eval", "plan"])]);
    let all = read_all(&running);
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].warnings.len(), 1, "{:?}", all[0].warnings);
    assert_eq!(all[0].warnings[0].field.as_deref(), Some("status"));
    assert!(all[0].warnings[0].message.contains("unfinished"));
    // The first `.eval` layout: `start.json` and `results.json`.
    let first = dir.path().join("first.eval");
    rewrite_header(
        &first,
        &[("start.json", &["version", "eval", "plan"]), ("results.json", &["status", "stats", "results"])],
    );
    let all = read_all(&first);
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|t| t.warnings.is_empty()), "{:?}", all[0].warnings);
    assert_eq!(all[0].header.agent, "inspect-ai/generate");
}

/// A `.eval` holding `header.json` and one sample entry of `size` spaces; when `lie` is set, the
/// sizes in its headers are rewritten to claim 100 bytes.
fn zip_bomb(path: &Path, size: usize, lie: bool) {
    zip_bomb_with(path, size, lie, zip::CompressionMethod::Deflated);
}

/// [`zip_bomb`] with its entries compressed by `method`.
fn zip_bomb_with(path: &Path, size: usize, lie: bool, method: zip::CompressionMethod) {
    let header = fs_err::read(inspect("log_formats.eval")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(header)).unwrap();
    let mut header_json = Vec::new();
    zip.by_name("header.json").unwrap().read_to_end(&mut header_json).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    out.start_file("header.json", options).unwrap();
    out.write_all(&header_json).unwrap();
    out.start_file("samples/1_epoch_1.json", options).unwrap();
    let chunk = vec![b' '; 1 << 16];
    for _ in 0..size / chunk.len() {
        out.write_all(&chunk).unwrap();
    }
    let mut bytes = out.finish().unwrap().into_inner();
    if lie {
        let size = (size as u32).to_le_bytes();
        // Uncompressed size: offset 22 in a local header, 24 in a central directory header.
        for (sig, at) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let spots: Vec<usize> =
                bytes.windows(4).enumerate().filter(|(_, w)| w == sig).map(|(i, _)| i + at).collect();
            for i in spots {
                if bytes[i..i + 4] == size {
                    bytes[i..i + 4].copy_from_slice(&100u32.to_le_bytes());
                }
            }
        }
    }
    fs_err::write(path, bytes).unwrap();
}

#[test]
fn zip_bombs_and_crowded_archives_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = Limits { max_unzipped_bytes: 1 << 20, ..Limits::default() };
    let honest = dir.path().join("honest.eval");
    zip_bomb(&honest, 4 << 20, false);
    let items = read_as_inspect(&honest, tiny);
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err();
    assert!(e.message.contains("over the limit of 1048576"), "{e}");

    // Headers that understate the size: the bytes are counted as they are read.
    let liar = dir.path().join("liar.eval");
    zip_bomb(&liar, 4 << 20, true);
    let items = read_as_inspect(&liar, tiny);
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().expect_err("a lying archive must not be read");
    assert!(e.message.starts_with("samples/1_epoch_1.json: "), "{e}");
    // The same archive within the limits is an empty sample, not a bomb.
    let small = dir.path().join("small.eval");
    zip_bomb(&small, 0, false);
    assert!(read_as_inspect(&small, tiny)[0].as_ref().unwrap_err().message.contains("samples/1_epoch_1.json"));

    let crowded = Limits { max_zip_entries: 5, ..Limits::default() };
    let items = read_as_inspect(&inspect("log_formats.eval"), crowded);
    assert_eq!(items.len(), 1);
    assert!(items[0].as_ref().unwrap_err().message.contains("6 entries, over the limit of 5"));

    let per_file = Limits { max_file_bytes: 6000, ..Limits::default() };
    let items = read_as_inspect(&inspect("log_read_sample.eval"), per_file);
    assert!(items[0].as_ref().unwrap_err().message.contains("expands past the limits"), "{:?}", items[0]);
}

// Logs written by a current Inspect AI (0.3.285): `make_fixture.py`, see PROVENANCE.tsv.

/// The commands `make_fixture.py` scripts, in order: 20 through `bash`, one through `python`.
const CURRENT_COMMANDS: [&str; 21] = [
    "echo hello",
    "pwd",
    "ls -la",
    "echo “https://example.com”",
    "curl 修复https://example.com",
    "mkdir -p src && printf 'def add(a, b):\\n    return a - b\\n' > src/calc.py",
    "cat src/calc.py",
    "sed -i 's/a - b/a + b/' src/calc.py",
    "python3 -c 'import sys; sys.path.insert(0, \"src\"); import calc; print(calc.add(2, 3))'",
    "echo 'naïve café — ünïcödé' > notes.txt",
    "wc -c notes.txt",
    "grep -n café notes.txt",
    "false",
    "exit 3",
    "ls does-not-exist",
    "echo 日本語のテキスト | tee -a notes.txt",
    "sort notes.txt | uniq -c",
    "test -f src/calc.py && echo present",
    "head -c 64 /dev/zero | wc -c",
    "rm -f notes.txt && ls",
    "print(\"π ≈\", round(22 / 7, 3))",
];

/// The exit codes the sandbox recorded for `CURRENT_COMMANDS`.
const CURRENT_EXIT_CODES: [i32; 21] = [0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 3, 2, 0, 0, 0, 0, 0, 0];

fn command_texts(t: &Trajectory) -> Vec<&str> {
    commands(t).iter().map(|c| c.command.as_str()).collect()
}

fn call_ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("call_{i:02}")).collect()
}

#[test]
fn a_current_zstd_eval_log_gives_every_command() {
    // The fixture is what Inspect writes today: every entry zstd-compressed (zip method 93).
    let mut zip = zip::ZipArchive::new(fs_err::File::open(inspect("current-bash.eval")).unwrap()).unwrap();
    for i in 0..zip.len() {
        assert_eq!(zip.by_index(i).unwrap().compression(), zip::CompressionMethod::Zstd);
    }

    let t = read_one(&inspect("current-bash.eval"));
    assert_well_formed(&t);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert_eq!(t.header.id, "fix_calc/calc-1/epoch-1");
    assert_eq!(t.header.agent, "inspect-ai/generate");
    assert!(t.header.agent_revision.as_deref().unwrap().starts_with("0.3.285"), "{:?}", t.header.agent_revision);
    assert_eq!(t.header.model.as_deref(), Some("mockllm/model"));

    assert_eq!(commands(&t).len(), 21);
    assert_eq!(command_texts(&t), CURRENT_COMMANDS);
    let codes: Vec<Option<i32>> = commands(&t).iter().map(|c| c.exit_code).collect();
    assert_eq!(codes, CURRENT_EXIT_CODES.map(Some));
    let ids: Vec<&str> = commands(&t).iter().map(|c| c.call_id.as_deref().unwrap()).collect();
    assert_eq!(ids, call_ids(21));
    assert_eq!(commands(&t)[3].output, "“https://example.com”\n");
    assert!(commands(&t)[4].output.contains("URL using bad/illegal format"), "{}", commands(&t)[4].output);
    // Each call once (announced by the model, run by the tool), each with its result.
    assert_eq!(tool_calls(&t).len(), 21);
    assert_eq!(tool_names(&t), ["bash", "python"]);
    assert_eq!(results(&t).len(), 21);
    // Model inputs are ranges into `events_data.messages`: the prompt is read from there.
    assert_eq!(messages_of(&t, Role::User), ["src/calc.py adds wrongly: make add(2, 3) return 5."]);
    assert_eq!(messages_of(&t, Role::Assistant).len(), 22);
    let fin = t.final_state.as_ref().unwrap();
    assert_eq!((fin.scores[0].name.as_str(), &fin.scores[0].value), ("includes", &json!("C")));

    // The same task written as a JSON log (another run: the same commands and exit codes).
    let j = read_one(&inspect("current-bash.json"));
    assert!(j.warnings.is_empty(), "{:?}", j.warnings);
    assert_eq!(command_texts(&j), CURRENT_COMMANDS);
    assert_eq!(commands(&j).iter().map(|c| c.exit_code).collect::<Vec<_>>(), CURRENT_EXIT_CODES.map(Some));
    assert_eq!(tool_calls(&j).len(), 21);
    assert_eq!(messages(&j), messages(&t));
}

#[test]
fn tool_calls_recorded_only_in_messages_are_commands() {
    // The real JSON log without its `tool` events: model events remain, and still announce
    // the calls, but what ran is only in the messages.
    let t = read_one(&inspect("current-bash-messages-only.json"));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert_eq!(commands(&t).len(), 21);
    assert_eq!(command_texts(&t), CURRENT_COMMANDS);
    assert!(commands(&t).iter().all(|c| c.exit_code.is_none()), "messages record no exit code");
    let ids: Vec<&str> = commands(&t).iter().map(|c| c.call_id.as_deref().unwrap()).collect();
    assert_eq!(ids, call_ids(21));
    assert_eq!(commands(&t)[15].output, "日本語のテキスト\n");
    // Not counted twice: each call once, each result once.
    assert_eq!(tool_calls(&t).len(), 21);
    assert_eq!(results(&t).len(), 21);
    assert_eq!(messages_of(&t, Role::User), ["src/calc.py adds wrongly: make add(2, 3) return 5."]);
    // Usage comes from the sample's totals, as for any sample read from its messages.
    let log = json_of("current-bash-messages-only.json");
    let (input, output, _) = model_usage_totals(&log["samples"][0]["model_usage"]["mockllm/model"]);
    assert_eq!(usage_totals(&t).0, input);
    assert_eq!(usage_totals(&t).1, output);

    // Events with no tool call at all (only bookkeeping events): the messages too.
    let mut log = json_of("current-bash.json");
    let events = log["samples"][0]["events"].as_array_mut().unwrap();
    events.retain(|e| !matches!(e["event"].as_str(), Some("model" | "tool")));
    assert!(!events.is_empty());
    let mut messages_only = log["samples"][0].clone();
    messages_only["id"] = json!("calc-2");
    // The same log holding both kinds of sample: the choice is made per sample.
    let mut log = json_of("current-bash.json");
    log["samples"] = json!([log["samples"][0].clone(), messages_only]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.json");
    fs_err::write(&path, serde_json::to_vec(&log).unwrap()).unwrap();
    let all = read_all(&path);
    assert_eq!(all.len(), 2);
    let (events, messages) = (&all[0], &all[1]);
    assert_eq!(messages.header.id, "fix_calc/calc-2/epoch-1");
    for t in [events, messages] {
        assert_eq!(command_texts(t), CURRENT_COMMANDS, "{}", t.header.id);
        assert_eq!(tool_calls(t).len(), 21, "{}", t.header.id);
    }
    assert_eq!(commands(events).iter().filter(|c| c.exit_code.is_some()).count(), 21, "events win: exit codes");
    assert!(commands(messages).iter().all(|c| c.exit_code.is_none()));
}

#[test]
fn a_json_log_whose_samples_are_null_under_a_header_counting_them_is_an_error() {
    let mut log = json_of("current-bash.json");
    log["samples"] = Value::Null;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("header-only.json");
    fs_err::write(&path, serde_json::to_vec(&log).unwrap()).unwrap();
    let items = read_items(&path, Limits::default());
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err();
    assert_eq!(e.field.as_deref(), Some("samples"));
    assert_eq!(e.path, path);
    assert!(e.message.contains("no samples") && e.message.contains("results.completed_samples"), "{e}");
    assert!(e.to_string().contains("header-only.json"), "{e}");

    // The `samples` key gone altogether, and only the dataset counting samples: the same.
    let obj = log.as_object_mut().unwrap();
    obj.remove("samples");
    obj.remove("results");
    fs_err::write(&path, serde_json::to_vec(&log).unwrap()).unwrap();
    let items = read_items(&path, Limits::default());
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err();
    assert_eq!(e.field.as_deref(), Some("samples"));
    assert!(e.message.contains("eval.dataset.samples"), "{e}");

    // An eval run with `log_samples=False` promises none.
    log["eval"]["config"]["log_samples"] = json!(false);
    fs_err::write(&path, serde_json::to_vec(&log).unwrap()).unwrap();
    assert!(read_items(&path, Limits::default()).is_empty());
}

/// `current-bash.eval` rewritten: `edit` maps each entry's name and bytes to what is written
/// instead (`None` leaves the entry out). Entries are written zstd-compressed, as Inspect does.
fn rewrite_eval(path: &Path, edit: impl Fn(&str, Vec<u8>) -> Vec<(String, Vec<u8>)>) {
    let mut zip = zip::ZipArchive::new(fs_err::File::open(inspect("current-bash.eval")).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Zstd);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        drop(entry);
        for (name, bytes) in edit(&name, bytes) {
            out.start_file(name, options).unwrap();
            out.write_all(&bytes).unwrap();
        }
    }
    fs_err::write(path, out.finish().unwrap().into_inner()).unwrap();
}

const CURRENT_SAMPLE: &str = "samples/calc-1_epoch_1.json";

#[test]
fn a_damaged_sample_entry_name_is_an_error_row() {
    let dir = tempfile::tempdir().unwrap();
    // A stray entry under `samples/` beside the good one.
    let stray = dir.path().join("stray.eval");
    rewrite_eval(&stray, |name, bytes| {
        let mut out = vec![(name.to_owned(), bytes.clone())];
        if name == CURRENT_SAMPLE {
            out.push(("samples/calc-1_epoch_one.json".to_owned(), bytes));
        }
        out
    });
    let items = read_as_inspect(&stray, Limits::default());
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(command_texts(items[0].as_ref().unwrap()), CURRENT_COMMANDS);
    let e = items[1].as_ref().unwrap_err();
    assert_eq!((e.path.as_path(), e.field.as_deref()), (stray.as_path(), Some("samples")));
    assert!(e.message.contains("`samples/calc-1_epoch_one.json` is not named like a sample entry"), "{e}");

    // The sample's own entry renamed: its name is an error, and so is the sample that
    // summaries.json lists and the archive no longer holds.
    let renamed = dir.path().join("renamed.eval");
    rewrite_eval(&renamed, |name, bytes| {
        vec![(if name == CURRENT_SAMPLE { "samples/calc-1.json".to_owned() } else { name.to_owned() }, bytes)]
    });
    let items = read_as_inspect(&renamed, Limits::default());
    let errors: Vec<String> = items.iter().map(|i| i.as_ref().unwrap_err().to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("renamed.eval") && errors[0].contains("`samples/calc-1.json`"), "{}", errors[0]);
    assert!(errors[1].contains(&format!("`{CURRENT_SAMPLE}` is listed in summaries.json[0]")), "{}", errors[1]);
}

#[test]
fn a_sample_listed_but_missing_or_unreadable_is_an_error_row() {
    let dir = tempfile::tempdir().unwrap();
    // The sample's entry gone: summaries.json still lists it.
    let missing = dir.path().join("missing.eval");
    rewrite_eval(&missing, |name, bytes| if name == CURRENT_SAMPLE { vec![] } else { vec![(name.to_owned(), bytes)] });
    let items = read_as_inspect(&missing, Limits::default());
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err();
    assert_eq!(e.field.as_deref(), Some("samples"));
    assert!(e.message.contains(CURRENT_SAMPLE) && e.message.contains("missing"), "{e}");

    // Without summaries either: the header's count of completed samples.
    let bare = dir.path().join("bare.eval");
    rewrite_eval(&bare, |name, bytes| match name {
        CURRENT_SAMPLE => vec![],
        n if n.contains("summaries") => vec![],
        _ => vec![(name.to_owned(), bytes)],
    });
    let items = read_as_inspect(&bare, Limits::default());
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err();
    assert_eq!(e.field.as_deref(), Some("samples"));
    assert!(e.message.contains("counts 1 completed samples (`results.completed_samples`)"), "{e}");
    assert!(e.message.contains("holds 0 sample entries"), "{e}");

    // An entry that is there but cannot be decompressed: one error naming it, no more.
    let damaged = dir.path().join("damaged.eval");
    rewrite_eval(&damaged, |name, bytes| vec![(name.to_owned(), bytes)]);
    // The sample's zstd frame loses its magic number (its data follows its name in its header).
    let mut bytes = fs_err::read(&damaged).unwrap();
    let magic = [0x28, 0xB5, 0x2F, 0xFD];
    let at = bytes.windows(CURRENT_SAMPLE.len()).position(|w| w == CURRENT_SAMPLE.as_bytes()).unwrap();
    let frame = at + bytes[at..].windows(4).position(|w| w == magic).unwrap();
    bytes[frame..frame + 4].copy_from_slice(b"JUNK");
    fs_err::write(&damaged, bytes).unwrap();
    let items = read_as_inspect(&damaged, Limits::default());
    assert_eq!(items.len(), 1, "{items:?}");
    let e = items[0].as_ref().unwrap_err();
    assert!(e.message.starts_with(&format!("{CURRENT_SAMPLE}: ")), "{e}");
}

#[test]
fn zstd_bombs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = Limits { max_unzipped_bytes: 1 << 20, ..Limits::default() };
    // 64 MiB of spaces, zstd-compressed to a few KiB.
    let honest = dir.path().join("honest.eval");
    zip_bomb_with(&honest, 64 << 20, false, zip::CompressionMethod::Zstd);
    assert!(fs_err::metadata(&honest).unwrap().len() < 64 << 10);
    let items = read_as_inspect(&honest, tiny);
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err();
    assert!(e.message.contains("declares 6711") && e.message.contains("over the limit of 1048576"), "{e}");

    // Headers that understate the size: the decompressed bytes are counted as they come, and
    // the entry is refused as soon as it passes its declared size.
    let liar = dir.path().join("liar.eval");
    zip_bomb_with(&liar, 64 << 20, true, zip::CompressionMethod::Zstd);
    for limits in [tiny, Limits { max_file_bytes: 1 << 20, ..Limits::default() }] {
        let items = read_as_inspect(&liar, limits);
        assert_eq!(items.len(), 1);
        let e = items[0].as_ref().expect_err("a lying zstd archive must not be read");
        assert!(e.message.starts_with("samples/1_epoch_1.json: "), "{e}");
        assert!(e.message.contains("larger than its declared uncompressed size"), "{e}");
    }

    // A frame asking for a 2 GiB window is refused by the decoder before it allocates one:
    // magic, a descriptor with no content size, window descriptor 2^31, one last raw block of
    // one byte. Written stored, then marked zstd (method 93) in both of its headers.
    let greedy = dir.path().join("greedy.eval");
    let frame = [0x28, 0xB5, 0x2F, 0xFD, 0x00, (31 - 10) << 3, 0x09, 0x00, 0x00, b'{'];
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    out.start_file("header.json", stored).unwrap();
    out.write_all(&serde_json::to_vec(&eval_entry("log_formats.eval", "header.json")).unwrap()).unwrap();
    out.start_file("samples/1_epoch_1.json", stored).unwrap();
    out.write_all(&frame).unwrap();
    let mut bytes = out.finish().unwrap().into_inner();
    let name = b"samples/1_epoch_1.json";
    let local = bytes.windows(name.len()).position(|w| w == name).unwrap() - 30;
    let central = bytes.windows(name.len()).rposition(|w| w == name).unwrap() - 46;
    assert_eq!((&bytes[local..local + 4], &bytes[central..central + 4]), (&b"PK\x03\x04"[..], &b"PK\x01\x02"[..]));
    for at in [local + 8, central + 10] {
        bytes[at..at + 2].copy_from_slice(&93u16.to_le_bytes());
    }
    fs_err::write(&greedy, bytes).unwrap();
    let items = read_as_inspect(&greedy, Limits::default());
    assert_eq!(items.len(), 1);
    let e = items[0].as_ref().unwrap_err();
    assert!(e.message.starts_with("samples/1_epoch_1.json: "), "{e}");
    assert!(e.message.contains("too much memory"), "{e}");
}

/// The offset of the end-of-central-directory record in `zip`.
fn eocd(zip: &[u8]) -> usize {
    (0..=zip.len() - 22).rev().find(|&i| zip[i..i + 4] == *b"PK\x05\x06").unwrap()
}

#[test]
fn entries_the_zip_library_would_drop_are_an_error_row() {
    let real = fs_err::read(inspect("current-bash.eval")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let u16_at = |b: &[u8], i: usize| usize::from(u16::from_le_bytes([b[i], b[i + 1]]));

    // An end record that counts 1 entry: the library sees only the first.
    let mut under = real.clone();
    let e = eocd(&under);
    assert!(u16_at(&under, e + 10) > 2);
    under[e + 8..e + 10].copy_from_slice(&1u16.to_le_bytes());
    under[e + 10..e + 12].copy_from_slice(&1u16.to_le_bytes());
    let path = dir.path().join("undercount.eval");
    fs_err::write(&path, &under).unwrap();
    let items = read_as_inspect(&path, Limits::default());
    let errors: Vec<String> = items.iter().filter_map(|i| i.as_ref().err()).map(|e| e.to_string()).collect();
    assert!(
        errors.iter().any(|e| e.contains("central directory holds") && e.contains("gives 1 readable")),
        "{items:?}"
    );

    // A central directory entry listed twice (the library keeps one copy of the name).
    let mut dup = real.clone();
    let e = eocd(&dup);
    let (cd_size, cd_start) = (
        u32::from_le_bytes(dup[e + 12..e + 16].try_into().unwrap()) as usize,
        u32::from_le_bytes(dup[e + 16..e + 20].try_into().unwrap()) as usize,
    );
    let first_len = 46 + u16_at(&dup, cd_start + 28) + u16_at(&dup, cd_start + 30) + u16_at(&dup, cd_start + 32);
    let copy = dup[cd_start..cd_start + first_len].to_vec();
    let n = u16_at(&dup, e + 10) as u16 + 1;
    dup.splice(cd_start + cd_size..cd_start + cd_size, copy);
    let e = eocd(&dup);
    dup[e + 8..e + 10].copy_from_slice(&n.to_le_bytes());
    dup[e + 10..e + 12].copy_from_slice(&n.to_le_bytes());
    dup[e + 12..e + 16].copy_from_slice(&((cd_size + first_len) as u32).to_le_bytes());
    let path = dir.path().join("duplicate.eval");
    fs_err::write(&path, &dup).unwrap();
    let items = read_as_inspect(&path, Limits::default());
    let errors: Vec<String> = items.iter().filter_map(|i| i.as_ref().err()).map(|e| e.to_string()).collect();
    assert!(errors.iter().any(|e| e.contains("some names appear twice")), "{items:?}");
    // The samples that could be read are still there.
    assert!(items.iter().any(|i| i.is_ok()), "{items:?}");
}

#[test]
fn sample_ids_with_a_slash_are_read() {
    // Inspect names entries by the raw sample id: `django/django-1` is
    // `samples/django/django-1_epoch_1.json`, listed under that id in summaries.json.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slash.eval");
    rewrite_eval(&path, |name, bytes| {
        if name == CURRENT_SAMPLE {
            let mut v: Value = serde_json::from_slice(&bytes).unwrap();
            v["id"] = json!("django/django-1");
            return vec![("samples/django/django-1_epoch_1.json".to_owned(), serde_json::to_vec(&v).unwrap())];
        }
        if name == "summaries.json" {
            let mut v: Value = serde_json::from_slice(&bytes).unwrap();
            v[0]["id"] = json!("django/django-1");
            return vec![(name.to_owned(), serde_json::to_vec(&v).unwrap())];
        }
        vec![(name.to_owned(), bytes)]
    });
    let items = read_as_inspect(&path, Limits::default());
    assert_eq!(items.len(), 1, "{items:?}");
    let t = items[0].as_ref().unwrap();
    assert_eq!(command_texts(t), CURRENT_COMMANDS);
}

/// `current-bash.eval` with its sample copied `n` times (ids `calc-0`…), some damaged: entry 20
/// is not JSON, entry 40 is badly named, entry 60 has a bare `NaN`, entry 80's zstd frame is
/// broken, and entry `big` (if any) expands past 2 MiB with spaces. `summaries.json` lists the
/// sample `calc-1` only.
fn many_samples(path: &Path, n: usize, big: Option<usize>) {
    let sample: Value = eval_entry("current-bash.eval", CURRENT_SAMPLE);
    rewrite_eval(path, |name, bytes| {
        if name != CURRENT_SAMPLE {
            return vec![(name.to_owned(), bytes)];
        }
        (0..n)
            .map(|k| {
                let mut sample = sample.clone();
                sample["id"] = json!(format!("calc-{k}"));
                let mut bytes = serde_json::to_vec(&sample).unwrap();
                let mut name = format!("samples/calc-{k}_epoch_1.json");
                match k {
                    20 => bytes.truncate(bytes.len() / 2),
                    40 => name = format!("samples/calc-{k}_epoch_one.json"),
                    60 => {
                        sample["total_time"] = json!("@");
                        bytes = serde_json::to_vec(&sample).unwrap();
                        let at = bytes.windows(3).position(|w| w == b"\"@\"").unwrap();
                        bytes.splice(at..at + 3, b"NaN".iter().copied());
                    }
                    _ if Some(k) == big => bytes.extend(std::iter::repeat_n(b' ', 2 << 20)),
                    _ => {}
                }
                (name, bytes)
            })
            .collect()
    });
    // Entry 80's zstd frame loses its magic number (its data follows its name in its header).
    let mut bytes = fs_err::read(path).unwrap();
    let name = b"/calc-80_epoch_1.json";
    if let Some(at) = bytes.windows(name.len()).position(|w| w == name) {
        let frame = at + bytes[at..].windows(4).position(|w| w == [0x28, 0xB5, 0x2F, 0xFD]).unwrap();
        bytes[frame..frame + 4].copy_from_slice(b"JUNK");
        fs_err::write(path, bytes).unwrap();
    }
}

/// An item as it would be shown: the trajectory's id and content hash, or the error.
fn shown(item: &Result<Trajectory, goalpost_trajectory::IngestError>) -> String {
    match item {
        Ok(t) => format!("{} {} {:?}", t.header.id, t.content_hash, t.warnings),
        Err(e) => format!("error {:?} {:?} {}", e.field, e.line, e.message),
    }
}

/// Items of the parts of `path`, read on several threads in no particular order.
fn read_by_parts(path: &Path, limits: Limits) -> Vec<Result<Trajectory, goalpost_trajectory::IngestError>> {
    let input = Input { path: path.to_owned(), kind: InputKind::Inspect };
    let parts: Vec<_> = input.parts(limits).expect("a .eval is read by parts").unwrap().collect();
    let mut read: Vec<Option<Vec<_>>> = (0..parts.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let (evens, odds): (Vec<_>, Vec<_>) = read.iter_mut().zip(&parts).enumerate().partition(|(i, _)| i % 2 == 0);
        for half in [evens, odds] {
            s.spawn(move || {
                for (_, (slot, part)) in half.into_iter().rev() {
                    *slot = Some(part.read(path, limits));
                }
            });
        }
    });
    read.into_iter().flat_map(Option::unwrap).collect()
}

#[test]
fn a_eval_of_many_samples_reads_the_same_whole_or_by_parts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.eval");
    many_samples(&path, 200, None);
    let items = read_as_inspect(&path, Limits::default());
    let by_parts = read_by_parts(&path, Limits::default());
    assert_eq!(items.iter().map(shown).collect::<Vec<_>>(), by_parts.iter().map(shown).collect::<Vec<_>>());
    // One item per entry, in entry order (summaries.json lists only `calc-1`, which is there).
    assert_eq!(items.len(), 200, "{:?}", items.iter().map(shown).collect::<Vec<_>>());
    for (k, item) in items.iter().enumerate() {
        match (k, item) {
            (20 | 40 | 80, Err(e)) => {
                let what = if k == 40 { "is not named like a sample entry" } else { "samples/calc-" };
                assert!(e.message.contains(what), "{k}: {e}");
            }
            (_, Ok(t)) => {
                assert_eq!(t.header.id, format!("fix_calc/calc-{k}/epoch-1"));
                assert_eq!(command_texts(t), CURRENT_COMMANDS);
                assert_eq!(!t.warnings.is_empty(), k == 60, "{k}: {:?}", t.warnings);
            }
            (_, item) => panic!("{k}: {}", shown(item)),
        }
    }

    // An entry past the limits ends the archive there, keeping the samples read before it.
    let with_big = dir.path().join("big.eval");
    many_samples(&with_big, 40, Some(30));
    let len = fs_err::metadata(&with_big).unwrap().len();
    assert!(len < 1 << 20, "{len}");
    let limits = Limits { max_file_bytes: 1 << 20, ..Limits::default() };
    let items = read_as_inspect(&with_big, limits);
    assert_eq!(
        items.iter().map(shown).collect::<Vec<_>>(),
        read_by_parts(&with_big, limits).iter().map(shown).collect::<Vec<_>>()
    );
    assert_eq!(items.len(), 31);
    let e = items[30].as_ref().unwrap_err();
    assert!(e.message.starts_with("samples/calc-30_epoch_1.json expands past the limits"), "{e}");
    assert_eq!(items[..30].iter().map(Result::is_ok).collect::<Vec<_>>(), (0..30).map(|k| k != 20).collect::<Vec<_>>());
}
