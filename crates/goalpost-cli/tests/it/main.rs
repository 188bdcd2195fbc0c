//! End-to-end tests of the `goalpost` binary, run from the repository root like a user would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod cache;
mod ledger;
mod project;
mod readers;
mod review;
mod review_pages;
mod shards;
mod survive;
mod unassessed;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn goalpost(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_goalpost")).args(args).current_dir(root()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    fs_err::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The rows of a results file after its header (which must be there, naming the format).
fn rows(path: &Path) -> Vec<serde_json::Value> {
    let mut all = lines(path);
    assert_eq!(all[0], serde_json::json!({"type": "header", "format": "goalpost-results/1.2"}), "{}", path.display());
    all.remove(0);
    all
}

#[test]
fn run_with_no_flags_grades_the_bundled_examples() {
    let out = tempfile::tempdir().unwrap();
    let o = goalpost(&["run", "--out", out.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains(
            "6 found: 6 graded (3 pass, 3 fail, 0 review, 0 incomplete, 0 objective not assessed), 0 errored"
        ),
        "{stdout}"
    );
    let rows = rows(&out.path().join("results.jsonl"));
    assert_eq!(rows.len(), 6);
    for r in &rows {
        assert_eq!(r["type"], "verdict");
        for key in ["trajectory", "scenario", "passed", "score", "criteria"] {
            assert!(r.get(key).is_some(), "{key} missing");
        }
        for c in r["criteria"].as_array().unwrap() {
            assert!(c["id"].is_string() && c["status"].is_string() && c["evidence"].is_array());
        }
    }
    assert!(
        !out.path().join("results.partial.jsonl").exists(),
        "the partial file is removed once results are complete"
    );
    let csv = fs_err::read_to_string(out.path().join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(out.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["inputs"].as_array().unwrap().len(), 6);
    assert_eq!(manifest["inputs"][0]["blake3"].as_str().unwrap().len(), 64);
    assert_eq!(manifest["totals"]["found"], 6);
    assert_eq!(manifest["scenarios"].as_array().unwrap().len(), 3);
}

#[test]
fn results_are_byte_identical_whatever_the_thread_count() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // One file holding many trajectories (graded in parallel chunks) beside many files: each
    // bundled example 30 times over, with a broken line in the middle.
    let big = tempfile::tempdir().unwrap();
    let mut many = String::new();
    for round in 0..30 {
        for e in fs_err::read_dir(root().join("examples/trajectories")).unwrap() {
            let text = fs_err::read_to_string(e.unwrap().path()).unwrap();
            many.push_str(&text.replacen("/r4", &format!("/x{round}-r4"), 1));
        }
        if round == 15 {
            many.push_str("{not json\n");
        }
    }
    let many_path = big.path().join("many.jsonl");
    fs_err::write(&many_path, many).unwrap();
    let inputs = ["examples/trajectories", "fixtures/swebench-run", many_path.to_str().unwrap()];
    for (dir, jobs) in [(&a, "1"), (&b, "2")] {
        let mut args =
            vec!["run", "-q", "--no-cache", "-j", jobs, "--out", dir.path().to_str().unwrap(), "--trajectories"];
        args.extend(inputs);
        let o = goalpost(&args);
        assert_eq!(o.status.code(), Some(1), "one error row: {}", text(&o.stderr));
    }
    for f in ["results.jsonl", "results.csv"] {
        let (x, y) = (fs_err::read(a.path().join(f)).unwrap(), fs_err::read(b.path().join(f)).unwrap());
        assert!(x == y, "{f} differs between -j 1 and -j 2");
    }
    let all = rows(&a.path().join("results.jsonl"));
    assert_eq!(all.len(), 30 + 180, "every trajectory of the big file, one of them ended by its broken line");
    assert!(all.iter().any(|r| r["type"] == "error" && r["file"].as_str().is_some_and(|f| f.ends_with("many.jsonl"))));
    // The big file's rows are in file order.
    let ids: Vec<&str> = all
        .iter()
        .filter(|r| r["file"].as_str().is_some_and(|f| f.ends_with("many.jsonl")))
        .filter_map(|r| r["trajectory"].as_str())
        .collect();
    assert!(
        ids.first().is_some_and(|i| i.contains("/x0-r4")) && ids.last().is_some_and(|i| i.contains("/x29-r4")),
        "{ids:?}"
    );
}

#[test]
fn a_bad_file_becomes_an_error_row_and_nothing_else_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let trajs = dir.path().join("trajs");
    fs_err::create_dir_all(&trajs).unwrap();
    for f in ["fix-login-redirect--good.jsonl", "release-notes--good.jsonl"] {
        fs_err::copy(root().join("examples/trajectories").join(f), trajs.join(f)).unwrap();
    }
    // Truncated mid-line, as a crashed writer leaves it.
    let good = fs_err::read_to_string(root().join("examples/trajectories/auth-latency-p95--good.jsonl")).unwrap();
    fs_err::write(trajs.join("truncated.jsonl"), &good[..good.len() - 40]).unwrap();
    // A wrong field, and a scenario nobody defined.
    fs_err::write(trajs.join("wrong-field.jsonl"), good.replacen("\"attempt\": 1", "\"attempt\": \"first\"", 1))
        .unwrap();
    fs_err::write(
        trajs.join("unknown-scenario.jsonl"),
        good.replacen("\"auth-latency-p95\", \"attempt\"", "\"no-such-scenario\", \"attempt\"", 1),
    )
    .unwrap();
    fs_err::write(trajs.join("notes.json"), "{\"hello\": 1}").unwrap();

    let out = dir.path().join("out");
    let o = goalpost(&["run", "-q", "--trajectories", trajs.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let rows = rows(&out.join("results.jsonl"));
    let verdicts: Vec<_> = rows.iter().filter(|r| r["type"] == "verdict").collect();
    let errors: Vec<_> = rows.iter().filter(|r| r["type"] == "error").collect();
    assert_eq!(verdicts.len(), 3, "{rows:#?}");
    assert_eq!(errors.len(), 3, "{errors:#?}");
    let by_file = |name: &str| {
        errors.iter().find(|e| e["file"].as_str().unwrap().ends_with(name)).unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(by_file("truncated.jsonl")["line"], good.lines().count());
    assert_eq!(by_file("wrong-field.jsonl")["field"], "attempt");
    assert_eq!(by_file("wrong-field.jsonl")["line"], 1);
    // A scenario nobody defined: still graded on what needs no objective, and said plainly.
    let unknown = verdicts.iter().find(|v| v["file"].as_str().unwrap().ends_with("unknown-scenario.jsonl")).unwrap();
    assert!(unknown["note"].as_str().unwrap().contains("names scenario `no-such-scenario`, which is not loaded"));
    assert_eq!(unknown["scenario"], serde_json::Value::Null);
    // Its objective was never assessed: not a pass, and said why.
    assert_eq!((&unknown["outcome"], &unknown["passed"]), (&"unassessed".into(), &serde_json::Value::Null));
    assert_eq!(unknown["unassessed"], "scenario_not_loaded");
    let status =
        |id: &str| unknown["criteria"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()["status"].clone();
    assert_eq!(status("acceptance-tests"), "not_applicable");
    assert_eq!(status("forbidden-commands"), "pass");
    assert!(by_file("notes.json")["message"].as_str().unwrap().contains("not a trajectory"));
    assert!(
        text(&o.stdout).contains(
            "6 found: 3 graded (2 pass, 0 fail, 0 review, 0 incomplete, 1 objective not assessed), 3 errored"
        ),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn explain_cites_the_steps_and_escapes_hostile_strings() {
    let dir = tempfile::tempdir().unwrap();
    let good = fs_err::read_to_string(root().join("examples/trajectories/fix-login-redirect--tampered.jsonl")).unwrap();
    // An agent-written id and command carrying terminal escapes.
    let hostile = good.replacen("fix-login-redirect/r43/tampered", "evil\\u001b]0;pwned\\u0007\\u001b[2J", 1).replacen(
        "echo '==== 4 passed in 0.40s ===='",
        "echo '==== 4 passed in 0.40s ====' \\u001b[31m",
        1,
    );
    let path = dir.path().join("hostile.jsonl");
    fs_err::write(&path, hostile).unwrap();
    let o = goalpost(&["explain", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let s = text(&o.stdout);
    assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "raw control characters reached the terminal");
    assert!(s.contains("evil\\u{1b}]0;pwned"), "{s}");
    assert!(s.contains("[FAIL] test-integrity"), "{s}");
    assert!(s.contains("step 11: create conftest.py"), "{s}");
    assert!(s.contains("first left scope at step 14"), "{s}");
}

#[test]
fn lint_reports_vague_scenarios_with_the_reason() {
    let o = goalpost(&["lint"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("3 scenario(s) and 1 rubric(s) ok, 0 problem(s)"));
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(dir.path().join("v.toml"), "id = \"v\"\nobjective = \"Make it better somehow please.\"\n").unwrap();
    let o = goalpost(&["lint", "--scenarios", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let e = text(&o.stderr);
    assert!(e.contains("v.toml:1: vague in `objective`") || e.contains("v.toml:2: vague in `objective`"), "{e}");
    assert!(e.contains("no checkable acceptance criterion"), "{e}");
}

#[test]
fn import_writes_trajectories_and_scenarios_that_grade_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let imported = dir.path().join("imported");
    let o = goalpost(&["import", "fixtures/swebench-run", "--out", imported.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(fs_err::read_dir(imported.join("trajectories")).unwrap().count(), 24);
    assert_eq!(fs_err::read_dir(imported.join("scenarios")).unwrap().count(), 24);

    let (direct, via_import) = (dir.path().join("a"), dir.path().join("b"));
    let o = goalpost(&["run", "-q", "--trajectories", "fixtures/swebench-run", "--out", direct.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = goalpost(&[
        "run",
        "-q",
        "--scenarios",
        imported.join("scenarios").to_str().unwrap(),
        "--trajectories",
        imported.join("trajectories").to_str().unwrap(),
        "--out",
        via_import.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let key = |rows: Vec<serde_json::Value>| -> Vec<(String, serde_json::Value, serde_json::Value)> {
        let mut v: Vec<_> = rows
            .into_iter()
            .map(|r| (r["trajectory"].as_str().unwrap().to_owned(), r["objective_met"].clone(), r["passed"].clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    assert_eq!(key(rows(&direct.join("results.jsonl"))), key(rows(&via_import.join("results.jsonl"))));
}

#[test]
fn scenario_flag_assigns_one_scenario_to_everything_read() {
    let dir = tempfile::tempdir().unwrap();
    let good = fs_err::read_to_string(root().join("examples/trajectories/auth-latency-p95--good.jsonl")).unwrap();
    let path = dir.path().join("unnamed.jsonl");
    fs_err::write(&path, good.replacen("\"scenario\": \"auth-latency-p95\", ", "", 1)).unwrap();
    let out = dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "-q", "--trajectories", path.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        goalpost(&args)
    };
    let o = run(&[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = &rows(&out.join("results.jsonl"))[0];
    assert!(v["note"].as_str().unwrap().contains("names no scenario"), "{v}");
    assert_eq!(v["objective_met"], serde_json::Value::Null);

    let o = run(&["--scenario", "auth-latency-p95"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v = &rows(&out.join("results.jsonl"))[0];
    assert_eq!(v["scenario"], "auth-latency-p95");
    assert_eq!(v["objective_met"], true);
    assert!(v.get("note").is_none(), "{v}");

    let o = run(&["--scenario", "../../etc/x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is not a loaded scenario"), "{}", text(&o.stderr));
}

#[test]
fn every_format_is_read_from_one_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = goalpost(&["run", "-q", "--trajectories", "fixtures/formats", "--out", out.to_str().unwrap()]);
    // One Inspect log from inspect_ai's own tests counts 3 samples it does not hold: an error
    // row naming `samples` (exit 1), and every other file is graded.
    assert_eq!(o.status.code(), Some(1), "{}{}", text(&o.stdout), text(&o.stderr));
    let rows = rows(&out.join("results.jsonl"));
    let errors: Vec<_> = rows.iter().filter(|r| r["type"] != "verdict").collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0]["file"].as_str().unwrap().ends_with("inspect/no-samples.json"), "{errors:#?}");
    assert_eq!(errors[0]["field"], "samples");
    // Files that only accompany a run are listed as skipped, with the reason.
    let stderr = text(&o.stderr);
    assert!(stderr.contains("skipped fixtures/formats/terminal-bench/2026-01-23__00-36-34/run_metadata.json: a Terminal-Bench run's metadata"), "{stderr}");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let formats: std::collections::BTreeSet<&str> =
        manifest["inputs"].as_array().unwrap().iter().map(|i| i["format"].as_str().unwrap()).collect();
    let skipped = manifest["skipped"].as_array().unwrap();
    assert!(skipped.iter().any(|s| s["reason"].as_str().unwrap().contains("SWE-bench harness report")), "{skipped:?}");
    for f in [
        "atif",
        "claude-code",
        "codex-rollout",
        "inspect-ai",
        "mini-swe-agent",
        "openhands",
        "otel-genai",
        "swe-agent",
        "swe-bench-predictions",
        "terminal-bench",
    ] {
        assert!(formats.contains(f), "no {f} input in {formats:?}");
    }
    // Sessions that name no scenario are graded, and say so.
    let claude: Vec<_> =
        rows.iter().filter(|r| r["source_format"].as_str().is_some_and(|f| f.starts_with("claude-code"))).collect();
    assert!(!claude.is_empty());
    assert!(claude.iter().all(|r| r["note"].as_str().unwrap().contains("no scenario")), "{claude:#?}");
}

/// `goalpost run` into `dir`, quietly; panics unless it succeeds.
fn run_into(dir: &Path, trajectories: &str) {
    let o = goalpost(&["run", "-q", "--out", dir.to_str().unwrap(), "--trajectories", trajectories]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn report_writes_summary_html_and_json_for_the_examples() {
    let history = tempfile::tempdir().unwrap();
    let run = history.path().join("20261125T000000Z-examples");
    run_into(&run, "examples/trajectories");
    assert!(run.join("results.parquet").is_file());
    let o = goalpost(&["report", run.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout)
            .contains("6 found: 3 passed (50.0% of 6 whose objective was assessed), 3 failed, 0 await review, 0 incomplete, 0 errored, 0 objective not assessed; 0 trajectory(ies) decided by a reviewer (0 failed ones overturned); 3 review page(s)")
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["overall"]["found"], 6);
    assert_eq!(json["reviews"].as_array().unwrap().len(), 3);
    // The tampered run's review page shows its steps, the cited ones marked.
    let review = json["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["trajectory"] == "fix-login-redirect/r43/tampered")
        .unwrap();
    let page_file = review["page"].as_str().unwrap();
    let page = fs_err::read_to_string(run.join(page_file)).unwrap();
    assert!(!page.contains("steps not shown"), "the steps are shown");
    assert!(page.contains("<li id=\"step-12\" class=\"step cited"), "step 12 is cited");
    let html = fs_err::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains(&format!("<a href=\"{page_file}\">")), "report.html links the page");
    assert!(run.join("summary.md").is_file());
}

#[test]
fn gate_exits_by_its_rules_and_never_passes_a_bad_policy() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    run_into(&run, "examples/trajectories");
    let r = run.to_str().unwrap();

    // The bundled policy: the tampered run fails test integrity and the must-pass scenario.
    let o = goalpost(&["gate", r, "--policy", "gates.toml"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("FAIL  criteria.zero_failures.test-integrity"), "{stdout}");
    assert!(stdout.contains("FAIL  must_pass.fix-login-redirect"), "{stdout}");
    assert!(stdout.contains("PASS  completeness.min"), "{stdout}");
    let junit = fs_err::read_to_string(run.join("gate.junit.xml")).unwrap();
    assert!(junit.contains("<testcase name=\"must_pass.fix-login-redirect\""), "{junit}");
    assert!(fs_err::read_to_string(run.join("gate.md")).unwrap().contains("❌ failed"));

    // In GitHub Actions the markdown also lands in the step summary.
    let step_summary = dir.path().join("step-summary.md");
    fs_err::write(&step_summary, "earlier step\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_goalpost"))
        .args(["gate", r, "--policy", "gates.toml"])
        .env("GITHUB_STEP_SUMMARY", &step_summary)
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let summary = fs_err::read_to_string(&step_summary).unwrap();
    assert!(summary.starts_with("earlier step\n## goalpost gate: ❌ failed"), "{summary}");

    // A policy the run meets: exit 0.
    let ok = dir.path().join("ok.toml");
    fs_err::write(&ok, "[completeness]\nmin = 1.0\n[pass_rate]\nmin = 0.5\n").unwrap();
    let o = goalpost(&["gate", r, "--policy", ok.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));

    // More expected than found: the missing ones count.
    let more = dir.path().join("more.toml");
    fs_err::write(&more, "[completeness]\nmin = 1.0\nexpected = 8\n").unwrap();
    let o = goalpost(&["gate", r, "--policy", more.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("6 of 8 expected"), "{}", text(&o.stdout));

    // Malformed or missing policies are errors (exit 2) naming the rule, never a pass.
    let bad = dir.path().join("bad.toml");
    fs_err::write(&bad, "[pass_rate]\nmin = \"most\"\n").unwrap();
    let o = goalpost(&["gate", r, "--policy", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("rule `pass_rate.min`"), "{}", text(&o.stderr));
    let o = goalpost(&["gate", r, "--policy", "no-such-policy.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("no-such-policy.toml"));
}

#[test]
fn compare_two_revisions_inside_one_history_and_two_run_dirs() {
    let history = tempfile::tempdir().unwrap();
    run_into(&history.path().join("20261125T000000Z-examples"), "examples/trajectories");
    let h = history.path().to_str().unwrap();
    // The examples hold revision r42 (all good) and r43 (all bad).
    let o = goalpost(&["compare", "r42", "r43", "--history", h, "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let c: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    assert_eq!(c["flips"]["regressed"], 3);
    assert_eq!(c["flips"]["fixed"], 0);
    // 3 regressions, no fix: 2 * (1/2)^3.
    assert!((c["mcnemar_p"].as_f64().unwrap() - 0.25).abs() < 1e-12);
    assert_eq!(c["baseline"]["pass_rate"], 1.0);
    assert_eq!(c["candidate"]["pass_rate"], 0.0);

    let o = goalpost(&["compare", "r42", "r43", "--history", h]);
    let table = text(&o.stdout);
    assert!(table.contains("flips: 0 fixed, 3 regressed"), "{table}");
    let o = goalpost(&["compare", "r42", "nope", "--history", h]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("r42"), "the error lists the known revisions: {}", text(&o.stderr));
}

#[test]
fn report_compare_and_gate_on_the_swebench_corpus() {
    let history = tempfile::tempdir().unwrap();
    let (a, b) = (history.path().join("20261124T000000Z-a"), history.path().join("20261125T000000Z-b"));
    run_into(&a, "fixtures/swebench-run");
    run_into(&b, "fixtures/swebench-run");
    let o = goalpost(&["report", b.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(b.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["overall"]["found"], 24);
    // Both runs of the history are in the trend.
    assert_eq!(json["trend"].as_array().unwrap().len(), 2);
    let o = goalpost(&["compare", a.to_str().unwrap(), b.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let c: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    assert_eq!(c["flips"]["fixed"].as_u64().unwrap() + c["flips"]["regressed"].as_u64().unwrap(), 0);
    assert_eq!(c["mcnemar_p"], 1.0);
    let policy = history.path().join("p.toml");
    fs_err::write(
        &policy,
        "[completeness]\nmin = 1.0\n[criteria]\nzero_failures = [\"test-integrity\"]\n[review]\nmax_open = 0\n",
    )
    .unwrap();
    let o = goalpost(&[
        "gate",
        b.to_str().unwrap(),
        "--policy",
        policy.to_str().unwrap(),
        "--baseline",
        a.to_str().unwrap(),
    ]);
    // matplotlib-21568 rewrote an expected string in a test file: not gaming, a change a
    // person must sign off. Test integrity never failed; the open review item holds the gate.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    let out = text(&o.stdout);
    assert!(out.contains("PASS  criteria.zero_failures.test-integrity"), "{out}");
    assert!(out.contains("FAIL  review.max_open"), "{out}");
    assert!(out.contains("review `test-integrity`: matplotlib__matplotlib-21568"), "{out}");
}

/// A scratch project: the bundled scenarios and rubrics plus `n` copies of the login scenario
/// (`login-0`, `login-1`, …), each with a tampered trajectory that fails it.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(n: usize) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let p = Project { dir };
        for sub in ["scenarios/examples", "rubrics/catalogs", "trajectories"] {
            fs_err::create_dir_all(p.path(sub)).unwrap();
        }
        for f in [
            "scenarios/examples/fix-login-redirect.toml",
            "scenarios/examples/auth-latency-p95.toml",
            "scenarios/examples/release-notes.toml",
            "rubrics/trajectory-review.toml",
            "rubrics/catalogs/tools.toml",
        ] {
            fs_err::copy(root().join(f), p.path(f)).unwrap();
        }
        let scenario = fs_err::read_to_string(root().join("scenarios/examples/fix-login-redirect.toml")).unwrap();
        for i in 0..n {
            let s = scenario.replace("id = \"fix-login-redirect\"", &format!("id = \"login-{i}\""));
            fs_err::write(p.path(&format!("scenarios/examples/login-{i}.toml")), s).unwrap();
            p.trajectory("fix-login-redirect--tampered.jsonl", &format!("login-{i}"), &format!("t-{i}"), "r43");
        }
        p
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Copies an example trajectory with a new scenario, id and revision.
    fn trajectory(&self, example: &str, scenario: &str, id: &str, revision: &str) {
        let text = fs_err::read_to_string(root().join("examples/trajectories").join(example)).unwrap();
        let mut lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        lines[0]["id"] = id.into();
        lines[0]["scenario"] = scenario.into();
        lines[0]["agent_revision"] = revision.into();
        let out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        fs_err::write(self.path(&format!("trajectories/{id}.jsonl")), out.join("\n") + "\n").unwrap();
    }

    fn spec_args(&self) -> Vec<String> {
        vec![
            "--scenarios".into(),
            self.path("scenarios").display().to_string(),
            "--rubrics".into(),
            self.path("rubrics").display().to_string(),
        ]
    }

    fn goalpost(&self, args: &[&str]) -> Output {
        goalpost(
            &args
                .iter()
                .map(|s| s.to_string())
                .chain(self.spec_args())
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_goalpost"));
        c.args(args).args(self.spec_args()).current_dir(root());
        c
    }

    /// `goalpost run` over the project's trajectories into `name`.
    fn run(&self, name: &str) -> String {
        let out = self.path(name).display().to_string();
        let traj = self.path("trajectories").display().to_string();
        let o = self.goalpost(&["run", "-q", "--out", &out, "--trajectories", &traj]);
        assert!(o.status.code() == Some(0), "{}", text(&o.stderr));
        out
    }

    fn store(&self) -> String {
        self.path("scenarios/regressions").display().to_string()
    }

    /// Entries listed by `regressions list`, which must find the store whole.
    fn entries(&self) -> usize {
        let o = goalpost(&["regressions", "list", "--store", &self.store()]);
        assert_eq!(o.status.code(), Some(0), "the store loads with no problem: {}", text(&o.stderr));
        let last = text(&o.stdout).lines().last().unwrap().to_owned();
        last.split_whitespace().next().unwrap().parse().unwrap()
    }
}

#[test]
fn promote_run_gate_loop_reopens_a_fixed_regression() {
    let p = Project::new(0);
    p.trajectory("fix-login-redirect--tampered.jsonl", "fix-login-redirect", "bad", "r43");
    let run1 = p.run("run1");
    let store = p.store();
    let o = p.goalpost(&["promote", &run1, "--store", &store]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("1 new, 1 sighting(s)"), "{}", text(&o.stdout));
    fs_err::write(p.path("scenarios/regressions/store.toml"), "fixed_after = 1\n").unwrap();
    // The regression scenario is a normal scenario: lint accepts it, run loads it.
    assert_eq!(p.goalpost(&["lint"]).status.code(), Some(0));

    // Revision r44 passes: the entry is fixed.
    fs_err::remove_file(p.path("trajectories/bad.jsonl")).unwrap();
    p.trajectory("fix-login-redirect--good.jsonl", "fix-login-redirect", "good", "r44");
    let run2 = p.run("run2");
    let o = p.goalpost(&["promote", &run2, "--store", &store]);
    assert!(text(&o.stdout).contains("1 fixed"), "{}", text(&o.stdout));
    let policy = p.path("gates.toml");
    fs_err::write(&policy, "[regressions]\nno_reopened = true\n").unwrap();
    let o = goalpost(&["gate", &run2, "--policy", policy.to_str().unwrap(), "--store", &store]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));

    // Revision r45 fails the same way again: the gate reports the regression and fails.
    p.trajectory("fix-login-redirect--tampered.jsonl", "fix-login-redirect", "relapse", "r45");
    let run3 = p.run("run3");
    let o = goalpost(&["gate", &run3, "--policy", policy.to_str().unwrap(), "--store", &store]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("re-opened: reg-fix-login-redirect-"), "{}", text(&o.stdout));
    // Promoting the run records it; the gate still calls it a re-opening of this run.
    let o = p.goalpost(&["promote", &run3, "--store", &store]);
    assert!(text(&o.stdout).contains("1 re-opened"), "{}", text(&o.stdout));
    let o = goalpost(&["gate", &run3, "--policy", policy.to_str().unwrap(), "--store", &store]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    // The golden case is still caught by the rubrics in force.
    let o = p.goalpost(&["regressions", "verify", "--store", &store]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("1 of 1 golden failure(s) still caught"));
}

#[test]
fn a_killed_promote_leaves_a_store_that_loads_and_loses_nothing() {
    let p = Project::new(40);
    let run = p.run("run");
    let store = p.store();
    let mut seen = 0;
    for delay_ms in [0u64, 5, 10, 20, 30, 45, 60, 80, 110, 150, 200, 300] {
        let mut child =
            p.command(&["promote", &run, "--store", &store]).stdout(std::process::Stdio::null()).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now = p.entries();
        assert!(now >= seen, "entries went from {seen} to {now}: something promoted was lost");
        seen = now;
        // Every entry on disk is whole: the scenarios, regression ones included, all lint clean.
        let lint = p.goalpost(&["lint"]);
        assert_eq!(lint.status.code(), Some(0), "{}", text(&lint.stderr));
    }
    let o = p.goalpost(&["promote", &run, "--store", &store]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(p.entries(), 40);
    assert_eq!(p.goalpost(&["regressions", "verify", "--store", &store]).status.code(), Some(0));
}

#[test]
fn concurrent_promotes_lose_nothing() {
    let p = Project::new(24);
    let run = p.run("run");
    // A second run with the same failures (and one more input, so another run id), seen
    // again: sightings, not new entries.
    p.trajectory("auth-latency-p95--good.jsonl", "auth-latency-p95", "extra", "r43");
    let again = p.run("again");
    let store = p.store();
    let children: Vec<_> = [&run, &again, &run, &again]
        .iter()
        .map(|r| p.command(&["promote", r, "--store", &store]).stdout(std::process::Stdio::piped()).spawn().unwrap())
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    assert_eq!(p.entries(), 24);
    // Each entry was seen once per run, however many processes promoted it.
    let list = text(&goalpost(&["regressions", "list", "--store", &store]).stdout);
    let sightings: Vec<u32> = list
        .lines()
        .filter(|l| l.starts_with("reg-"))
        .map(|l| l.split_whitespace().nth(3).unwrap().parse().unwrap())
        .collect();
    assert_eq!(sightings, vec![2; 24], "{list}");
}
