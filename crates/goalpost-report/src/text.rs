//! Comparisons and gate decisions as terminal tables and as markdown. Terminal text is raw
//! (the CLI escapes control characters line by line); markdown escapes every string that came
//! from a trajectory.

use std::fmt::Write as _;

use crate::compare::{Comparison, Flip, Metric, Side};
use crate::gate::GateResult;
use crate::markdown::{cell, dash as opt, escape as md, pct, usd};

fn num(x: f64) -> String {
    format!("{x:.3}")
}

fn signed(x: f64, f: impl Fn(f64) -> String) -> String {
    if x >= 0.0 { format!("+{}", f(x)) } else { format!("-{}", f(-x)) }
}

fn p(x: Option<f64>) -> String {
    opt(x, |v| if v < 0.0001 { "<0.0001".into() } else { format!("{v:.4}") })
}

fn metric_fmt(m: &Metric) -> fn(f64) -> String {
    match m.metric {
        "pass_rate" => pct,
        "mean_cost_usd" => usd,
        "mean_tokens" => |x| format!("{x:.0}"),
        _ => num,
    }
}

fn verdict(m: &Metric) -> &'static str {
    match m.verdict {
        crate::stats::Direction::Better => "better",
        crate::stats::Direction::Worse => "worse",
        crate::stats::Direction::WithinNoise => "within noise",
    }
}

/// One line of terminal text: a line break inside a value (a trajectory id, a reviewer's
/// reason) is written as `\n`, so no value can start a line of its own — say, a fake
/// `gate PASSED` (the CLI escapes every other hidden character on each line).
fn one_line(s: &str) -> String {
    s.replace('\r', "\\r").replace('\n', "\\n")
}

/// Rows of text padded into columns.
fn table(rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(|c| one_line(c)).collect()).collect();
    let rows = &rows;
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width: Vec<usize> =
        (0..cols).map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r.iter().enumerate().map(|(i, c)| format!("{c:<w$}", w = width[i])).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn md_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|{}\n", header.join(" | "), "---|".repeat(header.len()));
    for r in rows {
        let _ = writeln!(out, "| {} |", r.join(" | "));
    }
    out
}

fn side_rows(s: &Side) -> Vec<String> {
    vec![
        s.label.clone(),
        s.trajectories.to_string(),
        s.scenarios.to_string(),
        format!("{} [{}, {}]", pct(s.pass_rate), pct(s.pass_ci.lo), pct(s.pass_ci.hi)),
        match s.score_ci {
            Some(ci) => format!("{} [{}, {}]", num(s.mean_score), num(ci.lo), num(ci.hi)),
            None => num(s.mean_score),
        },
        s.review.to_string(),
        format!("{} / {}", s.errored, s.incomplete),
        s.unassessed.to_string(),
        format!("{} / {}", s.decided, s.overturned),
        opt(s.mean_cost_usd, usd),
        opt(s.cost_per_solved_usd, usd),
        opt(s.mean_tokens, |x| format!("{x:.0}")),
    ]
}

const SIDE_HEADER: [&str; 12] = [
    "revision",
    "trajectories",
    "scenarios",
    "pass rate [95% CI]",
    "mean score [95% CI]",
    "review",
    "errored / incomplete",
    "objective not assessed",
    "decided / overturned",
    "mean cost",
    "cost per solved",
    "mean tokens",
];

fn metric_row(m: &Metric) -> Vec<String> {
    let f = metric_fmt(m);
    vec![
        m.metric.to_owned(),
        opt(m.baseline, f),
        opt(m.candidate, f),
        opt(m.delta, |d| signed(d, f)),
        p(m.p_value),
        opt(m.noise_floor, f),
        verdict(m).to_owned(),
    ]
}

const METRIC_HEADER: [&str; 7] = ["metric", "baseline", "candidate", "delta", "p", "noise floor", "verdict"];

