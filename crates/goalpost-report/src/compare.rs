//! `goalpost compare BASELINE CANDIDATE`: two agent revisions side by side, paired by scenario.
//!
//! Definitions (also in `docs/reports.md`):
//! - Every trajectory found counts. An errored one is a fail with score 0; a missing scenario
//!   (present on one side only) is listed, never dropped silently, and is not paired.
//! - A scenario passes for a revision when more than half of its attempts pass.
//! - Flips: fixed (baseline fails, candidate passes), regressed, both pass, both fail; the
//!   exact McNemar test is on fixed vs regressed.
//! - Scores: per scenario, the mean over attempts; the paired bootstrap resamples scenarios.
//! - Noise floor: when the baseline holds repeated runs (several run ids, or several attempts),
//!   the spread of each metric across those repeats.
//! - Verdict per metric: better or worse only when the difference is beyond the noise floor
//!   (when known) and significant at `alpha` (when a test applies); otherwise within noise.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::dataset::TrajectoryRow;
use crate::stats::{self, BootstrapResult, Direction, Interval};
use crate::summary::Z95;

/// Resamples of the paired bootstrap; the seed is fixed so a comparison is reproducible.
pub const RESAMPLES: u32 = 10_000;
pub const SEED: u64 = 0x6f61_6c70_6f73_7431;

/// One revision's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub label: String,
    pub runs: Vec<String>,
    pub trajectories: u64,
    pub scenarios: u64,
    pub passed: u64,
    /// Awaiting a person's decision: their own column, never folded into pass or fail.
    pub review: u64,
    pub errored: u64,
    pub incomplete: u64,
    /// Trajectories whose objective was not assessed: counted here, and in nothing else of
    /// the side (no pass rate, score, flip or cost figure includes them).
    pub unassessed: u64,
    /// Trajectories a reviewer's decision settled, and failures so overturned to a pass
    /// (counted in `passed` too).
    pub decided: u64,
    pub overturned: u64,
    /// Over the trajectories whose objective was assessed.
    pub pass_rate: f64,
    pub pass_ci: Interval,
    pub mean_score: f64,
    pub score_ci: Option<Interval>,
    /// Mean cost per trajectory, over those that report one.
    pub mean_cost_usd: Option<f64>,
    pub total_cost_usd: Option<f64>,
    pub cost_per_solved_usd: Option<f64>,
    pub mean_tokens: Option<f64>,
    /// The most attempts any scenario has, and the fewest.
    pub max_attempts: u64,
    pub min_attempts: u64,
    /// pass@k and pass^k for k = 1..5, 10, 20, 50, … up to min_attempts, averaged over scenarios.
    pub pass_at_k: Vec<KValue>,
    /// Repeats seen (run × attempt) and the spread of each metric across them.
    pub repeats: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KValue {
    pub k: u64,
    pub pass_at_k: f64,
    pub pass_hat_k: f64,
}

/// How one scenario moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flip {
    Fixed,
    Regressed,
    BothPass,
    BothFail,
    OnlyBaseline,
    OnlyCandidate,
    /// An attempt on either side awaits a person's decision: neither fixed nor regressed, and
    /// out of the McNemar test until decided.
    AwaitsReview,
}

impl Flip {
    pub fn as_str(self) -> &'static str {
        match self {
            Flip::Fixed => "fixed",
            Flip::Regressed => "regressed",
            Flip::BothPass => "both pass",
            Flip::BothFail => "both fail",
            Flip::OnlyBaseline => "only in baseline",
            Flip::OnlyCandidate => "only in candidate",
            Flip::AwaitsReview => "awaits review",
        }
    }
}

/// One scenario on both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioRow {
    pub scenario: String,
    pub flip: Flip,
    pub baseline_attempts: u64,
    pub baseline_passed: u64,
    pub candidate_attempts: u64,
    pub candidate_passed: u64,
    pub baseline_score: Option<f64>,
    pub candidate_score: Option<f64>,
    /// Probability that two attempts of the same revision disagree.
    pub baseline_flip_rate: Option<f64>,
    pub candidate_flip_rate: Option<f64>,
}

/// A metric compared, with its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    pub metric: &'static str,
    pub baseline: Option<f64>,
    pub candidate: Option<f64>,
    pub delta: Option<f64>,
    pub higher_is_better: bool,
    pub p_value: Option<f64>,
    pub test: &'static str,
    pub noise_floor: Option<f64>,
    pub verdict: Direction,
}

