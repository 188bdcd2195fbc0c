//! The comparison of two revisions, against values worked out by hand (in the comments).

mod rows;

use goalpost_report::compare::{Flip, compare};
use goalpost_report::stats::Direction;
use rows::{revision, row};

fn metric<'a>(c: &'a goalpost_report::compare::Comparison, name: &str) -> &'a goalpost_report::compare::Metric {
    c.metrics.iter().find(|m| m.metric == name).unwrap()
}

#[test]
fn flips_and_exact_mcnemar_on_twenty_scenarios() {
    // Baseline passes s00..s09; the candidate loses s00 and gains s10..s16.
    let base: Vec<&[bool]> = (0..20).map(|s| if s < 10 { &[true][..] } else { &[false][..] }).collect();
    let cand: Vec<&[bool]> = (0..20).map(|s| if (1..17).contains(&s) { &[true][..] } else { &[false][..] }).collect();
    let (b, c) = (revision("r1", "v1", &base), revision("r2", "v2", &cand));
    let cmp = compare(("v1", &b), ("v2", &c), &[], 0.05);
    assert_eq!((cmp.flips.fixed, cmp.flips.regressed, cmp.flips.both_pass, cmp.flips.both_fail), (7, 1, 9, 3));
    // Two-sided exact binomial, 1 of 8 at p = 1/2: 2 * (C(8,0) + C(8,1)) / 2^8 = 18/256.
    assert!((cmp.mcnemar_p - 18.0 / 256.0).abs() < 1e-12, "{}", cmp.mcnemar_p);
    assert_eq!(cmp.scenarios[0].scenario, "s00");
    assert_eq!(cmp.scenarios[0].flip, Flip::Regressed);
    assert_eq!(cmp.scenarios[1].flip, Flip::Fixed);
    let pr = metric(&cmp, "pass_rate");
    assert_eq!((pr.baseline, pr.candidate), (Some(0.5), Some(0.8)));
    assert!((pr.delta.unwrap() - 0.3).abs() < 1e-12);
    // +30 points, but p = 0.07 > 0.05: not claimed.
    assert_eq!(pr.verdict, Direction::WithinNoise);
    // Wilson 95% for 16/20: [0.5840, 0.9193].
    assert!((cmp.candidate.pass_ci.lo - 0.583_9).abs() < 1e-3, "{:?}", cmp.candidate.pass_ci);
    assert!((cmp.candidate.pass_ci.hi - 0.919_3).abs() < 1e-3, "{:?}", cmp.candidate.pass_ci);
}

#[test]
fn ten_fixes_and_no_regression_is_better() {
    let base: Vec<&[bool]> = (0..10).map(|_| &[false][..]).collect();
    let cand: Vec<&[bool]> = (0..10).map(|_| &[true][..]).collect();
    let (b, c) = (revision("r1", "v1", &base), revision("r2", "v2", &cand));
    let cmp = compare(("v1", &b), ("v2", &c), &[], 0.05);
    // 2 * (1/2)^10.
    assert!((cmp.mcnemar_p - 2.0 / 1024.0).abs() < 1e-12);
    assert_eq!(metric(&cmp, "pass_rate").verdict, Direction::Better);
    // Scores 0.5 -> 1.0 on every scenario: the bootstrap interval is the point itself.
    let boot = cmp.score_bootstrap.as_ref().unwrap();
    assert!((boot.mean_diff - 0.5).abs() < 1e-12);
    assert!((boot.lo - 0.5).abs() < 1e-12 && (boot.hi - 0.5).abs() < 1e-12);
    assert_eq!(metric(&cmp, "mean_score").verdict, Direction::Better);
}