/// The comparison as terminal text.
pub fn compare_terminal(c: &Comparison) -> String {
    let mut out = String::new();
    let mut rows = vec![SIDE_HEADER.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()];
    rows.push(side_rows(&c.baseline));
    rows.push(side_rows(&c.candidate));
    out.push_str(&table(&rows));
    out.push('\n');
    let f = &c.flips;
    let _ = writeln!(
        out,
        "flips: {} fixed, {} regressed, {} both pass, {} both fail; {} await review; {} only in baseline, {} only in candidate",
        f.fixed, f.regressed, f.both_pass, f.both_fail, f.awaits_review, f.only_baseline, f.only_candidate
    );
    let _ = writeln!(out, "exact McNemar p = {} (alpha {})", p(Some(c.mcnemar_p)), c.alpha);
    if let Some(b) = &c.score_bootstrap {
        let _ = writeln!(
            out,
            "paired bootstrap of mean score: {} [{}, {}], p = {} ({} resamples)",
            signed(b.mean_diff, num),
            num(b.lo),
            num(b.hi),
            p(Some(b.p_value)),
            b.resamples
        );
    }
    out.push('\n');
    let mut rows = vec![METRIC_HEADER.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()];
    rows.extend(c.metrics.iter().map(metric_row));
    out.push_str(&table(&rows));
    for s in [&c.baseline, &c.candidate] {
        if !s.pass_at_k.is_empty() {
            let ks: Vec<String> = s
                .pass_at_k
                .iter()
                .map(|k| format!("k={}: pass@k {} pass^k {}", k.k, pct(k.pass_at_k), pct(k.pass_hat_k)))
                .collect();
            let _ =
                writeln!(out, "\n{} ({} attempts per scenario at least): {}", s.label, s.min_attempts, ks.join("; "));
        }
    }
    out.push('\n');
    let mut rows = vec![vec!["revision".to_owned(), "mean cost".into(), "pass rate".into(), "frontier".into()]];
    for pt in &c.frontier {
        rows.push(vec![
            pt.label.clone(),
            opt(pt.mean_cost_usd, usd),
            pct(pt.pass_rate),
            if pt.on_frontier { "on the cost/pass-rate frontier" } else { "dominated" }.into(),
        ]);
    }
    out.push_str(&table(&rows));
    out.push('\n');
    let mut rows = vec![scenario_header().iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()];
    rows.extend(c.scenarios.iter().filter(|s| s.flip != Flip::BothPass).map(|s| scenario_row(s, |x| x.to_owned())));
    let both_pass = c.scenarios.len() + 1 - rows.len();
    out.push_str(&table(&rows));
    if both_pass > 0 {
        let _ = writeln!(out, "({both_pass} scenario(s) pass on both sides, not listed)");
    }
    out
}

fn scenario_header() -> [&'static str; 6] {
    ["scenario", "flip", "baseline passed", "candidate passed", "score", "flip rate (b / c)"]
}

fn scenario_row(s: &crate::compare::ScenarioRow, esc: impl Fn(&str) -> String) -> Vec<String> {
    let rate = |x: Option<f64>| opt(x, pct);
    vec![
        esc(&s.scenario),
        s.flip.as_str().to_owned(),
        format!("{}/{}", s.baseline_passed, s.baseline_attempts),
        format!("{}/{}", s.candidate_passed, s.candidate_attempts),
        format!("{} → {}", opt(s.baseline_score, num), opt(s.candidate_score, num)),
        format!("{} / {}", rate(s.baseline_flip_rate), rate(s.candidate_flip_rate)),
    ]
}

/// The comparison as markdown.
pub fn compare_markdown(c: &Comparison) -> String {
    let mut out = format!("# Comparison: {} → {}\n\n", md(&c.baseline.label), md(&c.candidate.label));
    let sides: Vec<Vec<String>> = [&c.baseline, &c.candidate]
        .iter()
        .map(|s| {
            let mut row = side_rows(s);
            row[0] = md(&row[0]);
            row
        })
        .collect();
    out.push_str(&md_table(&SIDE_HEADER, &sides));
    let f = &c.flips;
    let _ = writeln!(
        out,
        "\n**Flips:** {} fixed, {} regressed, {} both pass, {} both fail; {} await review; {} only in baseline, {} only in candidate. \
         Exact McNemar p = {} (alpha {}).\n",
        f.fixed,
        f.regressed,
        f.both_pass,
        f.both_fail,
        f.awaits_review,
        f.only_baseline,
        f.only_candidate,
        p(Some(c.mcnemar_p)),
        c.alpha
    );
    let metrics: Vec<Vec<String>> = c.metrics.iter().map(metric_row).collect();
    out.push_str(&md_table(&METRIC_HEADER, &metrics));
    for s in [&c.baseline, &c.candidate] {
        if !s.pass_at_k.is_empty() {
            let _ = writeln!(out, "\n**{}**: pass@k and pass^k\n", md(&s.label));
            let rows: Vec<Vec<String>> =
                s.pass_at_k.iter().map(|k| vec![k.k.to_string(), pct(k.pass_at_k), pct(k.pass_hat_k)]).collect();
            out.push_str(&md_table(&["k", "pass@k", "pass^k"], &rows));
        }
    }
    out.push_str("\n**Cost / pass-rate frontier**\n\n");
    let rows: Vec<Vec<String>> = c
        .frontier
        .iter()
        .map(|pt| {
            vec![
                md(&pt.label),
                opt(pt.mean_cost_usd, usd),
                pct(pt.pass_rate),
                if pt.on_frontier { "on frontier" } else { "dominated" }.into(),
            ]
        })
        .collect();
    out.push_str(&md_table(&["revision", "mean cost", "pass rate", "frontier"], &rows));
    out.push_str("\n**Scenarios**\n\n");
    let rows: Vec<Vec<String>> = c.scenarios.iter().map(|s| scenario_row(s, md)).collect();
    out.push_str(&md_table(&scenario_header(), &rows));
    out
}