/// A revision's place on the cost/score frontier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontierPoint {
    pub label: String,
    pub mean_cost_usd: Option<f64>,
    pub pass_rate: f64,
    pub on_frontier: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counts {
    pub fixed: u64,
    pub regressed: u64,
    pub both_pass: u64,
    pub both_fail: u64,
    pub only_baseline: u64,
    pub only_candidate: u64,
    pub awaits_review: u64,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub baseline: Side,
    pub candidate: Side,
    pub alpha: f64,
    pub flips: Counts,
    /// Exact McNemar p-value on fixed vs regressed.
    pub mcnemar_p: f64,
    /// Paired bootstrap of per-scenario mean score, candidate minus baseline.
    pub score_bootstrap: Option<BootstrapResult>,
    pub metrics: Vec<Metric>,
    pub scenarios: Vec<ScenarioRow>,
    pub frontier: Vec<FrontierPoint>,
}

/// Per-scenario attempts of one side: (passes, attempts, scores, costs).
#[derive(Default)]
struct Cell {
    n: u64,
    c: u64,
    /// Attempts awaiting a person's decision.
    review: u64,
    scores: Vec<f64>,
    costs: Vec<f64>,
    tokens: Vec<f64>,
}

impl Cell {
    fn passes(&self) -> bool {
        2 * self.c > self.n
    }
    fn mean(v: &[f64]) -> Option<f64> {
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    }
}

fn score_of(r: &TrajectoryRow) -> f64 {
    if r.is_error() { 0.0 } else { r.score.unwrap_or(0.0) }
}

fn cells(rows: &[&TrajectoryRow]) -> BTreeMap<String, Cell> {
    let mut out: BTreeMap<String, Cell> = BTreeMap::new();
    for r in rows {
        let cell = out.entry(r.scenario_key().to_owned()).or_default();
        cell.n += 1;
        cell.c += u64::from(r.passed());
        cell.review += u64::from(r.in_review());
        cell.scores.push(score_of(r));
        cell.costs.extend(r.cost_usd);
        cell.tokens.extend(r.tokens.map(|t| t as f64));
    }
    out
}

fn mean(v: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (mut s, mut n) = (0.0, 0usize);
    for x in v {
        s += x;
        n += 1;
    }
    (n > 0).then(|| s / n as f64)
}

/// A revision's repeats: its trajectories grouped by (run, attempt).
fn repeats<'a>(rows: &[&'a TrajectoryRow]) -> BTreeMap<(String, u32), Vec<&'a TrajectoryRow>> {
    let mut out: BTreeMap<(String, u32), Vec<&TrajectoryRow>> = BTreeMap::new();
    for r in rows {
        out.entry((r.run_id.clone(), r.attempt.unwrap_or(1))).or_default().push(r);
    }
    out
}

/// A side's figures over `rows`, its trajectories whose objective was assessed; `unassessed`
/// counts the others.
fn side(label: &str, rows: &[&TrajectoryRow], unassessed: u64) -> Side {
    let cells = cells(rows);
    let n = rows.len() as u64;
    let counts = crate::summary::counts(rows.iter().copied());
    let passed = counts.passed;
    let scores: Vec<f64> = rows.iter().map(|r| score_of(r)).collect();
    let costs: Vec<f64> = rows.iter().filter_map(|r| r.cost_usd).collect();
    let total_cost = (!costs.is_empty()).then(|| costs.iter().sum::<f64>());
    let max_attempts = cells.values().map(|c| c.n).max().unwrap_or(0);
    let min_attempts = cells.values().map(|c| c.n).min().unwrap_or(0);
    let pass_at_k = if max_attempts > 1 {
        ks(min_attempts)
            .into_iter()
            .map(|k| KValue {
                k,
                pass_at_k: mean(cells.values().filter_map(|c| stats::pass_at_k(c.n, c.c, k))).unwrap_or(0.0),
                pass_hat_k: mean(cells.values().filter_map(|c| stats::pass_hat_k(c.n, c.c, k))).unwrap_or(0.0),
            })
            .collect()
    } else {
        Vec::new()
    };
    let runs: BTreeSet<&str> = rows.iter().map(|r| r.run_id.as_str()).collect();
    Side {
        label: label.to_owned(),
        runs: runs.into_iter().map(str::to_owned).collect(),
        trajectories: n,
        scenarios: cells.len() as u64,
        passed,
        review: counts.review,
        errored: counts.errored,
        incomplete: counts.incomplete,
        unassessed,
        decided: counts.decided,
        overturned: counts.overturned,
        pass_rate: if n == 0 { 0.0 } else { passed as f64 / n as f64 },
        pass_ci: stats::wilson(passed, n, Z95),
        mean_score: mean(scores.iter().copied()).unwrap_or(0.0),
        score_ci: stats::mean_ci(&scores, 0.95),
        mean_cost_usd: mean(costs.iter().copied()),
        total_cost_usd: total_cost,
        cost_per_solved_usd: total_cost.filter(|_| passed > 0).map(|c| c / passed as f64),
        mean_tokens: mean(rows.iter().filter_map(|r| r.tokens.map(|t| t as f64))),
        max_attempts,
        min_attempts,
        pass_at_k,
        repeats: repeats(rows).len() as u64,
    }
}

