//! The report's markdown and HTML on real results with hostile strings: every string from a
//! trajectory is escaped, the figures are right, the review page marks the right steps.

mod hostile;

use hostile::{IMG, MD, SCRIPT};

/// Every review page of the hostile run, built as `goalpost report` builds them.
fn pages(dir: &std::path::Path, r: &goalpost_report::summary::Report) -> Vec<goalpost_report::page::ReviewPage> {
    let ctx = goalpost_report::page::PageContext::load(&dir.join("history/20261125T000000Z-b"), &r.run_id);
    let mut out = Vec::new();
    goalpost_report::page::for_each_page(&r.reviews, &ctx, |p| -> Result<(), ()> {
        out.push(p);
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn the_report_holds_the_right_figures_and_review_pages() {
    let dir = tempfile::tempdir().unwrap();
    let r = hostile::report(dir.path());
    // 6 examples + the hostile one (it fails forbidden commands and side effects).
    assert_eq!((r.overall.found, r.overall.passed, r.overall.failed), (7, 3, 4));
    assert_eq!(r.trend.len(), 2);
    assert_eq!(r.reviews.len(), 4);
    let pages = pages(dir.path(), &r);
    assert_eq!(pages.len(), 4);
    let evil = pages.iter().find(|p| p.review.trajectory.starts_with("evil/")).unwrap();
    assert_eq!(evil.steps_problem, None);
    let cited: Vec<u32> = evil.steps.iter().filter(|s| s.cited).map(|s| s.n).collect();
    assert!(cited.contains(&3), "the rm -rf step is cited: {cited:?}");
    assert!(evil.review.side_effects.iter().any(|s| s.contains("x.example")));
    let tampered = pages.iter().find(|p| p.review.trajectory == "fix-login-redirect/r43/tampered").unwrap();
    let first = tampered.steps.iter().find(|s| s.first_out_of_scope).map(|s| s.n);
    assert_eq!(first, tampered.review.first_out_of_scope_step);
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
    let pages = pages(dir.path(), &r);
    let evil = pages.iter().find(|p| p.review.trajectory.starts_with("evil/")).unwrap();
    assert!(
        html.contains(&format!(
            "<tr id=\"{}\"><td class=\"mono\"><a href=\"{}\">",
            evil.review.anchor, evil.review.page
        ))
    );
    let page = goalpost_report::html::review_page(evil);
    assert!(!page.contains("<script") && !page.contains("<img") && !page.contains("<svg onload"));
    assert!(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\""));
    // Step 3 (`rm -rf /`) is cited, and is where the agent first left scope: with no scenario,
    // the earlier write outside the sandbox is a review item, not a departure.
    assert!(
        page.contains("<li id=\"step-3\" class=\"step cited first-out-of-scope\"><details open>"),
        "step 3 highlighted"
    );
    assert!(page.contains("first out-of-scope step · "));
}

#[test]
fn no_control_character_from_a_trajectory_reaches_a_page_raw() {
    let dir = tempfile::tempdir().unwrap();
    let r = hostile::report(dir.path());
    let html = goalpost_report::html::render(&r);
    let md = goalpost_report::markdown::render(&r);
    let pages = pages(dir.path(), &r);
    let evil = pages.iter().find(|p| p.review.trajectory.starts_with("evil/")).unwrap();
    let page = goalpost_report::html::review_page(evil);
    for (name, text) in [("report.html", &html), ("summary.md", &md), ("review page", &page)] {
        let raw: Vec<char> = text.chars().filter(|c| goalpost_trajectory::text::is_hidden(*c)).collect();
        assert!(raw.is_empty(), "{name} carries {raw:?}");
    }
    // The reviewer still sees that they were there.
    assert!(page.contains("\\u{1b}[2J\\u{7}\\u{9b}31m\\u{d}\\u{202e}gnp.exe"), "the command is shown with its escapes");
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

// The same checks on a report written out by hand, with a hostile string in every field.

mod common;

use std::collections::BTreeSet;

use goalpost_report::{html, markdown};

/// The part of `html` from the first occurrence of `start` to the next `end`, inclusive.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let a = html.find(start).unwrap_or_else(|| panic!("{start:?} not found"));
    let b = html[a..].find(end).unwrap_or_else(|| panic!("{end:?} not found after {start:?}"));
    &html[a..a + b + end.len()]
}

fn chart<'a>(html: &'a str, id: &str) -> &'a str {
    between(html, &format!("<svg class=\"chart\" id=\"{id}\""), "</svg>")
}

