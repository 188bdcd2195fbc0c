//! A `Report` written out by hand: 6 trajectories over 2 scenarios, one failure of `scope`
//! citing steps 3 and 7, one input that could not be graded, a trend of 3 runs, and a hostile
//! string in every field a trajectory (or a file name) can reach. Shared by `render` and
//! `browser`.
#![allow(dead_code)]

use goalpost_report::page::{Block, ReviewPage, ScenarioView, StepView};
use goalpost_report::review::{FailedCriterion, Review};
use goalpost_report::stats;
use goalpost_report::summary::{
    Counts, CriterionCounts, ErrorEntry, Failure, FailureGroup, Group, Report, TrendPoint, Z95,
};

pub(crate) const SCRIPT: &str = "<script>document.body.setAttribute('data-pwned','1')</script>";
pub(crate) const IMG: &str = "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">";
pub(crate) const SVG: &str = "\"><svg onload=alert(1)>";
/// Like [`SVG`], but it would leave a trace in the DOM if it ran.
pub(crate) const SVG_PWN: &str = "'\"><svg onload=\"document.body.setAttribute('data-pwned','3')\">";
pub(crate) const MD: &str = "| col | [link](javascript:alert(1)) **bold**";
pub(crate) const PATH: &str = "../../etc/passwd";
/// A backslash before a pipe: an escaper that forgets the backslash leaves `\\|`, an escaped
/// backslash followed by a live pipe.
pub(crate) const BACKSLASH_PIPE: &str = "a\\|b";

/// The failed trajectory's id.
pub(crate) fn trajectory_id() -> String {
    format!("evil/{SCRIPT}{IMG}")
}

pub(crate) const RUN_ID: &str = "20261125T020000Z-nightly";

fn counts(
    passed: u64,
    failed: u64,
    incomplete: u64,
    errored: u64,
    mean_score: Option<f64>,
    cost: Option<(f64, u64)>,
    tokens: Option<u64>,
) -> Counts {
    let found = passed + failed + incomplete + errored;
    Counts {
        found,
        passed,
        failed,
        review: 0,
        incomplete,
        errored,
        unassessed: 0,
        decided: 0,
        overturned: 0,
        pass_rate: passed as f64 / found as f64,
        pass_ci: stats::wilson(passed, found, Z95),
        mean_score,
        cost_usd: cost.map(|c| c.0),
        cost_reported: cost.map_or(0, |c| c.1),
        cost_estimated: 0,
        tokens,
    }
}

fn step(n: u32, kind: &'static str, text: String) -> StepView {
    let mut lines = text.lines();
    let headline = lines.next().unwrap_or_default().to_owned();
    let rest: Vec<String> = lines.map(str::to_owned).collect();
    let blocks =
        if rest.is_empty() { vec![] } else { vec![Block { label: "output", lines: rest, more_lines: 0, diff: false }] };
    StepView {
        n,
        elapsed_s: Some(f64::from(n) * 1.5),
        kind,
        headline,
        facts: vec![],
        blocks,
        cited: n == 3 || n == 7,
        first_out_of_scope: n == 6,
    }
}

/// The review page of the hostile report's failed trajectory: steps 5 and 9 elided, no
/// scenario.
pub(crate) fn page() -> ReviewPage {
    ReviewPage {
        run_id: RUN_ID.into(),
        review: report().reviews.remove(0),
        scenario: ScenarioView::Missing("no scenario: the objective was not assessed".into()),
        changes: None,
        steps: vec![
            step(1, "message", format!("user: do it {SCRIPT}")),
            step(2, "command", format!("cat {PATH}")),
            step(3, "command", format!("rm -rf / # {IMG}\n  second line {MD}")),
            step(4, "file edit", format!("src/{SVG}.rs")),
            step(6, "file edit", format!("{PATH} {SVG_PWN}")),
            step(7, "side effect", format!("network_write https://x.example/{SCRIPT}")),
            step(8, "message", format!("assistant: done {BACKSLASH_PIPE} {}", "x".repeat(400))),
        ],
        steps_elided: 2,
        steps_problem: None,
        final_step: None,
        step_count: 9,
        exit_status: None,
        final_diff: vec![],
    }
}

