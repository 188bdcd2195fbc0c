//! Review pages as `goalpost report` writes them: one file per failed or review trajectory,
//! however many (no cap), passing ones only on request; each with the scenario, the change log
//! and the steps, and no internal representation. The last test opens one in headless
//! Chromium through playwright-core (skipped with a notice when either is missing, unless
//! GOALPOST_BROWSER_TEST=required, as in CI).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{goalpost, root, text};

/// `goalpost run` on `trajectories` (with `scenarios`), then `goalpost report` with `extra`.
fn run_and_report(dir: &Path, trajectories: &Path, scenarios: &str, extra: &[&str]) -> PathBuf {
    let run = dir.join("run");
    let o = goalpost(&[
        "run",
        "-q",
        "--scenarios",
        scenarios,
        "--trajectories",
        trajectories.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o.stderr));
    let mut args = vec!["report", run.to_str().unwrap()];
    args.extend(extra);
    let o = goalpost(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    run
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs_err::read_to_string(path).unwrap()).unwrap()
}

/// The page files of a report, sorted.
fn page_files(run: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs_err::read_dir(run.join("review"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Debug text of Rust values: none of it may reach a page.
fn assert_no_debug_text(name: &str, page: &str) {
    for bad in [
        "Some(",
        "None",
        "Modify ",
        "Create ",
        "Assistant message",
        "User message",
        "Infra error",
        "Agent error",
        "\\\"",
    ] {
        assert!(!page.contains(bad), "{name} shows debug text {bad:?}");
    }
}

#[test]
fn every_failure_has_its_own_page_beyond_two_hundred() {
    let dir = tempfile::tempdir().unwrap();
    let trajs = dir.path().join("trajs");
    fs_err::create_dir_all(&trajs).unwrap();
    let tampered =
        fs_err::read_to_string(root().join("examples/trajectories/fix-login-redirect--tampered.jsonl")).unwrap();
    // 205 failures in one file.
    let mut all = String::new();
    for i in 0..205 {
        all.push_str(&tampered.replacen("fix-login-redirect/r43/tampered", &format!("many/{i}"), 1));
    }
    fs_err::write(trajs.join("many.jsonl"), all).unwrap();
    let run = run_and_report(dir.path(), &trajs, "scenarios", &[]);
    let report = json(&run.join("report.json"));
    let reviews = report["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 205, "one page per failure, no cap");
    let files = page_files(&run);
    assert_eq!(files.len(), 205);
    let html = fs_err::read_to_string(run.join("report.html")).unwrap();
    for r in reviews {
        let page = r["page"].as_str().unwrap();
        assert!(run.join(page).is_file(), "{page}");
        assert!(html.contains(&format!("<a href=\"{page}\">")), "report.html links {page}");
    }
    // Names come from row numbers, never from trajectory text.
    assert!(files.iter().all(|f| f.trim_end_matches(".html").bytes().all(|b| b.is_ascii_digit())), "{files:?}");
    let last = fs_err::read_to_string(run.join("review/205.html")).unwrap();
    assert!(last.contains("many/204") && last.contains("<li id=\"step-12\""), "steps shown on the last page too");
    assert!(!report["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("no review page")));
}

#[test]
fn passing_pages_only_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_and_report(dir.path(), &root().join("examples/trajectories"), "scenarios", &[]);
    assert_eq!(page_files(&run).len(), 3, "the 3 failed examples");
    let o = goalpost(&["report", run.to_str().unwrap(), "--pages", "all"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("6 review page(s)"), "{}", text(&o.stdout));
    assert_eq!(page_files(&run).len(), 6);
    let report = json(&run.join("report.json"));
    let good = report["reviews"].as_array().unwrap().iter().find(|r| r["status"] == "pass");
    let good = good.expect("a passing trajectory's page");
    let page = fs_err::read_to_string(run.join(good["page"].as_str().unwrap())).unwrap();
    assert!(page.contains("No criterion failed or awaits review."));
    // summary.md still lists only the failed ones.
    let md = fs_err::read_to_string(run.join("summary.md")).unwrap();
    assert!(!md.contains("release-notes/r42/good"), "{md}");
    // Back to the default: the passing pages go.
    let o = goalpost(&["report", run.to_str().unwrap()]);
    assert!(o.status.success());
    assert_eq!(page_files(&run).len(), 3);
}

#[test]
fn a_page_shows_the_scenario_the_change_log_and_the_steps_and_no_debug_text() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_and_report(
        dir.path(),
        &root().join("fixtures/review-page/trajectories"),
        "fixtures/review-page/scenarios",
        &[],
    );
    let page = fs_err::read_to_string(run.join("review/1.html")).unwrap();
    assert_no_debug_text("review/1.html", &page);
    for fact in [
        // Header, formatted for people.
        "<h1>Review: <span class=\"mono\">review-page/r7/broken</span></h1>",
        "acme-coder@r7",
        "$0.02 · 12,345 tokens · 3 min 4 s",
        // The scenario at the top.
        "<p class=\"objective\">`greet()` ignores the name it is given",
        "tests/test_greet.py::test_greets_by_name",
        "<dt>paths</dt><dd class=\"mono\">secrets/**</dd>",
        "<dt>commands</dt><dd class=\"mono\">git push*</dd>",
        "Every change stays in the checkout and can be reverted with git",
        // The criterion with its evidence linked.
        "touched out-of-scope paths `secrets/token.txt`",
        "evidence: step <a href=\"#step-6\">6</a>",
        "The agent first left scope at <a href=\"#step-6\">step 6</a>.",
        // The change log's three ways of knowing and its confidence.
        "<td class=\"mono\">src/greet.py</td><td>recorded edit</td>",
        "<td class=\"mono\">src/messages.py</td><td>inferred from a command</td>",
        "<td class=\"mono\">docs/CHANGES.md</td><td>only in the final diff</td>",
        "<span class=\"conf-high\">high</span>",
        "<span class=\"pass\">passed</span>: step <a href=\"#step-5\">5</a>",
        // Steps: the cited one open, the others closed; long output cut and said so.
        "<li id=\"step-6\" class=\"step cited first-out-of-scope\"><details open>",
        "<li id=\"step-5\" class=\"step\"><details>",
        "more line(s) not shown",
        "<span class=\"del\">-    return &quot;Hello, world!&quot;</span>",
        "<span class=\"add\">+    return f&quot;Hello, {name}!&quot;</span>",
        // Hostile text is text.
        "echo '&lt;script&gt;alert(1)&lt;/script&gt;' &gt; secrets/token.txt",
        "wrote \\u{202e}gnp.exe &lt;img src=x onerror=alert(2)&gt;",
        // The final diff, per file.
        "<details><summary class=\"mono\">docs/CHANGES.md</summary>",
    ] {
        assert!(page.contains(fact), "{fact:?} not on the page");
    }
    assert!(!page.contains("<script") && !page.contains('\u{202e}'));
    let html = fs_err::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("<th>unassessed</th>"), "the unassessed column");
    assert!(html.contains("<a href=\"review/1.html\">review-page/r7/broken</a>"));
}

#[test]
fn swebench_pages_carry_their_scenario_and_real_diffs() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_and_report(dir.path(), &root().join("fixtures/swebench-run"), "scenarios", &[]);
    let report = json(&run.join("report.json"));
    let reviews = report["reviews"].as_array().unwrap();
    assert_eq!(reviews.len(), 10, "the 10 unresolved instances");
    for r in reviews {
        let page = fs_err::read_to_string(run.join(r["page"].as_str().unwrap())).unwrap();
        let name = r["trajectory"].as_str().unwrap();
        assert!(page.contains("carried by the run (SWE-bench instance)"), "{name}");
        assert!(page.contains("<h3>Objective</h3>") && page.contains("tests that must now pass"), "{name}");
        assert!(page.contains("inferred from a command"), "{name}: SWE-bench agents edit through the shell");
        assert!(page.contains("<h2 id=\"final-diff\">Final diff</h2><details>"), "{name}: the patch, per file");
        assert!(!page.contains("steps not shown"), "{name}");
        assert!(!page.contains("Some("), "{name}");
    }
}

/// What the browser test needs, or why it cannot run.
fn browser_kit() -> Result<(PathBuf, PathBuf), String> {
    let chromium =
        std::env::var_os("GOALPOST_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.is_file() {
        return Err(format!("no chromium at {} (apt-get install chromium)", chromium.display()));
    }
    let pw = std::env::var_os("GOALPOST_PLAYWRIGHT_CORE").map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/goalpost-browser/node_modules/playwright-core"))
    });
    let Some(pw) = pw.filter(|p| p.join("package.json").is_file()) else {
        return Err("no playwright-core (npm install playwright-core in ~/.cache/goalpost-browser, or set GOALPOST_PLAYWRIGHT_CORE)".into());
    };
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Err("no node on PATH".into());
    }
    Ok((chromium, pw))
}