fn attr<'a>(t: &'a common::Tag, name: &str) -> Option<&'a str> {
    t.attrs.iter().find(|(a, _)| a == name).map(|(_, v)| v.as_str())
}

/// The `(x, y)` pairs of the chart's polyline.
fn polyline(svg: &str) -> Vec<(f64, f64)> {
    let tags = common::start_tags(svg);
    let lines: Vec<&common::Tag> = tags.iter().filter(|t| t.name == "polyline").collect();
    assert_eq!(lines.len(), 1, "one polyline");
    attr(lines[0], "points")
        .unwrap()
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

fn count(svg: &str, element: &str) -> usize {
    common::start_tags(svg).iter().filter(|t| t.name == element).count()
}

#[test]
fn html_of_a_hostile_report_holds_only_its_own_markup() {
    let html = html::render(&common::report());
    assert!(html.starts_with("<!DOCTYPE html>"));
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "no script element, injected or ours");
    assert!(!lower.contains("<img") && !lower.contains("<svg onload"), "no injected element");
    assert!(
        html.contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        ),
        "CSP"
    );
    // Every element and attribute is ours: no handler, no injected element, no link off the page.
    common::assert_only_our_markup(&html);
    assert_eq!(count(&html, "svg"), 2, "the two charts and no injected <svg>");
    // No network: nothing to fetch in the CSS either.
    assert!(!lower.contains("url(") && !lower.contains("@import"));
    // The hostile text is shown, escaped.
    assert!(html.contains("&lt;script&gt;document.body.setAttribute('data-pwned','1')&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=&quot;document.body.setAttribute"));
    assert!(html.contains("&quot;&gt;&lt;svg onload=alert(1)&gt;"));
    assert!(html.contains("| col | [link](javascript:alert(1)) **bold**"), "markdown is plain text in HTML");
    assert!(html.contains("../../etc/passwd"));
}

#[test]
fn html_shows_the_figures_formatted() {
    let html = html::render(&common::report());
    assert!(html.contains(&format!("<title>goalpost report {}</title>", common::RUN_ID)));
    assert!(html.contains("started 2026-11-25T02:00:00Z"));
    // found, passed, failed, review, incomplete, unassessed, errored; 3 of 6 with its Wilson
    // interval; mean score; total cost.
    let overall = "<td class=\"num\">6</td><td class=\"num\">3</td><td class=\"num\">1</td><td class=\"num\">0</td>\
                   <td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">50.0% <span class=\"muted\">[18.8%, 81.2%]</span></td>\
                   <td class=\"num\">0.814</td><td class=\"num\">$1.23</td>";
    assert!(html.contains(overall), "overall row");
    assert!(html.contains("Cost per solved task: <strong>$0.41</strong>"));
    assert!(html.contains("tokens: 123,456"));
    // Below a cent, four decimals; a missing cost is a dash.
    let hostile_scenario = between(&html, "<td class=\"mono\">| col |", "</tr>");
    assert!(hostile_scenario.ends_with("<td class=\"num\">0.500</td><td class=\"num\">$0.0045</td></tr>"));
    let auth = between(&html, "<td class=\"mono\">auth</td>", "</tr>");
    assert!(auth.ends_with("<td class=\"num\">–</td></tr>"), "{auth}");
    // By criterion: 4 of 5 scored, gating; nothing scored is a dash.
    let scope = between(&html, "<td class=\"mono\">scope</td>", "</tr>");
    assert!(scope.contains("<td>yes</td>") && scope.ends_with("<td class=\"num\">80.0%</td></tr>"), "{scope}");
    let custom = between(&html, "<td class=\"mono\">custom &lt;script&gt;", "</tr>");
    assert!(custom.contains("<td>no</td>") && custom.ends_with("<td class=\"num\">–</td></tr>"), "{custom}");
    // The error row: file, line, field, message.
    let error = between(&html, "<td class=\"mono\">../../etc/passwd/&lt;img", "</tr>");
    assert!(error.contains(
        "<td class=\"num\">12</td><td class=\"mono\">header.agent&quot;&gt;&lt;svg onload=alert(1)&gt;</td>"
    ));
    assert!(error.contains("expected a string | col |"));
    // The failure of scope: its evidence and the link to its review.
    let failures = between(&html, "Failures by criterion", "</table>");
    assert!(failures.contains("(gating) — 1 failure(s)"));
    assert!(failures.contains("<a href=\"review/1.html\">evil/&lt;script&gt;"));
    assert!(failures.contains("<td>3, 7</td>"));
}