/// The gate's decision as terminal text.
pub fn gate_terminal(g: &GateResult) -> String {
    let mut rows = vec![vec!["".to_owned(), "rule".into(), "figure".into(), "needs".into()]];
    for r in &g.rules {
        rows.push(vec![
            if r.passed { "PASS" } else { "FAIL" }.into(),
            r.rule.clone(),
            r.figure.clone(),
            r.threshold.clone(),
        ]);
    }
    let mut out = table(&rows);
    for r in g.rules.iter().filter(|r| !r.passed && !r.details.is_empty()) {
        let _ = writeln!(out, "\n{}:", one_line(&r.rule));
        for d in r.details.iter().take(20) {
            let _ = writeln!(out, "  - {}", one_line(d));
        }
        if r.details.len() > 20 {
            let _ = writeln!(out, "  … {} more", r.details.len() - 20);
        }
    }
    if !g.decisions.is_empty() {
        let _ = writeln!(out, "\nreviewers' decisions included ({}):", g.decisions.len());
        for d in g.decisions.iter().take(20) {
            let _ = writeln!(out, "  - {}", one_line(d));
        }
        if g.decisions.len() > 20 {
            let _ = writeln!(out, "  … {} more (gate.json lists every one)", g.decisions.len() - 20);
        }
    }
    let failed = g.rules.iter().filter(|r| !r.passed).count();
    let _ = writeln!(
        out,
        "\ngate {}: {} of {} rule(s) hold",
        if g.passed { "PASSED" } else { "FAILED" },
        g.rules.len() - failed,
        g.rules.len()
    );
    out
}

/// The gate's decision as markdown, ready for a pull-request comment or a CI step summary.
pub fn gate_markdown(g: &GateResult) -> String {
    let failed = g.rules.iter().filter(|r| !r.passed).count();
    let mut out = format!(
        "## goalpost gate: {} — {} of {} rule(s) hold\n\n",
        if g.passed { "✅ passed" } else { "❌ failed" },
        g.rules.len() - failed,
        g.rules.len()
    );
    let rows: Vec<Vec<String>> = g
        .rules
        .iter()
        .map(|r| vec![if r.passed { "✅" } else { "❌" }.into(), cell(&r.rule), cell(&r.figure), cell(&r.threshold)])
        .collect();
    out.push_str(&md_table(&["", "rule", "figure", "needs"], &rows));
    for r in g.rules.iter().filter(|r| !r.passed && !r.details.is_empty()) {
        let _ = writeln!(out, "\n<details><summary>{}</summary>\n", cell(&r.rule));
        for d in r.details.iter().take(50) {
            let _ = writeln!(out, "- {}", md(d));
        }
        if r.details.len() > 50 {
            let _ = writeln!(out, "- … {} more", r.details.len() - 50);
        }
        out.push_str("\n</details>\n");
    }
    if !g.decisions.is_empty() {
        let _ = writeln!(out, "\n<details><summary>reviewers' decisions included ({})</summary>\n", g.decisions.len());
        for d in &g.decisions {
            let _ = writeln!(out, "- {}", md(d));
        }
        out.push_str("\n</details>\n");
    }
    let _ = writeln!(out, "\nRun: {}", g.run_ids.iter().map(|r| cell(r)).collect::<Vec<_>>().join(", "));
    if !g.baseline_run_ids.is_empty() {
        let _ =
            writeln!(out, "Baseline: {}", g.baseline_run_ids.iter().map(|r| cell(r)).collect::<Vec<_>>().join(", "));
    }
    out
}
