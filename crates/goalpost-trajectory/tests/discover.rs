//! Discovery accounts for every file it finds, reads each real file once, never loops on
//! symbolic links, and never opens anything but a regular file.

#![cfg(unix)]

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use goalpost_trajectory::{Discovery, InputKind, discover, discover_all};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Copies a file of the repository (relative to its root) to `to`.
fn copy(rel: &str, to: &Path) {
    if let Some(parent) = to.parent() {
        fs_err::create_dir_all(parent).unwrap();
    }
    fs_err::copy(root().join(rel), to).unwrap();
}

/// A directory with two real trajectories in different formats.
fn two_trajectories() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy("examples/trajectories/release-notes--good.jsonl", &tmp.path().join("canonical.jsonl"));
    copy("fixtures/formats/codex/hand_codex-0.120.0.jsonl", &tmp.path().join("sub/rollout.jsonl"));
    tmp
}

/// Discovery under a guard: a hang fails the test after 10 s instead of blocking the suite.
fn discover_guarded(paths: Vec<PathBuf>) -> Discovery {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(discover_all(&paths));
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("discovery did not finish within 10 s")
}

fn names(d: &Discovery, base: &Path) -> Vec<String> {
    d.inputs.iter().map(|i| i.path.strip_prefix(base).unwrap().display().to_string()).collect()
}

fn skipped<'a>(d: &'a Discovery, path: &Path) -> &'a str {
    let s = d.skipped.iter().find(|s| s.path == path);
    &s.unwrap_or_else(|| panic!("{} not skipped: {d:?}", path.display())).reason
}

#[test]
fn a_link_to_the_directory_itself_reads_each_file_once() {
    let tmp = two_trajectories();
    symlink(".", tmp.path().join("again")).unwrap();
    symlink(".", tmp.path().join("sub/up")).unwrap();
    let d = discover_guarded(vec![tmp.path().to_owned()]);
    assert_eq!(names(&d, tmp.path()), ["canonical.jsonl", "sub/rollout.jsonl"], "{d:?}");
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert!(skipped(&d, &tmp.path().join("again")).contains("same directory"), "{d:?}");
    // `sub/up` is `sub` again: also walked already.
    assert!(skipped(&d, &tmp.path().join("sub/up")).contains("same directory"), "{d:?}");
}

#[test]
fn links_into_each_other_end_and_files_are_listed_under_their_real_paths() {
    let tmp = tempfile::tempdir().unwrap();
    copy("examples/trajectories/release-notes--good.jsonl", &tmp.path().join("a/one.jsonl"));
    copy("examples/trajectories/fix-login-redirect--good.jsonl", &tmp.path().join("b/two.jsonl"));
    // a/0-to-b sorts before everything in `a`, and would reach b/two.jsonl first if links were
    // followed as they are met.
    symlink("../b", tmp.path().join("a/0-to-b")).unwrap();
    symlink("../a", tmp.path().join("b/0-to-a")).unwrap();
    // Two links to each other, and one to itself: broken, never walked.
    symlink("y", tmp.path().join("a/x")).unwrap();
    symlink("x", tmp.path().join("a/y")).unwrap();
    symlink("self.jsonl", tmp.path().join("a/self.jsonl")).unwrap();
    let d = discover_guarded(vec![tmp.path().to_owned()]);
    assert_eq!(names(&d, tmp.path()), ["a/one.jsonl", "b/two.jsonl"], "{d:?}");
    assert!(skipped(&d, &tmp.path().join("a/0-to-b")).contains("same directory"));
    assert!(skipped(&d, &tmp.path().join("b/0-to-a")).contains("same directory"));
    // A broken link named like a trajectory is an error; `x` and `y` are not walked names.
    let errors: Vec<_> = d.errors.iter().map(|e| (e.path.strip_prefix(tmp.path()).unwrap(), &e.message)).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, Path::new("a/self.jsonl"));
    assert!(errors[0].1.contains("broken symbolic link"), "{errors:?}");
}