#[test]
fn html_trend_charts_draw_every_run() {
    let html = html::render(&common::report());
    let pass = chart(&html, "trend-pass-rate");
    assert!(pass.contains("><title>Pass rate over the last 3 run(s)"), "title first");
    // One point per run; y is linear in the pass rate (0.4, 0.6, 0.5) and grows downwards.
    let points = polyline(pass);
    assert_eq!(points.len(), 3);
    assert_eq!(count(pass, "circle"), 3);
    let (y0, y1, y2) = (points[0].1, points[1].1, points[2].1);
    assert!(y1 < y2 && y2 < y0, "{points:?}");
    assert!((y2 - (y0 + y1) / 2.0).abs() < 0.11, "{points:?}");
    assert!(points[0].0 < points[1].0 && points[1].0 < points[2].0);
    for label in [">0%<", ">50%<", ">100%<", ">pass rate<", ">run, oldest to newest<"] {
        assert!(pass.contains(label), "axis label {label}");
    }
    // Run ids are escaped in labels and titles.
    assert!(pass.contains("<title>20261123T020000Z-&lt;script&gt;"));
    assert!(pass.contains(">20261123T020000Z<") && pass.contains(">20261125T020000Z<"));

    // A bar per run with a cost: the second run has none; the taller bar is the costlier run.
    let cost = chart(&html, "trend-cost");
    assert!(cost.contains("><title>Cost per run over the last 3 run(s)"));
    let tags = common::start_tags(cost);
    let bars: Vec<&common::Tag> = tags.iter().filter(|t| t.name == "rect").collect();
    assert_eq!(bars.len(), 2);
    let height = |t: &common::Tag| attr(t, "height").unwrap().parse::<f64>().unwrap();
    let x = |t: &common::Tag| attr(t, "x").unwrap().parse::<f64>().unwrap();
    assert!(height(bars[1]) > height(bars[0]) && x(bars[1]) > x(bars[0]));
    assert!((height(bars[0]) / height(bars[1]) - 0.9 / 1.2345).abs() < 0.01);
    assert!(cost.contains("$1.2345") || cost.contains("$1.23"));
    assert!(cost.contains(">$0.00<") && cost.contains(">cost (USD)<"));
}

#[test]
fn a_trend_of_one_run_still_draws_its_point_and_bar() {
    let mut r = common::report();
    r.trend.drain(..2);
    let html = html::render(&r);
    let pass = chart(&html, "trend-pass-rate");
    assert_eq!(polyline(pass).len(), 1);
    assert_eq!(count(pass, "circle"), 1);
    assert_eq!(count(chart(&html, "trend-cost"), "rect"), 1);

    // No trend at all: empty charts, and still no panic.
    r.trend.clear();
    let html = html::render(&r);
    assert_eq!(count(chart(&html, "trend-pass-rate"), "circle"), 0);
    assert_eq!(count(chart(&html, "trend-cost"), "rect"), 0);
}