/// The k shown for pass@k: 1 to 5, then 10, 20, 50, 100, …, and the largest possible.
fn ks(max: u64) -> Vec<u64> {
    let mut out: Vec<u64> = (1..=max.min(5)).collect();
    let mut decade = 10;
    'more: loop {
        for m in [1, 2, 5] {
            if decade * m >= max {
                break 'more;
            }
            out.push(decade * m);
        }
        decade *= 10;
    }
    if max > 5 {
        out.push(max);
    }
    out
}

/// The spread across the baseline's repeats of a metric computed per repeat.
fn noise(rows: &[&TrajectoryRow], metric: impl Fn(&[&TrajectoryRow]) -> Option<f64>) -> Option<f64> {
    let reps = repeats(rows);
    if reps.len() < 2 {
        return None;
    }
    let values: Vec<f64> = reps.values().filter_map(|rs| metric(rs)).collect();
    stats::noise_floor(&values)
}

fn pass_rate(rows: &[&TrajectoryRow]) -> Option<f64> {
    (!rows.is_empty()).then(|| rows.iter().filter(|r| r.passed()).count() as f64 / rows.len() as f64)
}

fn mean_score(rows: &[&TrajectoryRow]) -> Option<f64> {
    mean(rows.iter().map(|r| score_of(r)))
}

fn mean_cost(rows: &[&TrajectoryRow]) -> Option<f64> {
    mean(rows.iter().filter_map(|r| r.cost_usd))
}

fn mean_tokens(rows: &[&TrajectoryRow]) -> Option<f64> {
    mean(rows.iter().filter_map(|r| r.tokens.map(|t| t as f64)))
}