/// The hostile report. Overall: 6 found, 3 passed, 1 failed, 1 incomplete, 1 errored (50.0%,
/// Wilson [18.8%, 81.2%]), mean score 0.814, cost $1.2345 ($1.23; $0.41 per solved task).
pub(crate) fn report() -> Report {
    let id = trajectory_id();
    let scope_message = format!("left scope at step 6: wrote {PATH} {SVG}");
    Report {
        run_id: RUN_ID.into(),
        started_at: "2026-11-25T02:00:00Z".into(),
        overall: counts(3, 1, 1, 1, Some(0.8137), Some((1.2345, 5)), Some(123_456)),
        cost_per_solved: Some(1.2345 / 3.0),
        by_scenario: vec![
            Group {
                key: "fix-login-redirect".into(),
                counts: counts(2, 0, 1, 0, Some(0.95), Some((1.23, 3)), Some(100_000)),
            },
            // A scenario named by the trajectory's header.
            Group { key: MD.into(), counts: counts(1, 1, 0, 1, Some(0.5), Some((0.0045, 2)), Some(23_456)) },
        ],
        by_agent: vec![Group {
            key: format!("agent{SVG_PWN}@r1"),
            counts: counts(3, 1, 1, 1, Some(0.8137), Some((1.2345, 5)), Some(123_456)),
        }],
        by_team: Vec::new(),
        by_tag: vec![
            Group { key: "auth".into(), counts: counts(2, 0, 1, 0, Some(0.95), None, None) },
            Group {
                key: format!("{PATH} {BACKSLASH_PIPE}"),
                counts: counts(1, 1, 0, 1, None, Some((0.0045, 2)), None),
            },
        ],
        by_criterion: vec![
            CriterionCounts {
                criterion: "scope".into(),
                gating: true,
                pass: 4,
                fail: 1,
                review: 0,
                not_applicable: 0,
                unscored: 1,
                pass_rate: Some(0.8),
            },
            CriterionCounts {
                criterion: format!("custom {SCRIPT}"),
                gating: false,
                pass: 0,
                fail: 0,
                review: 0,
                not_applicable: 5,
                unscored: 1,
                pass_rate: None,
            },
        ],
        failures: vec![FailureGroup {
            criterion: "scope".into(),
            gating: true,
            failures: vec![Failure {
                trajectory: id.clone(),
                scenario: Some(MD.into()),
                agent: format!("agent{SVG_PWN}@r1"),
                file: format!("{PATH}/{MD}.jsonl"),
                message: scope_message.clone(),
                evidence: vec![3, 7],
                review: Some("review-1".into()),
            }],
        }],
        unassessed: Vec::new(),
        decisions: Vec::new(),
        errors: vec![ErrorEntry {
            file: format!("{PATH}/{IMG}.jsonl"),
            line: Some(12),
            field: Some(format!("header.agent{SVG}")),
            trajectory: Some(SCRIPT.into()),
            message: format!("expected a string {MD}\n| injected | row | {BACKSLASH_PIPE} |"),
        }],
        trend: vec![
            TrendPoint {
                run_id: format!("20261123T020000Z-{SCRIPT}"),
                started_at: "2026-11-23T02:00:00Z".into(),
                found: 5,
                assessed: 5,
                passed: 2,
                pass_rate: 0.4,
                cost_usd: Some(0.9),
            },
            TrendPoint {
                run_id: format!("20261124T020000Z-{IMG}"),
                started_at: "2026-11-24T02:00:00Z".into(),
                found: 5,
                assessed: 5,
                passed: 3,
                pass_rate: 0.6,
                cost_usd: None,
            },
            TrendPoint {
                run_id: RUN_ID.into(),
                started_at: "2026-11-25T02:00:00Z".into(),
                found: 6,
                assessed: 6,
                passed: 3,
                pass_rate: 0.5,
                cost_usd: Some(1.2345),
            },
        ],
        reviews: vec![Review {
            anchor: "review-1".into(),
            page: "review/1.html".into(),
            trajectory: id,
            scenario: Some(MD.into()),
            agent: format!("agent{SVG_PWN}@r1"),
            model: Some(format!("model {MD}")),
            file: format!("{PATH}/{MD}.jsonl"),
            status: goalpost_grade::Outcome::Fail,
            unassessed: None,
            score: Some(0.25),
            failed: vec![FailedCriterion {
                criterion: "scope".into(),
                gating: true,
                status: goalpost_grade::Status::Fail,
                message: scope_message,
                evidence: vec![3, 7],
                decision: None,
            }],
            first_out_of_scope_step: Some(6),
            side_effects: vec![format!("network_write https://x.example/{SCRIPT} (irreversible)")],
            files_touched: vec![PATH.into(), format!("{IMG}.txt")],
            cost_usd: Some(0.0042),
            cost_estimated: false,
            tokens: Some(1_200),
            duration_s: Some(42.0),
            content_hash: None,
        }],
        notes: vec![format!("history: {PATH}/{SCRIPT}/results.parquet: unreadable")],
    }
}