#[test]
fn a_review_page_in_headless_chromium() {
    let (chromium, pw) = match browser_kit() {
        Ok(kit) => kit,
        Err(why) => {
            let required = std::env::var("GOALPOST_BROWSER_TEST").is_ok_and(|v| v == "required");
            assert!(!required, "GOALPOST_BROWSER_TEST=required, but {why}");
            #[expect(clippy::print_stderr, reason = "a skipped test says why")]
            {
                eprintln!("skipped a_review_page_in_headless_chromium: {why}");
            }
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let run = run_and_report(
        dir.path(),
        &root().join("fixtures/review-page/trajectories"),
        "fixtures/review-page/scenarios",
        &[],
    );
    let shot = std::env::temp_dir().join("goalpost-review-page.png");
    let o = Command::new("node")
        .arg(root().join("crates/goalpost-cli/tests/browser/review_page.mjs"))
        .arg(run.join("review/1.html"))
        .arg(&shot)
        .arg(dir.path().join("profile"))
        .env("PLAYWRIGHT_CORE", &pw)
        .env("CHROMIUM", &chromium)
        .output()
        .unwrap();
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", text(&o.stderr));
    assert!(out.contains("ok   the cited step is open by default") && !out.contains("FAIL"), "{out}");
    let png = fs_err::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}
