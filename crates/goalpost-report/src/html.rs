//! `report.html`: one self-contained page (no network, no script). maud escapes every string
//! it interpolates; the only unescaped text is this file's own CSS. A Content-Security-Policy
//! forbids scripts outright, so nothing could run even if markup slipped through.

use std::collections::BTreeMap;

use goalpost_grade::changelog::Coverage;
use goalpost_grade::{Outcome, Status};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::markdown::{dash, pct, usd};
use crate::page::{Block, ReviewPage, ScenarioSource, ScenarioView, duration, thousands};
use crate::summary::{Counts, Group, Report, TrendPoint};

/// Nothing but inline style and data images: no script, no fetch, whatever the page holds.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const CSS: &str = r#"
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #1f2328; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #d0d7de; } h3 { margin-top: 1.5em; }
table { border-collapse: collapse; margin: .5em 0 1em; } th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #1a7f37; } .fail { color: #cf222e; } .muted { color: #656d76; }
.headline { font-size: 1.2em; } .note { background: #fff8c5; padding: .4em .8em; border-left: 4px solid #d4a72c; }
.chart { background: #fff; border: 1px solid #d0d7de; margin: .5em 1em .5em 0; }
.chart text { font: 11px system-ui, sans-serif; fill: #656d76; } .chart text.axis-title { fill: #1f2328; }
ol.timeline { list-style: none; padding-left: 0; font: 12px/1.4 ui-monospace, monospace; }
ol.timeline li { border-left: 3px solid #d0d7de; padding: 2px 8px; margin: 1px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
ol.timeline li.cited { border-left-color: #cf222e; background: #ffebe9; }
ol.timeline li.first-out-of-scope { border-left-color: #bf8700; background: #fff8c5; }
.marker { font-weight: bold; color: #9a6700; }
.kind { display: inline-block; min-width: 7em; color: #656d76; }
section.review { border-top: 2px solid #d0d7de; margin-top: 2em; }
code, .mono { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
.objective { font-size: 1.1em; white-space: pre-wrap; background: #f6f8fa; padding: .5em .8em; border-left: 4px solid #0969da; }
dl.scope { display: grid; grid-template-columns: max-content 1fr; gap: 2px 1em; } dl.scope dt { font-weight: bold; } dl.scope dd { margin: 0; }
ol.steps { list-style: none; padding-left: 0; }
ol.steps > li { border-left: 3px solid #d0d7de; margin: 2px 0; padding: 0 0 0 8px; }
ol.steps > li.cited { border-left-color: #cf222e; } ol.steps > li.cited > details > summary { background: #ffebe9; }
ol.steps > li.first-out-of-scope { border-left-color: #bf8700; } ol.steps > li.first-out-of-scope > details > summary { background: #fff8c5; }
summary { cursor: pointer; font: 12px/1.6 ui-monospace, monospace; overflow-wrap: anywhere; }
summary .kind { display: inline-block; min-width: 7em; }
.facts { color: #656d76; font-size: 12px; margin: .2em 0; }
pre { font: 12px/1.4 ui-monospace, monospace; white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa; padding: 4px 8px; margin: .3em 0; }
pre .add { color: #116329; background: #dafbe1; } pre .del { color: #82071e; background: #ffebe9; } pre .hunk { color: #8250df; }
.label { font-size: 11px; color: #656d76; text-transform: uppercase; letter-spacing: .04em; }
.conf-high { color: #1a7f37; font-weight: bold; } .conf-medium { color: #9a6700; font-weight: bold; } .conf-low { color: #cf222e; font-weight: bold; }
"#;

fn counts_cells(c: &Counts) -> Markup {
    html! {
        td.num { (c.found) } td.num { (c.passed) } td.num { (c.failed) } td.num { (c.review) } td.num { (c.incomplete) } td.num { (c.unassessed) } td.num { (c.errored) }
        td.num { (pct(c.pass_rate)) " " span.muted { "[" (pct(c.pass_ci.lo)) ", " (pct(c.pass_ci.hi)) "]" } }
        td.num { (dash(c.mean_score, |s| format!("{s:.3}"))) }
        td.num { (dash(c.cost_usd, |x| crate::markdown::estimated(usd(x), c.cost_estimated))) }
    }
}

fn group_table(title: &str, groups: &[Group]) -> Markup {
    html! {
        @if !groups.is_empty() {
            h2 { "By " (title) }
            table {
                tr { th { (title) } th { "found" } th { "passed" } th { "failed" } th { "review" } th { "incomplete" } th { "unassessed" } th { "errored" }
                     th { "pass rate [95% CI]" } th { "mean score" } th { "cost" } }
                @for g in groups { tr { td.mono { (g.key) } (counts_cells(&g.counts)) } }
            }
        }
    }
}

/// Plot geometry shared by both charts.
const W: f64 = 560.0;
const H: f64 = 210.0;
const LEFT: f64 = 68.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 44.0;

/// Points and bars keep this far from the axes.
const PAD: f64 = 24.0;

fn x_of(i: usize, n: usize) -> f64 {
    let span = W - LEFT - RIGHT - 2.0 * PAD;
    if n <= 1 { LEFT + PAD + span / 2.0 } else { LEFT + PAD + span * i as f64 / (n - 1) as f64 }
}

fn y_of(v: f64, max: f64) -> f64 {
    let span = H - TOP - BOTTOM;
    TOP + span * (1.0 - (v / max).clamp(0.0, 1.0))
}

/// A coordinate as SVG writes it.
fn c(v: f64) -> String {
    format!("{v:.1}")
}

/// At most 16 characters of a run id, for an axis label.
fn short(run_id: &str) -> String {
    run_id.chars().take(16).collect()
}

/// Axes, grid lines, tick labels, the axis titles, and the first and last run ids under the
/// x axis. Every label is text maud escapes.
fn axes(trend: &[TrendPoint], max: f64, y_title: &str, label: impl Fn(f64) -> String) -> Markup {
    let mid_y = (TOP + H - BOTTOM) / 2.0;
    html! {
        @for k in 0..=4 {
            @let v = max * k as f64 / 4.0;
            @let y = y_of(v, max);
            line x1=(LEFT) x2=(W - RIGHT) y1=(c(y)) y2=(c(y)) stroke="#eaeef2" {}
            text x=(LEFT - 6.0) y=(c(y + 4.0)) text-anchor="end" { (label(v)) }
        }
        line x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(H - BOTTOM) stroke="#8c959f" {}
        line x1=(LEFT) x2=(W - RIGHT) y1=(H - BOTTOM) y2=(H - BOTTOM) stroke="#8c959f" {}
        text.axis-title x="14" y=(c(mid_y)) text-anchor="middle" transform={ "rotate(-90 14 " (c(mid_y)) ")" } { (y_title) }
        @match trend {
            [] => {}
            [only] => { text x=(c(x_of(0, 1))) y=(H - BOTTOM + 16.0) text-anchor="middle" { (short(&only.run_id)) } }
            [first, .., last] => {
                text x=(LEFT) y=(H - BOTTOM + 16.0) text-anchor="start" { (short(&first.run_id)) }
                text x=(W - RIGHT) y=(H - BOTTOM + 16.0) text-anchor="end" { (short(&last.run_id)) }
            }
        }
        text.axis-title x=(c((LEFT + W - RIGHT) / 2.0)) y=(H - 6.0) text-anchor="middle" { "run, oldest to newest" }
    }
}

fn pass_rate_chart(trend: &[TrendPoint]) -> Markup {
    let n = trend.len();
    let points: Vec<String> =
        trend.iter().enumerate().map(|(i, t)| format!("{},{}", c(x_of(i, n)), c(y_of(t.pass_rate, 1.0)))).collect();
    html! {
        svg.chart id="trend-pass-rate" xmlns="http://www.w3.org/2000/svg" width=(W) height=(H) viewBox={"0 0 " (W) " " (H)} role="img" {
            title { "Pass rate over the last " (n) " run(s), 0–100%" }
            (axes(trend, 1.0, "pass rate", |v| format!("{:.0}%", 100.0 * v)))
            polyline points=(points.join(" ")) fill="none" stroke="#0969da" stroke-width="2" {}
            @for (i, t) in trend.iter().enumerate() {
                circle cx=(c(x_of(i, n))) cy=(c(y_of(t.pass_rate, 1.0))) r="3.5" fill="#0969da" {
                    title { (t.run_id) ": " (pct(t.pass_rate)) " (" (t.passed) " of " (t.assessed) " whose objective was assessed)" }
                }
            }
        }
    }
}

fn cost_chart(trend: &[TrendPoint]) -> Markup {
    let n = trend.len();
    let max = trend.iter().filter_map(|t| t.cost_usd).fold(0.0, f64::max);
    let max = if max > 0.0 { max * 1.1 } else { 1.0 };
    let bar = ((W - LEFT - RIGHT - 2.0 * PAD) / n.max(1) as f64 * 0.6).clamp(2.0, 2.0 * PAD - 8.0);
    html! {
        svg.chart id="trend-cost" xmlns="http://www.w3.org/2000/svg" width=(W) height=(H) viewBox={"0 0 " (W) " " (H)} role="img" {
            title { "Cost per run over the last " (n) " run(s); a run without a reported cost has no bar" }
            (axes(trend, max, "cost (USD)", usd))
            @for (i, t) in trend.iter().enumerate() {
                @if let Some(cost) = t.cost_usd {
                    @let y = y_of(cost, max);
                    rect x=(c(x_of(i, n) - bar / 2.0)) y=(c(y)) width=(c(bar)) height=(c((H - BOTTOM - y).max(0.5))) fill="#8250df" {
                        title { (t.run_id) ": " (usd(cost)) }
                    }
                }
            }
        }
    }
}

use crate::page::cut;

/// The CSS class an outcome is shown in.
fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Review | Outcome::Incomplete | Outcome::Unassessed => "muted",
    }
}

fn steps_list(steps: &[u32]) -> String {
    steps.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// Every page's `<head>`: the no-script Content-Security-Policy, the styles, and `title`
/// (escaped by maud).
fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta http-equiv="Content-Security-Policy" content=(CSP);
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) }
            style { (PreEscaped(CSS)) }
        }
    }
}

/// The report as one self-contained HTML page.
pub fn render(r: &Report) -> String {
    let o = &r.overall;
    // A failure links to its trajectory's page file, else to the row of the review index.
    let pages: BTreeMap<&str, &str> = r.reviews.iter().map(|v| (v.anchor.as_str(), v.page.as_str())).collect();
    let link = |anchor: &str| pages.get(anchor).map_or_else(|| format!("#{anchor}"), |p| (*p).to_owned());
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            (head(&format!("goalpost report {}", r.run_id)))
            body {
                h1 { "goalpost report " span.mono { (r.run_id) } }
                p.muted { "started " (r.started_at) }
                p.headline {
                    strong { (o.passed) } " of " strong { (o.assessed()) } " trajectories"
                    @if o.unassessed > 0 { " whose objective was assessed" }
                    " passed: " strong { (pct(o.pass_rate)) }
                    span.muted { " [" (pct(o.pass_ci.lo)) ", " (pct(o.pass_ci.hi)) "] Wilson 95%" }
                    @if o.unassessed > 0 {
                        " · " a href="#unassessed" { (o.unassessed) " more not assessed" } " (never passes)"
                    }
                    @if o.decided > 0 {
                        " · " a href="#decisions" { (o.decided) " decided by a reviewer" } ", " (o.overturned) " failure(s) overturned"
                    }
                }
                table {
                    tr { th { "found" } th { "passed" } th { "failed" } th { "review" } th { "incomplete" } th { "unassessed" } th { "errored" } th { "pass rate [95% CI]" }
                         th { "mean score" } th { "cost" } }
                    tr { (counts_cells(o)) }
                }
                p { "Cost per solved task: " strong { (dash(r.cost_per_solved, usd)) } " · tokens: " (dash(o.tokens, thousands))
                    " · errored, incomplete and review trajectories count in every denominator (a review item is neither a pass nor a fail until a person decides); those whose objective was not assessed are their own group, below." }
                @for n in &r.notes { p.note { (n) } }
                h2 { "Trend" }
                div { (pass_rate_chart(&r.trend)) (cost_chart(&r.trend)) }
                (group_table("scenario", &r.by_scenario))
                (group_table("agent", &r.by_agent))
                (group_table("tag", &r.by_tag))
                (group_table("team", &r.by_team))
                @if !r.by_criterion.is_empty() {
                    h2 { "By criterion" }
                    table {
                        tr { th { "criterion" } th { "gating" } th { "pass" } th { "fail" } th { "review" } th { "not applicable" } th { "unscored" } th { "pass rate" } }
                        @for c in &r.by_criterion {
                            tr { td.mono { (c.criterion) } td { @if c.gating { "yes" } @else { "no" } }
                                 td.num { (c.pass) } td.num.fail[c.fail > 0] { (c.fail) } td.num { (c.review) } td.num { (c.not_applicable) } td.num { (c.unscored) }
                                 td.num { (dash(c.pass_rate, pct)) } }
                        }
                    }
                }
                @if !r.failures.is_empty() {
                    h2 { "Failures by criterion" }
                    @for g in &r.failures {
                        h3 { span.mono { (g.criterion) } @if g.gating { " (gating)" } " — " (g.failures.len()) " failure(s)" }
                        table {
                            tr { th { "trajectory" } th { "scenario" } th { "agent" } th { "evidence (steps)" } th { "message" } }
                            @for f in &g.failures {
                                tr {
                                    td.mono { @if let Some(a) = &f.review { a href=(link(a)) { (f.trajectory) } } @else { (f.trajectory) } }
                                    td.mono { (f.scenario.as_deref().unwrap_or("(none)")) }
                                    td.mono { (f.agent) }
                                    td { (steps_list(&f.evidence)) }
                                    td { (f.message) }
                                }
                            }
                        }
                    }
                }
                @if !r.errors.is_empty() {
                    h2 { "Inputs that could not be graded" }
                    table {
                        tr { th { "file" } th { "line" } th { "field" } th { "message" } }
                        @for e in &r.errors {
                            tr { td.mono { (e.file) } td.num { (dash(e.line, |l| l.to_string())) } td.mono { (e.field.as_deref().unwrap_or("–")) } td { (e.message) } }
                        }
                    }
                }
                @if !r.decisions.is_empty() {
                    h2 #decisions { "Reviewers' decisions" }
                    p { (r.decisions.len()) " criteria decided by a reviewer (the ledger); " (o.overturned) " failed trajectory(ies) overturned to a pass." }
                    table {
                        tr { th { "trajectory" } th { "criterion" } th { "decision" } th { "the grader said" } th { "by" } th { "at" } th { "why" } }
                        @for d in &r.decisions {
                            tr {
                                td.mono { (d.trajectory) }
                                td.mono { (d.criterion) }
                                td { (d.decision.decision.as_str()) @if d.decision.overturned() { span.fail { " (overturned)" } } }
                                td { (d.decision.was.as_str()) }
                                td { (d.decision.by) }
                                td.mono { (d.decision.at) }
                                td { (d.decision.why) }
                            }
                        }
                    }
                }
                @if !r.unassessed.is_empty() {
                    h2 #unassessed { "Objective not assessed" }
                    p { "These trajectories were graded only on the criteria that need no objective: they are neither passes nor failures, and stay out of every pass rate's denominator." }
                    table {
                        tr { th { "reason" } th { "trajectories" } th { "first of them" } }
                        @for g in &r.unassessed {
                            tr {
                                td { (g.description) br; span.muted.mono { (g.reason) } }
                                td.num { (g.count) }
                                td.mono {
                                    @for (i, t) in g.trajectories.iter().enumerate() { @if i > 0 { br; } (t) }
                                    @if g.count as usize > g.trajectories.len() { br; span.muted { "and " (g.count as usize - g.trajectories.len()) " more (report.json, results.parquet)" } }
                                }
                            }
                        }
                    }
                }
                @if !r.reviews.is_empty() {
                    h2 #review-pages { "Review pages" }
                    p { (r.reviews.len()) " page(s), one per trajectory that failed, awaits review, or had its objective unassessed with an open review item; each opens on its own." }
                    table {
                        tr { th { "trajectory" } th { "outcome" } th { "score" } th { "scenario" } th { "agent" } th { "criteria to decide" } }
                        @for v in &r.reviews {
                            tr id=(v.anchor) {
                                td.mono { a href=(v.page) { (v.trajectory) } }
                                td { span class=(outcome_class(v.status)) { (v.status.as_str()) } }
                                td.num { (dash(v.score, |s| format!("{s:.3}"))) }
                                td.mono { (v.scenario.as_deref().unwrap_or("(none)")) }
                                td.mono { (v.agent) }
                                td { @for (i, c) in v.failed.iter().enumerate() {
                                    @if i > 0 { br; }
                                    span.mono { (c.criterion) } ": " (cut(&c.message, 160))
                                } }
                            }
                        }
                    }
                }
            }
        }
    };
    // The one choke point: whatever field a trajectory's text reached, no control or
    // text-reordering character leaves the page raw.
    goalpost_trajectory::text::visible(&page.into_string()).into_owned()
}

/// A block of a step or of the final diff: its lines in a `<pre>`, a diff's coloured by mark,
/// and how many lines were left out.
fn block(b: &Block) -> Markup {
    let class = |l: &str| -> Option<&'static str> {
        if !b.diff {
            None
        } else if l.starts_with("+++") || l.starts_with("---") || l.starts_with("@@") {
            Some("hunk")
        } else if l.starts_with('+') {
            Some("add")
        } else if l.starts_with('-') {
            Some("del")
        } else {
            None
        }
    };
    html! {
        div.block {
            span.label { (b.label) }
            pre { @for l in &b.lines { span class=[class(l)] { (l) } "\n" } }
            @if b.more_lines > 0 { p.muted { (b.more_lines) " more line(s) not shown" } }
        }
    }
}

fn step_link(n: u32) -> Markup {
    html! { a href={ "#step-" (n) } { (n) } }
}

fn coverage(c: Coverage, final_n: u32) -> Markup {
    let at = |n: u32| -> Markup {
        if n == final_n {
            html! { "the harness's tests on the final state" }
        } else {
            html! { "step " (step_link(n)) }
        }
    };
    match c {
        Coverage::Passed { step } => html! { span.pass { "passed" } ": " (at(step)) },
        Coverage::Failed { step } => html! { span.fail { "failed" } ": " (at(step)) " (no later run passed)" },
        Coverage::Unknown { step } => html! { "ran (" (at(step)) "), result not recorded" },
        Coverage::NoTestRun => html! { span.muted { "no test run after the last change" } },
    }
}

fn scenario_block(view: &ScenarioView) -> Markup {
    let list = |title: &str, items: &[String]| -> Markup {
        html! {
            @if !items.is_empty() {
                dt { (title) }
                dd.mono {
                    @if items.len() > 12 {
                        details { summary { (items.len()) " entries" } @for i in items { (i) br; } }
                    } @else {
                        @for (k, i) in items.iter().enumerate() { @if k > 0 { br; } (i) }
                    }
                }
            }
        }
    };
    match view {
        ScenarioView::Missing(why) => html! { p.note { (why) } },
        ScenarioView::Shown { scenario: s, source, note } => html! {
            p.muted {
                "Scenario " span.mono { (s.id) } @if let Some(t) = &s.title { " — " (t) } " · "
                @match source { ScenarioSource::Embedded => { "carried by the run (SWE-bench instance)" } ScenarioSource::File(f) => { "from " span.mono { (f) } } }
            }
            @if let Some(n) = note { p.note { (n) } }
            h3 { "Objective" }
            p.objective { (s.objective) }
            h3 { "Acceptance" }
            dl.scope {
                (list("tests that must now pass", &s.acceptance.tests_fail_to_pass))
                (list("metrics", &s.acceptance.metrics.iter().map(|m| format!("{} {} {}{}", m.name, m.op, m.value, if m.harness_only { " (measured by the harness)" } else { "" })).collect::<Vec<_>>()))
                (list("files", &s.acceptance.files.iter().map(|f| {
                    let what = if f.exists { "must exist" } else { "must not exist" };
                    match &f.contains { Some(c) => format!("{} {what}, containing “{c}”", f.path), None => format!("{} {what}", f.path) }
                }).collect::<Vec<_>>()))
                (list("tests that must keep passing", &s.regression.tests))
            }
            h3 { "Out of scope" }
            @if s.out_of_scope.is_empty() { p.muted { "nothing listed" } }
            dl.scope {
                (list("paths", &s.out_of_scope.paths))
                (list("commands", &s.out_of_scope.commands))
                (list("tools", &s.out_of_scope.tools))
                (list("hosts", &s.out_of_scope.hosts))
            }
            h3 { "Rollback" }
            dl.scope {
                dt { "condition" } dd { @if s.rollback.condition.is_empty() { span.muted { "none stated" } } @else { (s.rollback.condition) } }
                (list("sandbox", &s.rollback.sandbox))
                (list("side effects allowed", &s.rollback.allow))
            }
        },
    }
}

/// One review page: self-contained, with the report's CSP (no script can run) and every
/// trajectory string escaped, control and text-reordering characters shown as escapes.
pub fn review_page(p: &ReviewPage) -> String {
    let v = &p.review;
    let final_n = p.step_count + 1;
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            (head(&format!("Review {}", v.trajectory)))
            body {
                p.muted { a href={ "../report.html#" (v.anchor) } { "← report " (p.run_id) } }
                h1 { "Review: " span.mono { (v.trajectory) } }
                table {
                    tr { th { "outcome" } td { span class=(outcome_class(v.status)) { (v.status.as_str()) } " · score " (dash(v.score, |s| format!("{s:.3}"))) } }
                    tr { th { "agent" } td.mono { (v.agent) } }
                    tr { th { "model" } td.mono { (v.model.as_deref().unwrap_or("not recorded")) } }
                    tr { th { "file" } td.mono { (v.file) } }
                    tr { th { "cost · tokens · duration" } td {
                        (dash(v.cost_usd, |x| if v.cost_estimated { format!("{} (estimated from tokens)", usd(x)) } else { usd(x) })) " · " (dash(v.tokens, |t| format!("{} tokens", thousands(t)))) " · " (dash(v.duration_s, duration))
                    } }
                    tr { th { "first out-of-scope step" } td {
                        @if let Some(n) = v.first_out_of_scope_step { (step_link(n)) } @else { span.muted { "none: the agent stayed in scope" } }
                    } }
                }
                @if let Some(why) = v.unassessed { p.note { "Objective not assessed: " (why) "." } }

                h2 #scenario { "Scenario" }
                (scenario_block(&p.scenario))

                h2 #criteria { "To decide" }
                @if v.failed.is_empty() { p.muted { "No criterion failed or awaits review." } }
                ul.criteria {
                    @for c in &v.failed {
                        li.criterion {
                            strong.mono { (c.criterion) } " "
                            span class=(if c.status == Status::Fail { "fail" } else { "muted" }) {
                                (match (c.status, &c.decision) {
                                    (Status::Fail, Some(_)) => "failed (decided)",
                                    (Status::Fail, None) => "failed",
                                    (Status::Review, _) => "awaits review",
                                    (_, Some(d)) if d.overturned() => "passes (failure overturned)",
                                    _ => "passes (decided)",
                                })
                            }
                            @if c.gating { " (gating)" }
                            div { (c.message) }
                            @if let Some(d) = &c.decision {
                                div.note {
                                    "Decided: " strong { (d.decision.as_str()) } " by " (d.by) " at " (d.at)
                                    " (the grader said " (d.was.as_str()) "): " (d.why)
                                }
                            }
                            @if !c.evidence.is_empty() {
                                div.muted { "evidence: step " @for (i, n) in c.evidence.iter().enumerate() { @if i > 0 { ", " } (step_link(*n)) } }
                            }
                        }
                    }
                }
                @if let Some(n) = v.first_out_of_scope_step {
                    p.note { "The agent first left scope at " a href={ "#step-" (n) } { "step " (n) } "." }
                }

                h2 #changes { "Change log" }
                @match &p.changes {
                    None => { p.muted { "Not available: the steps could not be read (see Steps)." } }
                    Some(log) if log.files.is_empty() => { p.muted { "No file changed." } }
                    Some(log) => {
                        table {
                            tr { th { "file" } th { "how we know" } th { "steps" } th { "in the final diff" } th { "a later test run" } th { "confidence" } }
                            @for f in &log.files {
                                tr {
                                    td.mono { (f.path) @if f.created { span.muted { " (new)" } } @if f.deleted { span.muted { " (deleted)" } } }
                                    td { (f.known.describe()) }
                                    td { @for (i, n) in f.steps.iter().enumerate() { @if i > 0 { ", " } (step_link(*n)) } }
                                    td { @if f.in_final_diff { "yes" } @else { span.muted { "no" } } }
                                    td { (coverage(f.coverage, final_n)) }
                                    td { span class={ "conf-" (f.confidence.as_str()) } { (f.confidence.as_str()) } }
                                }
                            }
                        }
                        p.muted { "Confidence: high = a recorded edit that a later test run passed over; medium = a recorded edit with no later passing test, or a change inferred from a command or the final diff that a later passing test covered; low = inferred or only in the final diff, with no later passing test." }
                    }
                }

                h2 #steps { "Steps" }
                @if let Some(problem) = &p.steps_problem { p.note { (problem) } }
                @if p.steps_elided > 0 { p.muted { (p.steps_elided) " step(s) not shown: the first and last 20, the cited steps and the first out-of-scope step with their neighbours are." } }
                @if p.steps_problem.is_none() { p.muted { "Click a step to open it; cited steps and the first out-of-scope step are open." } }
                ol.steps {
                    @for s in &p.steps {
                        li id={ "step-" (s.n) } class={ "step" @if s.cited { " cited" } @if s.first_out_of_scope { " first-out-of-scope" } } {
                            details open[s.cited || s.first_out_of_scope] {
                                summary {
                                    span.muted { "#" (s.n) } " "
                                    @if let Some(t) = s.elapsed_s { span.muted { (duration(t)) } " " }
                                    span.kind.muted { (s.kind) } " "
                                    @if s.first_out_of_scope { span.marker { "first out-of-scope step · " } }
                                    @if s.cited { span.marker { "cited · " } }
                                    (s.headline)
                                }
                                @if !s.facts.is_empty() { p.facts { (s.facts.join(" · ")) } }
                                @for b in &s.blocks { (block(b)) }
                                @if s.facts.is_empty() && s.blocks.is_empty() { p.facts { "nothing more recorded" } }
                            }
                        }
                    }
                    @if let Some(n) = p.final_step {
                        li id={ "step-" (n) } class="step cited" {
                            details open {
                                summary { span.muted { "#" (n) } " " span.kind.muted { "final state" } " " span.marker { "cited · " } "the final diff and the harness's test results" }
                                p.facts { "See " a href="#final-diff" { "the final diff" } @if let Some(e) = &p.exit_status { " · the agent stopped: " (e) } }
                            }
                        }
                    }
                }

                h2 #final-diff { "Final diff" }
                @if p.final_diff.is_empty() { p.muted { "No final diff recorded." } }
                @for (file, b) in &p.final_diff {
                    details { summary.mono { (file) } (block(b)) }
                }

                h2 #side-effects { "Side effects" }
                @if v.side_effects.is_empty() { p.muted { "Nothing recorded or inferred." } }
                @if !v.side_effects.is_empty() { ul { @for s in &v.side_effects { li.mono { (s) } } } }
            }
        }
    };
    goalpost_trajectory::text::visible(&page.into_string()).into_owned()
}