#[test]
fn a_linked_file_is_read_once_and_a_link_out_of_the_tree_is_followed() {
    let outside = tempfile::tempdir().unwrap();
    copy("fixtures/formats/codex/hand_codex-0.120.0.jsonl", &outside.path().join("elsewhere.jsonl"));
    let tmp = two_trajectories();
    // A link sorting before its target, a hard link, and a link out of the tree.
    symlink(tmp.path().join("canonical.jsonl"), tmp.path().join("a-link.jsonl")).unwrap();
    fs_err::hard_link(tmp.path().join("canonical.jsonl"), tmp.path().join("hard.jsonl")).unwrap();
    symlink(outside.path().join("elsewhere.jsonl"), tmp.path().join("out.jsonl")).unwrap();
    let d = discover_guarded(vec![tmp.path().to_owned()]);
    assert_eq!(names(&d, tmp.path()), ["canonical.jsonl", "out.jsonl", "sub/rollout.jsonl"], "{d:?}");
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert!(skipped(&d, &tmp.path().join("a-link.jsonl")).contains("same file as"));
    assert!(skipped(&d, &tmp.path().join("hard.jsonl")).contains("same file as"));
    // A path given twice, or a directory and a file in it, is still read once, silently.
    let file = tmp.path().join("canonical.jsonl");
    let d = discover_guarded(vec![tmp.path().to_owned(), file.clone(), tmp.path().to_owned()]);
    assert_eq!(d.inputs.len(), 3, "{d:?}");
    assert!(!d.skipped.iter().any(|s| s.path == file), "{:?}", d.skipped);
}

#[test]
fn a_named_pipe_is_skipped_without_being_opened() {
    let tmp = two_trajectories();
    let fifo = tmp.path().join("x.jsonl");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(status.success());
    // Walked, and named: both would block forever if the pipe were opened.
    let d = discover_guarded(vec![tmp.path().to_owned()]);
    assert_eq!(names(&d, tmp.path()), ["canonical.jsonl", "sub/rollout.jsonl"]);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert!(skipped(&d, &fifo).contains("named pipe"), "{d:?}");
    let d = discover_guarded(vec![fifo.clone()]);
    assert!(d.inputs.is_empty() && d.errors.is_empty(), "{d:?}");
    assert!(skipped(&d, &fifo).contains("only regular files are read"), "{d:?}");
    // A link to the pipe is not opened either.
    symlink(&fifo, tmp.path().join("sub/pipe.json")).unwrap();
    let d = discover_guarded(vec![tmp.path().join("sub")]);
    assert!(skipped(&d, &tmp.path().join("sub/pipe.json")).contains("named pipe"), "{d:?}");
}

#[test]
fn a_socket_is_skipped() {
    let tmp = two_trajectories();
    let sock = tmp.path().join("agent.jsonl");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let d = discover_guarded(vec![tmp.path().to_owned()]);
    assert_eq!(d.inputs.len(), 2, "{d:?}");
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert!(skipped(&d, &sock).contains("socket"), "{d:?}");
    let d = discover_guarded(vec![sock.clone()]);
    assert!(skipped(&d, &sock).contains("socket"), "{d:?}");
}

#[test]
fn empty_and_blank_files_are_errors_naming_the_file() {
    let tmp = two_trajectories();
    fs_err::write(tmp.path().join("empty.jsonl"), "").unwrap();
    fs_err::write(tmp.path().join("sub/blank.json"), " \n\t\r\n  \n").unwrap();
    // Not a walked name: not looked at.
    fs_err::write(tmp.path().join("notes.txt"), "").unwrap();
    let d = discover_guarded(vec![tmp.path().to_owned()]);
    assert_eq!(d.inputs.len(), 2, "{d:?}");
    let errors: Vec<_> = d.errors.iter().map(|e| (e.path.strip_prefix(tmp.path()).unwrap(), &e.message)).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, Path::new("empty.jsonl"));
    assert_eq!(errors[0].1, "empty file");
    assert_eq!(errors[1].0, Path::new("sub/blank.json"));
    assert!(errors[1].1.starts_with("empty file"), "{errors:?}");
    // Named, too.
    let (inputs, errors) = discover(&[tmp.path().join("empty.jsonl")]);
    assert!(inputs.is_empty());
    assert_eq!(errors.len(), 1);
    assert!(errors[0].to_string().contains("empty.jsonl: empty file"), "{errors:?}");
}

