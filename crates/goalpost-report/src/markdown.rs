//! `summary.md`: the nightly summary for people and pull-request comments. Markdown that
//! GitHub renders may carry HTML, so every string from a trajectory goes through [`escape`].

use std::fmt::Write as _;

use crate::summary::{Counts, Group, Report};

/// Longest untrusted string kept in a cell, in characters.
const MAX: usize = 300;

/// Runs the trend table shows (the report's trend may hold more).
const TREND_ROWS: usize = 10;

/// Makes an untrusted string inert in markdown (and in the HTML markdown may carry): markdown
/// punctuation is backslash-escaped, `<`, `>` and `&` become entities, line breaks become
/// spaces, control characters are dropped, and the length is capped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        if i >= MAX {
            out.push('…');
            break;
        }
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if goalpost_trajectory::text::is_hidden(c) => goalpost_trajectory::text::push_visible(&mut out, c),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.' | '!' | '|' | '~'
            | '"' | '\'' | '=' | ':' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// goalpost's own text in a table cell (figures, thresholds, rule names): only what could
/// break the table or open markup is escaped. Untrusted text goes through [`escape`].
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if goalpost_trajectory::text::is_hidden(c) => goalpost_trajectory::text::push_visible(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

pub(crate) fn usd(x: f64) -> String {
    if x != 0.0 && x.abs() < 0.01 { format!("${x:.4}") } else { format!("${x:.2}") }
}

pub(crate) fn dash<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "–".to_owned(), f)
}

fn table(out: &mut String, header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for r in rows {
        let _ = writeln!(out, "| {} |", r.join(" | "));
    }
    out.push('\n');
}

fn counts_row(key: String, c: &Counts) -> Vec<String> {
    vec![
        key,
        c.found.to_string(),
        c.passed.to_string(),
        c.failed.to_string(),
        c.review.to_string(),
        c.incomplete.to_string(),
        c.errored.to_string(),
        c.unassessed.to_string(),
        format!("{} [{}, {}]", pct(c.pass_rate), pct(c.pass_ci.lo), pct(c.pass_ci.hi)),
        dash(c.mean_score, |s| format!("{s:.3}")),
        dash(c.cost_usd, |x| estimated(usd(x), c.cost_estimated)),
    ]
}

const COUNTS_HEADER: [&str; 11] = [
    "",
    "found",
    "passed",
    "failed",
    "review",
    "incomplete",
    "errored",
    "objective not assessed",
    "pass rate [95% CI]",
    "mean score",
    "cost",
];

fn groups(out: &mut String, title: &str, groups: &[Group]) {
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(out, "## By {title}\n");
    let mut header = COUNTS_HEADER;
    header[0] = title;
    table(out, &header, groups.iter().map(|g| counts_row(escape(&g.key), &g.counts)));
}

