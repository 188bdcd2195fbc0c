//! `report.html`: one self-contained page (no network, no script). maud escapes every string
//! it interpolates; the only unescaped text is this file's own CSS. A Content-Security-Policy
//! forbids scripts outright, so nothing could run even if markup slipped through.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::markdown::{dash, pct, usd};
use crate::review::Review;
use crate::summary::{Counts, Group, Report, TrendPoint};

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
"#;

fn counts_cells(c: &Counts) -> Markup {
    html! {
        td.num { (c.found) } td.num { (c.passed) } td.num { (c.failed) } td.num { (c.review) } td.num { (c.incomplete) } td.num { (c.errored) }
        td.num { (pct(c.pass_rate)) " " span.muted { "[" (pct(c.pass_ci.lo)) ", " (pct(c.pass_ci.hi)) "]" } }
        td.num { (dash(c.mean_score, |s| format!("{s:.3}"))) }
        td.num { (dash(c.cost_usd, usd)) }
    }
}

fn group_table(title: &str, groups: &[Group]) -> Markup {
    html! {
        @if !groups.is_empty() {
            h2 { "By " (title) }
            table {
                tr { th { (title) } th { "found" } th { "passed" } th { "failed" } th { "review" } th { "incomplete" } th { "errored" }
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
                    title { (t.run_id) ": " (pct(t.pass_rate)) " (" (t.passed) " of " (t.found) ")" }
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

fn steps_list(steps: &[u32]) -> String {
    steps.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

fn review(v: &Review) -> Markup {
    html! {
        section.review id=(v.anchor) {
            h3 { "Review: " span.mono { (v.trajectory) } }
            table {
                tr { th { "scenario" } td.mono { (v.scenario.as_deref().unwrap_or("(none)")) } }
                tr { th { "agent" } td.mono { (v.agent) } }
                tr { th { "model" } td.mono { (v.model.as_deref().unwrap_or("–")) } }
                tr { th { "file" } td.mono { (v.file) } }
                tr { th { "outcome" } td { span.fail { (v.status.as_str()) } " · score " (dash(v.score, |s| format!("{s:.3}"))) } }
                tr { th { "cost · tokens · duration" } td {
                    (dash(v.cost_usd, usd)) " · " (dash(v.tokens, |t| t.to_string())) " · " (dash(v.duration_s, |d| format!("{d:.0} s")))
                } }
                tr { th { "first out-of-scope step" } td { (dash(v.first_out_of_scope_step, |s| s.to_string())) } }
            }
            h4 { "Failed criteria" }
            ul {
                @for c in &v.failed {
                    li {
                        strong.mono { (c.criterion) } @if c.gating { " (gating)" } ": " (c.message)
                        @if !c.evidence.is_empty() { span.muted { " — steps " (steps_list(&c.evidence)) } }
                    }
                }
            }
            @if !v.side_effects.is_empty() {
                h4 { "Side effects" }
                ul { @for s in &v.side_effects { li.mono { (s) } } }
            }
            @if !v.files_touched.is_empty() {
                h4 { "Files touched" }
                p.mono { @for (i, f) in v.files_touched.iter().enumerate() { @if i > 0 { ", " } (f) } }
            }
            h4 { "Timeline" }
            @if let Some(p) = &v.steps_problem { p.note { (p) } }
            @if v.steps_elided > 0 { p.muted { (v.steps_elided) " steps not shown (the cited steps and their neighbours are)" } }
            ol.timeline {
                @for s in &v.steps {
                    li class={ "step" @if s.cited { " cited" } @if s.first_out_of_scope { " first-out-of-scope" } } value=(s.n) {
                        span.muted { "#" (s.n) } " "
                        @if let Some(t) = s.elapsed_s { span.muted { (format!("{t:>7.1}s")) } " " }
                        span.kind { (s.kind) }
                        @if s.first_out_of_scope { span.marker { "first out-of-scope step · " } }
                        @if s.cited { span.marker { "cited · " } }
                        (s.text)
                    }
                }
            }
        }
    }
}

/// The report as one self-contained HTML page.
pub fn render(r: &Report) -> String {
    let o = &r.overall;
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "goalpost report " (r.run_id) }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { "goalpost report " span.mono { (r.run_id) } }
                p.muted { "started " (r.started_at) }
                p.headline {
                    strong { (o.passed) } " of " strong { (o.found) } " trajectories passed: " strong { (pct(o.pass_rate)) }
                    span.muted { " [" (pct(o.pass_ci.lo)) ", " (pct(o.pass_ci.hi)) "] Wilson 95%" }
                }
                table {
                    tr { th { "found" } th { "passed" } th { "failed" } th { "review" } th { "incomplete" } th { "errored" } th { "pass rate [95% CI]" }
                         th { "mean score" } th { "cost" } }
                    tr { (counts_cells(o)) }
                }
                p { "Cost per solved task: " strong { (dash(r.cost_per_solved, usd)) } " · tokens: " (dash(o.tokens, |t| t.to_string()))
                    " · errored, incomplete and review trajectories count in every denominator (a review item is neither a pass nor a fail until a person decides)." }
                @for n in &r.notes { p.note { (n) } }
                h2 { "Trend" }
                div { (pass_rate_chart(&r.trend)) (cost_chart(&r.trend)) }
                (group_table("scenario", &r.by_scenario))
                (group_table("agent", &r.by_agent))
                (group_table("tag", &r.by_tag))
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
                                    td.mono { @if let Some(a) = &f.review { a href={ "#" (a) } { (f.trajectory) } } @else { (f.trajectory) } }
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
                @if !r.reviews.is_empty() {
                    h2 { "Review pages" }
                    ul { @for v in &r.reviews { li { a href={ "#" (v.anchor) } { (v.trajectory) } } } }
                    @for v in &r.reviews { (review(v)) }
                }
            }
        }
    };
    // The one choke point: whatever field a trajectory's text reached, no control or
    // text-reordering character leaves the page raw.
    goalpost_trajectory::text::visible(&page.into_string()).into_owned()
}