#[test]
fn the_review_marks_the_cited_steps_and_the_first_out_of_scope_step() {
    let review = html::review_page(&common::page());
    common::assert_only_our_markup(&review);
    let mut shown = Vec::new();
    let (mut cited, mut first, mut open) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let tags = common::start_tags(&review);
    assert_eq!(tags.iter().filter(|t| t.name == "ol" && attr(t, "class") == Some("steps")).count(), 1);
    let mut last_step = None;
    for t in &tags {
        if t.name == "li" && attr(t, "class").is_some_and(|c| c.starts_with("step")) {
            let n: u32 = attr(t, "id").unwrap().strip_prefix("step-").unwrap().parse().unwrap();
            let classes: Vec<&str> = attr(t, "class").unwrap().split_whitespace().collect();
            shown.push(n);
            last_step = Some(n);
            if classes.contains(&"cited") {
                cited.insert(n);
            }
            if classes.contains(&"first-out-of-scope") {
                first.insert(n);
            }
        }
        if t.name == "details" && attr(t, "open").is_some() {
            open.extend(last_step);
        }
    }
    assert_eq!(shown, [1, 2, 3, 4, 6, 7, 8]);
    assert_eq!(cited, BTreeSet::from([3, 7]));
    assert_eq!(first, BTreeSet::from([6]));
    assert_eq!(open, BTreeSet::from([3, 6, 7]), "cited and first out-of-scope steps are open, others closed");
    let step6 = between(&review, "id=\"step-6\"", "</li>");
    assert!(step6.contains("first out-of-scope step"), "{step6}");
    assert!(!between(&review, "id=\"step-3\"", "</li>").contains("first out-of-scope step"));
    assert!(review.contains("2 step(s) not shown"));
    // Header facts, criteria with evidence linked, side effects; all escaped.
    for fact in [
        "evil/&lt;script&gt;",
        "model | col | [link](javascript:alert(1)) **bold**",
        "../../etc/passwd/| col |",
        "score 0.250",
        "$0.0042 · 1,200 tokens · 42 s",
        "left scope at step 6: wrote ../../etc/passwd &quot;&gt;&lt;svg onload=alert(1)&gt;",
        "evidence: step <a href=\"#step-3\">3</a>, <a href=\"#step-7\">7</a>",
        "network_write https://x.example/&lt;script&gt;",
        "rm -rf / # &lt;img src=x",
        "no scenario: the objective was not assessed",
    ] {
        assert!(review.contains(fact), "{fact}");
    }
    // A step's further lines are in its block, kept as lines (the CSS wraps them).
    assert!(review.contains("<span>  second line | col |"));
    assert!(review.contains("white-space: pre-wrap") && review.contains("overflow-wrap: anywhere"));
}

#[test]
fn a_review_without_steps_says_why() {
    let mut p = common::page();
    p.steps.clear();
    p.steps_elided = 0;
    p.steps_problem = Some(format!("{}: changed since the run {}", common::PATH, common::IMG));
    let html = html::review_page(&p);
    common::assert_only_our_markup(&html);
    assert!(html.contains("../../etc/passwd: changed since the run &lt;img src=x onerror=&quot;"));
    assert!(!html.contains("steps not shown"));
}

#[test]
fn anchors_are_escaped_too() {
    let mut r = common::report();
    let anchor = "x\" onmouseover=\"document.body.setAttribute('data-pwned','4')\" y=\"";
    r.reviews[0].anchor = anchor.into();
    r.reviews[0].page = anchor.into();
    r.failures[0].failures[0].review = Some(anchor.into());
    let html = html::render(&r);
    let escaped = "x&quot; onmouseover=&quot;document.body.setAttribute('data-pwned','4')&quot; y=&quot;";
    assert!(html.contains(&format!("<tr id=\"{escaped}\">")));
    assert!(html.contains(&format!("href=\"{escaped}\"")));
    assert!(!html.contains("onmouseover=\""));
}

/// Pipes that split cells: those not escaped by an odd run of backslashes.
fn live_pipes(line: &str) -> usize {
    let b = line.as_bytes();
    (0..b.len()).filter(|&i| b[i] == b'|' && b[..i].iter().rev().take_while(|&&c| c == b'\\').count() % 2 == 0).count()
}

#[test]
fn markdown_tables_keep_their_columns_whatever_the_cells_hold() {
    let md = markdown::render(&common::report());
    let mut tables = 0;
    let mut rows = 0;
    let mut header: Option<usize> = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            header = None;
            continue;
        }
        let pipes = live_pipes(line);
        match header {
            None => {
                header = Some(pipes);
                tables += 1;
            }
            Some(w) => {
                assert_eq!(pipes, w, "row with {pipes} cell borders under a header with {w}: {line}");
                rows += 1;
            }
        }
    }
    // Scenario, agent, tag, criterion, errors, trend.
    assert_eq!(tables, 6, "{md}");
    // Separators, and 2 + 1 + 2 + 2 + 1 + 3 rows.
    assert_eq!(rows, 6 + 11, "{md}");
    // The error message's line break did not start a row of its own.
    assert!(md.lines().all(|l| !l.trim_start().starts_with("\\| injected") && !l.starts_with("| injected")));
    assert_eq!(live_pipes("a\\\\|b\\|c"), 1);
}