#[test]
fn an_openhands_evaluation_lists_its_companions_as_skipped_not_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("CodeActAgent/gpt-4o_maxiter_100_N_v0.20.0-no-hint-run_1");
    let id = "ponylang__ponyc-4595";
    copy("fixtures/formats/openhands/eval/multi_swe_bench_output.jsonl", &run.join("output.jsonl"));
    let write = |rel: &str, text: &str| {
        let p = run.join(rel);
        fs_err::create_dir_all(p.parent().unwrap()).unwrap();
        fs_err::write(&p, text).unwrap();
    };
    // What OpenHands' evaluation writes beside output.jsonl (shapes as the harness writes them).
    write(
        "metadata.json",
        r#"{"agent_class": "CodeActAgent", "llm_config": {"model": "gpt-4o"}, "max_iterations": 100,
            "eval_output_dir": "evaluation/evaluation_outputs/outputs", "start_time": "2025-01-01 00:00:00",
            "git_commit": "0123abc", "dataset": "multi-swe-bench", "data_split": null, "details": {}}"#,
    );
    write(
        &format!("llm_completions/{id}/anthropic__claude-1735689600.0.json"),
        r#"{"messages": [{"role": "user", "content": "fix it"}], "response": {"choices": []}, "args": [],
            "kwargs": {"tools": []}, "timestamp": 1735689600.0, "cost": 0.01}"#,
    );
    write(
        "output.swebench.jsonl",
        &format!(
            "{{\"instance_id\": \"{id}\", \"model_patch\": \"diff --git a/x b/x\\n\", \"model_name_or_path\": \"OpenHands\"}}\n"
        ),
    );
    write(
        "report.json",
        &format!(
            r#"{{"total_instances": 1, "submitted_instances": 1, "completed_instances": 1, "resolved_instances": 1,
                "unresolved_instances": 0, "empty_patch_instances": 0, "error_instances": 0,
                "completed_ids": ["{id}"], "resolved_ids": ["{id}"], "unresolved_ids": [], "error_ids": []}}"#
        ),
    );
    write(
        &format!("eval_outputs/{id}/report.json"),
        &format!(
            r#"{{"{id}": {{"patch_is_None": false, "patch_exists": true, "patch_successfully_applied": true,
                "resolved": true, "tests_status": {{}}}}}}"#
        ),
    );
    write(&format!("eval_outputs/{id}/test_output.txt"), "PASSED\n");
    // A Multi-SWE-bench evaluation's config and patches.
    write(
        "config.json",
        r#"{"mode": "evaluation", "workdir": "./data/workdir", "patch_files": ["./patch.jsonl"],
            "dataset_files": ["./dataset.jsonl"], "output_dir": "./data/dataset", "max_workers": 8}"#,
    );
    write(
        "patch.jsonl",
        r#"{"org": "ponylang", "repo": "ponyc", "number": "4595", "fix_patch": "diff --git a/x b/x"}"#,
    );

    let d = discover_guarded(vec![tmp.path().to_owned()]);
    assert_eq!(d.inputs.len(), 1, "{d:?}");
    assert_eq!(d.inputs[0].path, run.join("output.jsonl"));
    assert_eq!(d.inputs[0].kind, InputKind::OpenHands);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let reasons: Vec<_> =
        d.skipped.iter().map(|s| (s.path.strip_prefix(&run).unwrap().display().to_string(), &s.reason)).collect();
    let expect = [
        ("config.json", "Multi-SWE-bench evaluation config"),
        (&format!("eval_outputs/{id}/report.json"), "SWE-bench harness report"),
        (&format!("llm_completions/{id}/anthropic__claude-1735689600.0.json"), "logged LLM call"),
        ("metadata.json", "OpenHands evaluation's metadata"),
        ("output.swebench.jsonl", "swe-bench-predictions beside the trajectories"),
        ("patch.jsonl", "Multi-SWE-bench patches"),
        ("report.json", "SWE-bench harness run report"),
    ];
    assert_eq!(reasons.len(), expect.len(), "{reasons:#?}");
    for ((path, reason), (want_path, want)) in reasons.iter().zip(expect) {
        assert_eq!(path, want_path);
        assert!(reason.contains(want), "{path}: {reason}");
    }
    // Named explicitly (a shell glob over the run), a companion is skipped too, not an error.
    let d = discover_guarded(vec![run.join("metadata.json"), run.join("output.jsonl")]);
    assert_eq!(d.inputs.len(), 1);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert!(skipped(&d, &run.join("metadata.json")).contains("accompanies a run"));
}