/// One start tag: its name and attributes, names lowercased, values as written.
#[derive(Debug)]
pub(crate) struct Tag {
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
}

/// The start tags of an HTML document, found the way a browser's tokenizer would in the data
/// state: every `<` followed by a letter opens a tag, whatever came before it; quoted attribute
/// values may hold `>`. The raw text of `<style>` (and `<script>`, were there one) is skipped.
pub(crate) fn start_tags(html: &str) -> Vec<Tag> {
    let b = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        i += 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(b.len(), |e| i + e + 3);
            continue;
        }
        if i < b.len() && (b[i] == b'!' || b[i] == b'/' || b[i] == b'?') {
            i = html[i..].find('>').map_or(b.len(), |e| i + e + 1);
            continue;
        }
        if i >= b.len() || !b[i].is_ascii_alphabetic() {
            continue;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let a = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'=' && b[i] != b'/' {
                i += 1;
            }
            let attr = html[a..i].to_ascii_lowercase();
            let mut value = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    let v = i + 1;
                    i = v;
                    while i < b.len() && b[i] != q {
                        i += 1;
                    }
                    value = html[v..i.min(b.len())].to_owned();
                    i += 1;
                } else {
                    let v = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = html[v..i].to_owned();
                }
            }
            attrs.push((attr, value));
        }
        if name == "style" || name == "script" {
            let close = format!("</{name}");
            i = html[i.min(b.len())..].to_ascii_lowercase().find(&close).map_or(b.len(), |e| i + e);
        }
        tags.push(Tag { name, attrs });
    }
    tags
}

/// Elements `report.html` is made of: anything else came from a string that was not escaped.
pub(crate) const ELEMENTS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "h4", "p", "strong", "span", "table", "tbody",
    "tr", "th", "td", "ul", "ol", "li", "a", "div", "section", "svg", "line", "text", "polyline", "circle", "rect",
    "br", "details", "summary", "pre", "dl", "dt", "dd",
];

/// Attributes `report.html` uses.
pub(crate) const ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "class",
    "id",
    "href",
    "value",
    "xmlns",
    "width",
    "height",
    "viewbox",
    "role",
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "cx",
    "cy",
    "r",
    "points",
    "fill",
    "stroke",
    "stroke-width",
    "text-anchor",
    "transform",
    "open",
];

/// Panics unless every element and attribute of `html` is one the report writes itself, no
/// attribute is an event handler, and every link stays on the page.
pub(crate) fn assert_only_our_markup(html: &str) {
    let tags = start_tags(html);
    assert!(tags.len() > 40, "parsed only {} tags", tags.len());
    for t in &tags {
        assert!(ELEMENTS.contains(&t.name.as_str()), "unexpected element <{}> {:?}", t.name, t.attrs);
        for (a, v) in &t.attrs {
            assert!(!a.starts_with("on"), "event handler on <{}>: {a}={v:?}", t.name);
            assert!(ATTRIBUTES.contains(&a.as_str()), "unexpected attribute on <{}>: {a}={v:?}", t.name);
            if a == "href" {
                // On the page, to a review page beside it, or back to the report.
                let page = v.strip_prefix("review/").and_then(|p| p.strip_suffix(".html"));
                let ok = v.starts_with('#')
                    || page.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                    || v.starts_with("../report.html#review-");
                assert!(ok, "link off the report: {v:?}");
            }
        }
    }
}
