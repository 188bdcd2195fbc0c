//! A report built through the whole pipeline from a trajectory an attacker wrote: markup,
//! script, event handlers and markdown in its id, agent, model, commands and paths.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use goalpost_grade::manifest::Manifest;
use goalpost_grade::{NoReporter, RunOptions};
use goalpost_report::summary::{self, Report};
use goalpost_report::table::{self, RunMeta};
use goalpost_trajectory::discover;

pub(crate) const SCRIPT: &str = "<script>document.body.setAttribute('data-pwned','1')</script>";
pub(crate) const IMG: &str = "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">";
pub(crate) const SVG: &str = "\"><svg onload=\"document.body.setAttribute('data-pwned','3')\">";
pub(crate) const MD: &str = "| x | [link](javascript:alert(1)) **bold**";
/// What a terminal acts on: clear screen (ESC), bell, C1 CSI, carriage return, and a
/// right-to-left override that reorders what follows.
pub(crate) const CONTROL: &str = "\u{1b}[2J\u{7}\u{9b}31m\r\u{202e}gnp.exe";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Grades the hostile trajectory (and the bundled examples beside it) into `dir/run`, twice
/// for a trend of two runs, and builds the report of the second run.
pub(crate) fn report(dir: &Path) -> Report {
    let id = format!("evil/{SCRIPT}{IMG}");
    let header = serde_json::json!({
        "type": "header", "format": "goalpost-trajectory/1.1", "id": id,
        "agent": format!("agent{SVG}"), "agent_revision": "r1", "model": MD, "attempt": 1,
        "started_at": "2026-11-20T02:00:00Z",
    });
    let lines = [
        header,
        serde_json::json!({"type": "message", "role": "user", "content": format!("do it {SCRIPT}")}),
        serde_json::json!({"type": "command", "command": format!("echo '{SCRIPT}' > ../../etc/x"), "exit_code": 0, "elapsed_s": 3.0}),
        serde_json::json!({"type": "command", "command": format!("rm -rf / # {IMG} {MD}"), "exit_code": 0, "elapsed_s": 5.0}),
        serde_json::json!({"type": "command", "command": format!("printf '{CONTROL}' && git push"), "exit_code": 0, "elapsed_s": 5.5}),
        serde_json::json!({"type": "side_effect", "kind": "network_write", "target": format!("https://x.example/{SCRIPT}"), "reversible": false, "elapsed_s": 6.0}),
        serde_json::json!({"type": "usage", "input_tokens": 1000, "output_tokens": 200, "cost_usd": 0.25}),
    ];
    let traj = dir.join("trajectories");
    fs_err::create_dir_all(&traj).unwrap();
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    fs_err::write(traj.join("evil.jsonl"), text.join("\n") + "\n").unwrap();

    let (specs, _) = goalpost_spec::load(&root().join("scenarios"), &root().join("rubrics"));
    let (inputs, errors) = discover(&[traj, root().join("examples/trajectories")]);
    let results = goalpost_grade::run(&inputs, errors, &specs, RunOptions::default(), &NoReporter);
    assert!(results.errors.is_empty(), "{:?}", results.errors);
    for (run_id, started) in
        [("20261124T000000Z-a", "2026-11-24T00:00:00Z"), ("20261125T000000Z-b", "2026-11-25T00:00:00Z")]
    {
        let run = dir.join("history").join(run_id);
        fs_err::create_dir_all(&run).unwrap();
        table::write_parquet(&run.join("results.parquet"), RunMeta { run_id, started_at: started }, &results).unwrap();
        Manifest::new(run_id, started, results.totals()).write(&run).unwrap();
    }
    summary::build(&dir.join("history/20261125T000000Z-b"), None).unwrap()
}