#[test]
fn a_swebench_run_and_the_fixtures_are_discovered_as_before() {
    let d = discover_guarded(vec![root().join("fixtures/swebench-run")]);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert!(!d.inputs.is_empty());
    assert!(d.inputs.iter().all(|i| matches!(i.kind, InputKind::MiniSweAgent { report: Some(_), .. })), "{d:?}");
    // Every fixture directory: each input once, and the same answer every time.
    let all = vec![root().join("fixtures"), root().join("examples/trajectories")];
    let a = discover_guarded(all.clone());
    let b = discover_guarded(all);
    assert_eq!(a, b);
    // Strictly increasing: sorted, and no input twice.
    assert!(a.inputs.windows(2).all(|w| w[0].path < w[1].path));
    // The discovery serialises (for a CLI's --json), inputs with their format name.
    let json = serde_json::to_value(&a).unwrap();
    assert!(json["inputs"][0]["format"].is_string(), "{}", json["inputs"][0]);
}

/// A canonical file is told by the mark on its header line whether the line is short (the
/// first 4 KiB decide) or long (the mark past 4 KiB: the whole 64 KiB head decides), and a
/// file of another format beside them keeps its format.
#[test]
fn canonical_files_are_told_apart_by_their_head_however_long_the_header_line() {
    let tmp = tempfile::tempdir().unwrap();
    let good = fs_err::read_to_string(root().join("examples/trajectories/release-notes--good.jsonl")).unwrap();
    fs_err::write(tmp.path().join("short.jsonl"), &good).unwrap();
    // The same trajectory with 10 KB of agent name before the format on its header line.
    let (header, rest) = good.split_once('\n').unwrap();
    let mut h: serde_json::Map<String, serde_json::Value> = serde_json::from_str(header).unwrap();
    let format = h.remove("format").unwrap();
    let mut long = serde_json::Map::new();
    long.insert("type".into(), h.remove("type").unwrap());
    long.insert("agent".into(), "a".repeat(10_000).into());
    long.insert("format".into(), format);
    long.extend(h.into_iter().filter(|(k, _)| k != "agent"));
    fs_err::write(tmp.path().join("long.jsonl"), format!("{}\n{rest}", serde_json::Value::Object(long))).unwrap();
    copy("fixtures/formats/codex/hand_codex-0.120.0.jsonl", &tmp.path().join("codex.jsonl"));
    let d = discover_guarded(vec![tmp.path().to_owned()]);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let kinds: Vec<(String, &str)> = d
        .inputs
        .iter()
        .map(|i| (i.path.file_name().unwrap().to_string_lossy().into_owned(), i.kind.format_name()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("codex.jsonl".to_owned(), "codex-rollout"),
            ("long.jsonl".to_owned(), goalpost_trajectory::FORMAT_NAME),
            ("short.jsonl".to_owned(), goalpost_trajectory::FORMAT_NAME)
        ]
    );
    // Both canonical files read to the same trajectory (the long one's agent aside).
    for i in &d.inputs[1..] {
        let t: Vec<_> = i.read(goalpost_trajectory::Limits::default()).collect();
        assert_eq!(t.len(), 1);
        assert!(t[0].is_ok(), "{:?}", t[0]);
    }
}