#[test]
fn markdown_carries_no_live_markup_or_links() {
    let md = markdown::render(&common::report());
    assert!(!md.contains('<'), "no raw HTML at all: {md}");
    assert!(!md.contains("](") && !md.contains("javascript:"), "no live link");
    assert!(!md.contains("**bold**"));
    assert!(md.contains("\\[link\\]\\(javascript\\:alert\\(1\\)\\) \\*\\*bold\\*\\*"));
    assert!(md.contains("&lt;script&gt;document\\.body\\.setAttribute\\(\\'data\\-pwned\\'"));
    // Lines from hostile strings never start a heading, quote or list of their own.
    for line in md.lines() {
        let ours = ["# goalpost run ", "## ", "### ", "> ", "- ", "| ", "|---", "**", "Review pages are beside"];
        assert!(line.is_empty() || ours.iter().any(|p| line.starts_with(p)), "{line}");
    }
}

#[test]
fn markdown_shows_the_figures_and_the_failed_trajectories() {
    let md = markdown::render(&common::report());
    for s in [
        "# goalpost run 20261125T020000Z\\-nightly",
        "**3** of **6** trajectories passed (50.0% [18.8%, 81.2%], Wilson 95%); 1 failed, 0 await review, 1 incomplete, 1 errored.",
        "Mean score 0.814. Cost $1.23 ($0.41 per solved task), 123456 tokens.",
        "| 33.3% [6.1%, 79.2%] | 0.500 | $0.0045 |",
        "| scope | yes | 4 | 1 | 0 | 0 | 1 | 80.0% |",
        "| 0 | 0 | 0 | 5 | 1 | – |",
        "### scope (gating) — 1 failure(s)",
        ", steps 3, 7: left scope at step 6",
        "| 12 | header\\.agent\\\"&gt;&lt;svg onload\\=alert\\(1\\)&gt; |",
        "## Trend (last 3 run(s), oldest first)",
        "| 20261125T020000Z\\-nightly | 2026\\-11\\-25T02\\:00\\:00Z | 6 | 3 | 50.0% | $1.23 |",
        "| 5 | 3 | 60.0% | – |",
        "## Failed and review trajectories",
        "scope (gating) at step(s) 3, 7; first out-of-scope step 6",
        "> history\\: \\.\\./\\.\\./etc/passwd/&lt;script&gt;",
    ] {
        assert!(md.contains(s), "{s:?} not in\n{md}");
    }
}

#[test]
fn escape_makes_untrusted_text_inert() {
    use markdown::escape;
    assert_eq!(escape("a|b <c> [d](e) `f`\nnext"), "a\\|b &lt;c&gt; \\[d\\]\\(e\\) \\`f\\` next");
    for c in "\\`*_{}[]()#+-.!|~".chars() {
        assert_eq!(escape(&c.to_string()), format!("\\{c}"), "{c}");
    }
    // A backslash before a pipe stays a backslash, and the pipe stays escaped.
    assert_eq!(escape(common::BACKSLASH_PIPE), "a\\\\\\|b");
    assert_eq!(escape("<>&amp;"), "&lt;&gt;&amp;amp;");
    assert_eq!(escape("x\r\ny\tz"), "x  y z");
    // Shown, not acted on and not hidden: a reviewer sees the agent printed a bell.
    assert_eq!(escape("bell\u{7}\u{202e}"), "bell\\u{7}\\u{202e}");
    assert_eq!(escape(&"a".repeat(300)), "a".repeat(300));
    assert_eq!(escape(&"a".repeat(1000)), "a".repeat(300) + "…");
    assert_eq!(escape(&"é".repeat(400)), "é".repeat(300) + "…");
}