/// The summary as markdown.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let o = &r.overall;
    let _ = writeln!(out, "# goalpost run {}\n", escape(&r.run_id));
    let _ = writeln!(
        out,
        "**{}** of **{}** trajectories{} passed ({} [{}, {}], Wilson 95%); {} failed, {} await review, {} incomplete, {} errored.{} \
         Mean score {}. Cost {} ({} per solved task), {} tokens. Started {}.\n",
        o.passed,
        o.assessed(),
        if o.unassessed > 0 { " whose objective was assessed" } else { "" },
        pct(o.pass_rate),
        pct(o.pass_ci.lo),
        pct(o.pass_ci.hi),
        o.failed,
        o.review,
        o.incomplete,
        o.errored,
        match o.unassessed {
            0 => String::new(),
            n => format!(
                " **{n}** more were graded but their objective was not assessed: not passes, and outside the pass rate (see below)."
            ),
        },
        dash(o.mean_score, |s| format!("{s:.3}")),
        dash(o.cost_usd, usd),
        dash(r.cost_per_solved, usd),
        dash(o.tokens, |t| t.to_string()),
        escape(&r.started_at),
    );
    for n in &r.notes {
        let _ = writeln!(out, "> {}\n", escape(n));
    }
    if !r.decisions.is_empty() {
        let _ = writeln!(
            out,
            "## Reviewers' decisions\n\n{} criteria decided by a reviewer; {} failed trajectory(ies) overturned to a pass, {} decided trajectory(ies) in all.\n",
            r.decisions.len(),
            o.overturned,
            o.decided
        );
        table(
            &mut out,
            &["trajectory", "criterion", "decision", "was", "by", "at", "why"],
            r.decisions.iter().map(|d| {
                let v = &d.decision;
                let verb = if v.overturned() { "accept (overturned)" } else { v.decision.as_str() };
                vec![
                    format!("`{}`", escape(&d.trajectory)),
                    escape(&d.criterion),
                    verb.to_owned(),
                    v.was.as_str().to_owned(),
                    escape(&v.by),
                    escape(&v.at),
                    escape(&v.why),
                ]
            }),
        );
    }
    if !r.unassessed.is_empty() {
        let _ = writeln!(out, "## Objective not assessed\n");
        table(
            &mut out,
            &["reason", "trajectories", "first ones"],
            r.unassessed.iter().map(|g| {
                let mut first: Vec<String> = g.trajectories.iter().map(|t| format!("`{}`", escape(t))).collect();
                if g.count as usize > g.trajectories.len() {
                    first.push(format!("and {} more", g.count as usize - g.trajectories.len()));
                }
                vec![escape(g.description), g.count.to_string(), first.join(", ")]
            }),
        );
    }
    groups(&mut out, "scenario", &r.by_scenario);
    groups(&mut out, "agent", &r.by_agent);
    groups(&mut out, "tag", &r.by_tag);
    groups(&mut out, "team", &r.by_team);
    if !r.by_criterion.is_empty() {
        out.push_str("## By criterion\n\n");
        table(
            &mut out,
            &["criterion", "gating", "pass", "fail", "review", "not applicable", "unscored", "pass rate"],
            r.by_criterion.iter().map(|c| {
                vec![
                    escape(&c.criterion),
                    if c.gating { "yes" } else { "no" }.into(),
                    c.pass.to_string(),
                    c.fail.to_string(),
                    c.review.to_string(),
                    c.not_applicable.to_string(),
                    c.unscored.to_string(),
                    dash(c.pass_rate, pct),
                ]
            }),
        );
    }
    if !r.failures.is_empty() {
        out.push_str("## Failures by criterion\n\n");
        for g in &r.failures {
            let _ = writeln!(
                out,
                "### {}{} — {} failure(s)\n",
                escape(&g.criterion),
                if g.gating { " (gating)" } else { "" },
                g.failures.len()
            );
            for f in g.failures.iter().take(50) {
                let steps: Vec<String> = f.evidence.iter().map(u32::to_string).collect();
                let _ = writeln!(
                    out,
                    "- {} ({}, {}){}: {}",
                    escape(&f.trajectory),
                    escape(f.scenario.as_deref().unwrap_or("no scenario")),
                    escape(&f.agent),
                    if steps.is_empty() { String::new() } else { format!(", steps {}", steps.join(", ")) },
                    escape(&f.message)
                );
            }
            if g.failures.len() > 50 {
                let _ = writeln!(out, "- … and {} more (report.json lists all)", g.failures.len() - 50);
            }
            out.push('\n');
        }
    }
    if !r.errors.is_empty() {
        out.push_str("## Inputs that could not be graded\n\n");
        table(
            &mut out,
            &["file", "line", "field", "message"],
            r.errors.iter().map(|e| {
                vec![
                    escape(&e.file),
                    dash(e.line, |l| l.to_string()),
                    dash(e.field.as_deref(), escape),
                    escape(&e.message),
                ]
            }),
        );
    }
    if !r.trend.is_empty() {
        let shown = &r.trend[r.trend.len().saturating_sub(TREND_ROWS)..];
        let _ = writeln!(out, "## Trend (last {} run(s), oldest first)\n", shown.len());
        table(
            &mut out,
            &["run", "started", "found", "passed", "pass rate", "cost"],
            shown.iter().map(|t| {
                vec![
                    escape(&t.run_id),
                    escape(&t.started_at),
                    t.found.to_string(),
                    t.passed.to_string(),
                    pct(t.pass_rate),
                    dash(t.cost_usd, usd),
                ]
            }),
        );
    }
    if !r.reviews.is_empty() {
        out.push_str("## Failed and review trajectories\n\n");
        for v in &r.reviews {
            let crits: Vec<String> = v
                .failed
                .iter()
                .map(|c| {
                    let steps: Vec<String> = c.evidence.iter().map(u32::to_string).collect();
                    let gating = if c.gating { " (gating)" } else { "" };
                    if steps.is_empty() {
                        format!("{}{gating}", escape(&c.criterion))
                    } else {
                        format!("{}{gating} at step(s) {}", escape(&c.criterion), steps.join(", "))
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "- {} ({}, {}): {}{}; review page `{}`",
                escape(&v.trajectory),
                escape(v.scenario.as_deref().unwrap_or("no scenario")),
                escape(&v.agent),
                crits.join("; "),
                v.first_out_of_scope_step.map(|s| format!("; first out-of-scope step {s}")).unwrap_or_default(),
                v.page
            );
        }
        out.push_str("\nReview pages are beside `report.html`, which links each one.\n");
    }
    // Every trajectory string went through `escape`; this catches any that did not.
    goalpost_trajectory::text::visible(&out).into_owned()
}

/// A cost figure, saying how many of the costs behind it were estimated from tokens.
pub(crate) fn estimated(figure: String, estimated: u64) -> String {
    if estimated == 0 { figure } else { format!("{figure} ({estimated} estimated)") }
}
