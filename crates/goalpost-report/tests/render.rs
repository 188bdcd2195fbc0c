//! The report's markdown and HTML on real results with hostile strings: every string from a
//! trajectory is escaped, the figures are right, the review page marks the right steps.

mod hostile;

use hostile::{IMG, MD, SCRIPT};

#[test]
fn the_report_holds_the_right_figures_and_review_pages() {
    let dir = tempfile::tempdir().unwrap();
    let r = hostile::report(dir.path());
    // 6 examples + the hostile one (it fails forbidden commands and side effects).
    assert_eq!((r.overall.found, r.overall.passed, r.overall.failed), (7, 3, 4));
    assert_eq!(r.trend.len(), 2);
    assert_eq!(r.reviews.len(), 4);
    let evil = r.reviews.iter().find(|v| v.trajectory.starts_with("evil/")).unwrap();
    let cited: Vec<u32> = evil.steps.iter().filter(|s| s.cited).map(|s| s.n).collect();
    assert!(cited.contains(&3), "the rm -rf step is cited: {cited:?}");
    assert!(evil.side_effects.iter().any(|s| s.contains("x.example")));
    let tampered = r.reviews.iter().find(|v| v.trajectory == "fix-login-redirect/r43/tampered").unwrap();
    let first = tampered.steps.iter().find(|s| s.first_out_of_scope).map(|s| s.n);
    assert_eq!(first, tampered.first_out_of_scope_step);
    assert!(first.is_some());
    // Cost per solved task: total cost over the 3 passes.
    let cost = r.overall.cost_usd.unwrap();
    assert!((r.cost_per_solved.unwrap() - cost / 3.0).abs() < 1e-12);
}

#[test]
fn html_escapes_everything_from_the_trajectory() {
    let dir = tempfile::tempdir().unwrap();
    let r = hostile::report(dir.path());
    let html = goalpost_report::html::render(&r);
    assert!(!html.contains("<script"), "no script element, injected or ours");
    assert!(!html.contains("<img"), "no injected element");
    assert!(!html.contains("<svg onload"));
    assert!(html.contains("&lt;script&gt;document.body.setAttribute"), "the text is shown, escaped");
    assert!(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\""));
    assert!(html.contains("id=\"trend-pass-rate\"") && html.contains("<polyline"));
    assert!(html.contains("id=\"trend-cost\"") && html.contains("<rect"));
    let evil = r.reviews.iter().find(|v| v.trajectory.starts_with("evil/")).unwrap();
    assert!(html.contains(&format!("<section class=\"review\" id=\"{}\"", evil.anchor)));
    assert!(html.contains("class=\"step cited\" value=\"3\""), "step 3 highlighted");
    assert!(html.contains("first out-of-scope step · "));
}

#[test]
fn markdown_escapes_everything_and_keeps_tables_whole() {
    let dir = tempfile::tempdir().unwrap();
    let r = hostile::report(dir.path());
    let md = goalpost_report::markdown::render(&r);
    assert!(!md.contains("<script") && !md.contains("<img"), "no raw markup");
    assert!(!md.contains("](javascript:"), "no live link");
    assert!(!md.contains(SCRIPT) && !md.contains(IMG) && !md.contains(MD));
    // Every row of every table has as many unescaped pipes as its header.
    let mut width = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            width = None;
            continue;
        }
        let bytes = line.as_bytes();
        let pipes = (0..bytes.len()).filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\')).count();
        match width {
            None => width = Some(pipes),
            Some(w) => assert_eq!(pipes, w, "{line}"),
        }
    }
    let escaped = goalpost_report::markdown::escape("a|b <c> [d](e) `f`\nnext");
    assert_eq!(escaped, "a\\|b &lt;c&gt; \\[d\\]\\(e\\) \\`f\\` next");
}
