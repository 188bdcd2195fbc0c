//! The third outcome: a trajectory a human must decide is `review` everywhere — results, the
//! terminal, explain, report, compare and gate — never folded into pass or fail.

use std::path::Path;
use std::process::Command;

use super::{root, rows, text};

fn goalpost(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_goalpost")).args(args).current_dir(root()).output().unwrap()
}

/// The bundled good example, with a call to a tool the catalog has never seen.
fn with_unknown_tool(dir: &Path) {
    let good = fs_err::read_to_string(root().join("examples/trajectories/fix-login-redirect--good.jsonl")).unwrap();
    let mut out = String::new();
    for line in good.lines() {
        if line.contains("\"type\": \"final\"") {
            let call = serde_json::json!({"type": "tool_call", "tool": "frobnicate", "arguments": {"x": 1}});
            out.push_str(&format!("{call}\n"));
        }
        out.push_str(line);
        out.push('\n');
    }
    fs_err::write(dir.join("unknown-tool.jsonl"), out).unwrap();
    fs_err::copy(root().join("examples/trajectories/release-notes--good.jsonl"), dir.join("good.jsonl")).unwrap();
}

#[test]
fn a_tool_the_catalog_never_saw_is_a_review_item_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let trajs = tmp.path().join("trajs");
    fs_err::create_dir_all(&trajs).unwrap();
    with_unknown_tool(&trajs);
    let run = tmp.path().join("run");
    let o = goalpost(&["run", "--out", run.to_str().unwrap(), "--trajectories", trajs.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "review is not an error: {}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("2 found: 2 graded (1 pass, 0 fail, 1 review, 0 incomplete, 0 objective not assessed)"),
        "{stdout}"
    );
    assert!(stdout.contains("REVIEW") && stdout.contains("review: approved-tools"), "{stdout}");

    let r = rows(&run.join("results.jsonl"));
    let v = r.iter().find(|v| v["trajectory"] == "fix-login-redirect/r42/good").unwrap();
    assert_eq!(v["outcome"], "review");
    assert_eq!(v["passed"], serde_json::Value::Null, "neither a pass nor a fail");
    let tools = v["criteria"].as_array().unwrap().iter().find(|c| c["id"] == "approved-tools").unwrap();
    assert_eq!(tools["status"], "review");
    assert!(tools["message"].as_str().unwrap().contains("pending catalog review: not in the catalog: `frobnicate`"));
    assert!(!tools["evidence"].as_array().unwrap().is_empty(), "the step is cited");
    let csv = fs_err::read_to_string(run.join("results.csv")).unwrap();
    assert!(csv.lines().any(|l| l.contains(",review,")), "{csv}");

    let e = goalpost(&["explain", trajs.join("unknown-tool.jsonl").to_str().unwrap()]);
    assert!(text(&e.stdout).contains("outcome REVIEW") && text(&e.stdout).contains("[REVIEW] approved-tools"));

    let rep = goalpost(&["report", run.to_str().unwrap()]);
    assert!(rep.status.success(), "{}", text(&rep.stderr));
    assert!(
        text(&rep.stdout).contains("1 passed (50.0% of 2 whose objective was assessed), 0 failed, 1 await review"),
        "{}",
        text(&rep.stdout)
    );
    let md = fs_err::read_to_string(run.join("summary.md")).unwrap();
    assert!(md.contains("0 failed, 1 await review"), "{md}");
    let html = fs_err::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("<th>review</th>"), "the review column");
    assert!(html.contains("frobnicate"), "a review page for it");

    let policy = tmp.path().join("gate.toml");
    fs_err::write(&policy, "[review]\nmax_open = 0\n").unwrap();
    let g = goalpost(&["gate", run.to_str().unwrap(), "--policy", policy.to_str().unwrap()]);
    assert_eq!(g.status.code(), Some(1), "a release needs every item decided: {}", text(&g.stdout));
    assert!(text(&g.stdout).contains("review.max_open") && text(&g.stdout).contains("frobnicate"));
    fs_err::write(&policy, "[review]\nmax_open = 1\n").unwrap();
    let g = goalpost(&["gate", run.to_str().unwrap(), "--policy", policy.to_str().unwrap()]);
    assert_eq!(g.status.code(), Some(0), "{}", text(&g.stdout));
}