/// Compares two sets of trajectories. `others` are further revisions (from a history) placed
/// on the cost/score frontier beside the two.
pub fn compare(
    baseline: (&str, &[TrajectoryRow]),
    candidate: (&str, &[TrajectoryRow]),
    others: &[(String, Vec<TrajectoryRow>)],
    alpha: f64,
) -> Comparison {
    // Objective success is compared only where the objective was assessed; the others are
    // counted on each side as their own group.
    let base: Vec<&TrajectoryRow> = baseline.1.iter().filter(|r| r.assessed()).collect();
    let cand: Vec<&TrajectoryRow> = candidate.1.iter().filter(|r| r.assessed()).collect();
    let unassessed = |rows: &[TrajectoryRow]| rows.iter().filter(|r| !r.assessed()).count() as u64;
    let (bc, cc) = (cells(&base), cells(&cand));
    let keys: BTreeSet<&String> = bc.keys().chain(cc.keys()).collect();
    let mut scenarios = Vec::new();
    let mut flips = Counts {
        fixed: 0,
        regressed: 0,
        both_pass: 0,
        both_fail: 0,
        only_baseline: 0,
        only_candidate: 0,
        awaits_review: 0,
    };
    let (mut paired_base, mut paired_cand) = (Vec::new(), Vec::new());
    let (mut paired_base_cost, mut paired_cand_cost) = (Vec::new(), Vec::new());
    let (mut paired_base_tok, mut paired_cand_tok) = (Vec::new(), Vec::new());
    for key in keys {
        let (b, c) = (bc.get(key), cc.get(key));
        let flip = match (b, c) {
            (Some(b), Some(c)) if b.review + c.review > 0 => Flip::AwaitsReview,
            (Some(b), Some(c)) => match (b.passes(), c.passes()) {
                (false, true) => Flip::Fixed,
                (true, false) => Flip::Regressed,
                (true, true) => Flip::BothPass,
                (false, false) => Flip::BothFail,
            },
            (Some(_), None) => Flip::OnlyBaseline,
            _ => Flip::OnlyCandidate,
        };
        match flip {
            Flip::Fixed => flips.fixed += 1,
            Flip::Regressed => flips.regressed += 1,
            Flip::BothPass => flips.both_pass += 1,
            Flip::BothFail => flips.both_fail += 1,
            Flip::OnlyBaseline => flips.only_baseline += 1,
            Flip::OnlyCandidate => flips.only_candidate += 1,
            Flip::AwaitsReview => flips.awaits_review += 1,
        }
        if let (Some(b), Some(c)) = (b, c) {
            paired_base.push(Cell::mean(&b.scores).unwrap_or(0.0));
            paired_cand.push(Cell::mean(&c.scores).unwrap_or(0.0));
            if let (Some(x), Some(y)) = (Cell::mean(&b.costs), Cell::mean(&c.costs)) {
                paired_base_cost.push(x);
                paired_cand_cost.push(y);
            }
            if let (Some(x), Some(y)) = (Cell::mean(&b.tokens), Cell::mean(&c.tokens)) {
                paired_base_tok.push(x);
                paired_cand_tok.push(y);
            }
        }
        scenarios.push(ScenarioRow {
            scenario: key.clone(),
            flip,
            baseline_attempts: b.map_or(0, |x| x.n),
            baseline_passed: b.map_or(0, |x| x.c),
            candidate_attempts: c.map_or(0, |x| x.n),
            candidate_passed: c.map_or(0, |x| x.c),
            baseline_score: b.and_then(|x| Cell::mean(&x.scores)),
            candidate_score: c.and_then(|x| Cell::mean(&x.scores)),
            baseline_flip_rate: b.and_then(|x| stats::flip_rate(x.n, x.c)),
            candidate_flip_rate: c.and_then(|x| stats::flip_rate(x.n, x.c)),
        });
    }
    // Regressions first, then fixes: what a reviewer looks at.
    scenarios.sort_by(|a, b| {
        let rank = |f: Flip| match f {
            Flip::Regressed => 0,
            Flip::Fixed => 1,
            Flip::OnlyBaseline | Flip::OnlyCandidate | Flip::AwaitsReview => 2,
            Flip::BothFail => 3,
            Flip::BothPass => 4,
        };
        rank(a.flip).cmp(&rank(b.flip)).then_with(|| a.scenario.cmp(&b.scenario))
    });
    let mcnemar_p = stats::mcnemar_exact(flips.fixed, flips.regressed);
    let score_bootstrap = stats::paired_bootstrap(&paired_base, &paired_cand, RESAMPLES, SEED, 0.95);
    let cost_bootstrap = stats::paired_bootstrap(&paired_base_cost, &paired_cand_cost, RESAMPLES, SEED, 0.95);
    let tok_bootstrap = stats::paired_bootstrap(&paired_base_tok, &paired_cand_tok, RESAMPLES, SEED, 0.95);

    let (bs, cs) = (side(baseline.0, &base, unassessed(baseline.1)), side(candidate.0, &cand, unassessed(candidate.1)));
    let metric = |metric: &'static str,
                  b: Option<f64>,
                  c: Option<f64>,
                  higher_is_better: bool,
                  p_value: Option<f64>,
                  test: &'static str,
                  noise_floor: Option<f64>| {
        let delta = b.zip(c).map(|(b, c)| c - b);
        let verdict = match delta {
            Some(d) => stats::judge(d, noise_floor, p_value, alpha, higher_is_better),
            None => Direction::WithinNoise,
        };
        Metric { metric, baseline: b, candidate: c, delta, higher_is_better, p_value, test, noise_floor, verdict }
    };
    let metrics = vec![
        metric(
            "pass_rate",
            Some(bs.pass_rate),
            Some(cs.pass_rate),
            true,
            Some(mcnemar_p),
            "exact McNemar on scenario flips",
            noise(&base, pass_rate),
        ),
        metric(
            "mean_score",
            Some(bs.mean_score),
            Some(cs.mean_score),
            true,
            score_bootstrap.as_ref().map(|b| b.p_value),
            "paired bootstrap over scenarios",
            noise(&base, mean_score),
        ),
        metric(
            "mean_cost_usd",
            bs.mean_cost_usd,
            cs.mean_cost_usd,
            false,
            cost_bootstrap.as_ref().map(|b| b.p_value),
            "paired bootstrap over scenarios",
            noise(&base, mean_cost),
        ),
        metric(
            "mean_tokens",
            bs.mean_tokens,
            cs.mean_tokens,
            false,
            tok_bootstrap.as_ref().map(|b| b.p_value),
            "paired bootstrap over scenarios",
            noise(&base, mean_tokens),
        ),
    ];

    let mut points: Vec<(String, Option<f64>, f64)> =
        vec![(bs.label.clone(), bs.mean_cost_usd, bs.pass_rate), (cs.label.clone(), cs.mean_cost_usd, cs.pass_rate)];
    for (label, rows) in others {
        if label == &bs.label || label == &cs.label {
            continue;
        }
        let rs: Vec<&TrajectoryRow> = rows.iter().filter(|r| r.assessed()).collect();
        points.push((label.clone(), mean_cost(&rs), pass_rate(&rs).unwrap_or(0.0)));
    }
    let on = stats::pareto_front(&points.iter().map(|(_, c, s)| (c.unwrap_or(f64::NAN), *s)).collect::<Vec<_>>());
    let frontier = points
        .into_iter()
        .zip(on)
        .map(|((label, mean_cost_usd, pass_rate), on_frontier)| FrontierPoint {
            label,
            mean_cost_usd,
            pass_rate,
            on_frontier,
        })
        .collect();

    Comparison { baseline: bs, candidate: cs, alpha, flips, mcnemar_p, score_bootstrap, metrics, scenarios, frontier }
}