#[test]
fn pass_at_k_pass_hat_k_and_flip_rate_over_three_attempts() {
    // s00 passes 1 of 3, s01 3 of 3, s02 0 of 3.
    let outcomes: [&[bool]; 3] = [&[true, false, false], &[true, true, true], &[false, false, false]];
    let c = revision("r2", "v2", &outcomes);
    let cmp = compare(("v2", &c), ("v2", &c), &[], 0.05);
    let k = &cmp.candidate.pass_at_k;
    assert_eq!(k.len(), 3);
    // pass@k per scenario: s00 = 1 - C(2,k)/C(3,k) = 1/3, 2/3, 1; s01 = 1; s02 = 0.
    let want_at = [4.0 / 9.0, 5.0 / 9.0, 2.0 / 3.0];
    // pass^k per scenario: s00 = C(1,k)/C(3,k) = 1/3, 0, 0; s01 = 1; s02 = 0.
    let want_hat = [4.0 / 9.0, 1.0 / 3.0, 1.0 / 3.0];
    for i in 0..3 {
        assert!((k[i].pass_at_k - want_at[i]).abs() < 1e-12, "pass@{}: {}", i + 1, k[i].pass_at_k);
        assert!((k[i].pass_hat_k - want_hat[i]).abs() < 1e-12, "pass^{}: {}", i + 1, k[i].pass_hat_k);
    }
    let s00 = cmp.scenarios.iter().find(|s| s.scenario == "s00").unwrap();
    // Two attempts disagree with probability 2 * 1 * 2 / (3 * 2).
    assert!((s00.candidate_flip_rate.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    let s01 = cmp.scenarios.iter().find(|s| s.scenario == "s01").unwrap();
    assert_eq!(s01.candidate_flip_rate, Some(0.0));
}

#[test]
fn the_baselines_repeated_runs_set_the_noise_floor() {
    // Two baseline runs: s00..s09 pass in the first, s00..s11 in the second (50% and 60%).
    let first: Vec<&[bool]> = (0..20).map(|s| if s < 10 { &[true][..] } else { &[false][..] }).collect();
    let second: Vec<&[bool]> = (0..20).map(|s| if s < 12 { &[true][..] } else { &[false][..] }).collect();
    let mut b = revision("r1", "v1", &first);
    b.extend(revision("r1b", "v1", &second));
    // The candidate passes s00..s12: 65%, against 55% over both baseline runs.
    let cand: Vec<&[bool]> = (0..20).map(|s| if s < 13 { &[true][..] } else { &[false][..] }).collect();
    let c = revision("r2", "v2", &cand);
    let cmp = compare(("v1", &b), ("v2", &c), &[], 0.05);
    assert_eq!(cmp.baseline.repeats, 2);
    let pr = metric(&cmp, "pass_rate");
    assert!((pr.noise_floor.unwrap() - 0.1).abs() < 1e-12, "{:?}", pr.noise_floor);
    assert!((pr.delta.unwrap() - 0.1).abs() < 1e-12);
    assert_eq!(pr.verdict, Direction::WithinNoise);
    // Per scenario the baseline passes s00..s09 (s10, s11 pass in only one of two runs).
    assert_eq!((cmp.flips.fixed, cmp.flips.regressed), (3, 0));
}

#[test]
fn errored_trajectories_stay_in_the_denominator_and_missing_scenarios_are_listed() {
    let b = vec![row("r1", "v1", "a", 1, "pass"), row("r1", "v1", "b", 1, "pass"), row("r1", "v1", "c", 1, "pass")];
    let c = vec![row("r2", "v2", "a", 1, "pass"), row("r2", "v2", "b", 1, "error"), row("r2", "v2", "d", 1, "pass")];
    let cmp = compare(("v1", &b), ("v2", &c), &[], 0.05);
    assert_eq!(cmp.candidate.trajectories, 3);
    assert_eq!(cmp.candidate.errored, 1);
    assert!((cmp.candidate.pass_rate - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!((cmp.flips.regressed, cmp.flips.only_baseline, cmp.flips.only_candidate), (1, 1, 1));
    let b_row = cmp.scenarios.iter().find(|s| s.scenario == "b").unwrap();
    assert_eq!(b_row.flip, Flip::Regressed);
}

#[test]
fn the_cost_frontier_marks_dominated_revisions() {
    let mut b = revision("r1", "v1", &[&[true], &[false]]);
    let mut c = revision("r2", "v2", &[&[true], &[true]]);
    for r in &mut c {
        r.cost_usd = Some(2.0);
    }
    // v0: same pass rate as v1 at a higher cost.
    let mut o = revision("r0", "v0", &[&[true], &[false]]);
    for r in &mut o {
        r.cost_usd = Some(1.5);
    }
    for r in &mut b {
        r.cost_usd = Some(1.0);
    }
    let cmp = compare(("v1", &b), ("v2", &c), &[("v0".to_owned(), o)], 0.05);
    let on: Vec<(&str, bool)> = cmp.frontier.iter().map(|p| (p.label.as_str(), p.on_frontier)).collect();
    assert_eq!(on, [("v1", true), ("v2", true), ("v0", false)]);
    let cost = metric(&cmp, "mean_cost_usd");
    assert_eq!((cost.baseline, cost.candidate, cost.delta), (Some(1.0), Some(2.0), Some(1.0)));
}

#[test]
fn pass_at_k_is_shown_for_a_few_k_when_attempts_are_many() {
    let attempts: Vec<bool> = (0..12).map(|i| i % 3 == 0).collect();
    let c = revision("r", "v", &[&attempts]);
    let cmp = compare(("v", &c), ("v", &c), &[], 0.05);
    let ks: Vec<u64> = cmp.candidate.pass_at_k.iter().map(|k| k.k).collect();
    assert_eq!(ks, [1, 2, 3, 4, 5, 10, 12]);
    // 4 of 12 pass: pass@12 = 1, pass^12 = 0, pass@1 = 1/3.
    let last = cmp.candidate.pass_at_k.last().unwrap();
    assert_eq!((last.pass_at_k, last.pass_hat_k), (1.0, 0.0));
    assert!((cmp.candidate.pass_at_k[0].pass_at_k - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn a_scenario_awaiting_review_is_neither_fixed_nor_regressed() {
    // s00: pass -> review; s01: fail -> review; s02: fail -> pass; s03: pass -> pass.
    let b = vec![
        row("r1", "v1", "s00", 1, "pass"),
        row("r1", "v1", "s01", 1, "fail"),
        row("r1", "v1", "s02", 1, "fail"),
        row("r1", "v1", "s03", 1, "pass"),
    ];
    let c = vec![
        row("r2", "v2", "s00", 1, "review"),
        row("r2", "v2", "s01", 1, "review"),
        row("r2", "v2", "s02", 1, "pass"),
        row("r2", "v2", "s03", 1, "pass"),
    ];
    let cmp = compare(("v1", &b), ("v2", &c), &[], 0.05);
    let f = &cmp.flips;
    assert_eq!((f.fixed, f.regressed, f.both_pass, f.awaits_review), (1, 0, 1, 2));
    // McNemar on 1 fixed, 0 regressed only: p = 1.
    assert!((cmp.mcnemar_p - 1.0).abs() < 1e-12, "{}", cmp.mcnemar_p);
    assert_eq!(cmp.candidate.review, 2);
    assert_eq!(cmp.candidate.passed, 2);
    assert_eq!(cmp.scenarios.iter().find(|s| s.scenario == "s00").unwrap().flip, Flip::AwaitsReview);
}
