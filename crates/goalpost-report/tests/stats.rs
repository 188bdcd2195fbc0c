//! The statistics against reference values: scipy 1.17 (`scipy.stats.t.ppf`, `t.cdf`,
//! `binomtest(...).pvalue`, `binomtest(...).proportion_ci(method="wilson")`,
//! `scipy.special.betainc`) and values worked out by hand (in the comments).

use goalpost_report::stats::*;

fn close(got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol, "got {got}, want {want} (± {tol})");
}

#[test]
fn student_t_quantiles_and_cdf_match_scipy() {
    for (df, want) in [
        (1.0, 12.706204736174694),
        (2.0, 4.302652729749462),
        (5.0, 2.5705818356363146),
        (10.0, 2.228138851986274),
        (30.0, 2.0422724563012378),
        (1000.0, 1.9623390808264083),
    ] {
        close(t_quantile(0.975, df), want, 1e-8);
        close(t_quantile(0.025, df), -want, 1e-8);
    }
    close(t_cdf(1.5, 7.0), 0.911350756505015, 1e-12);
    close(t_cdf(-0.3, 3.0), 0.3918816460199595, 1e-12);
    close(inc_beta(0.4, 2.5, 3.5), 0.4869041915261176, 1e-12);
    close(inc_beta(0.01, 0.5, 10.0), 0.3420718248432154, 1e-12);
    // Γ(5) = 24.
    close(ln_gamma(5.0), 24f64.ln(), 1e-13);
}

#[test]
fn mean_interval_matches_scipy() {
    let v = [0.2, 0.5, 0.9, 0.4, 0.7, 0.65];
    let ci = mean_ci(&v, 0.95).unwrap();
    close(ci.lo, 0.30038413086383176, 1e-9);
    close(ci.hi, 0.8162825358028349, 1e-9);
    assert_eq!(mean_ci(&[1.0], 0.95), None);
}

#[test]
fn wilson_interval_matches_scipy() {
    let z = 1.959_963_984_540_054;
    for (k, n, lo, hi) in [
        (16, 20, 0.5839825677481065, 0.9193423374202021),
        (0, 10, 0.0, 0.27753279986288926),
        (10, 10, 0.7224672001371109, 1.0),
        (37, 120, 0.23272736988916295, 0.3958299772380067),
    ] {
        let ci = wilson(k, n, z);
        close(ci.lo, lo, 1e-12);
        close(ci.hi, hi, 1e-12);
    }
    assert_eq!(wilson(0, 0, z), Interval { lo: 0.0, hi: 1.0 });
}

#[test]
fn exact_mcnemar_matches_the_binomial_test() {
    // By hand: 2 · (1/2)^5; 2 · (1 + 9) / 2^10; C(13,0..3) = 1 + 13 + 78 + 286 = 378, 2 · 378 / 8192.
    close(mcnemar_exact(0, 5), 0.0625, 1e-15);
    close(mcnemar_exact(1, 9), 0.021484375, 1e-15);
    close(mcnemar_exact(9, 1), 0.021484375, 1e-15);
    close(mcnemar_exact(3, 10), 0.09228515625, 1e-14);
    assert_eq!(mcnemar_exact(5, 5), 1.0);
    assert_eq!(mcnemar_exact(0, 0), 1.0);
    // scipy.stats.binomtest(k, n, 0.5).pvalue
    close(mcnemar_exact(10, 25), 0.016673847800120715, 1e-13);
    close(mcnemar_exact(120, 160), 0.019606727290281328, 1e-12);
    // Large counts: no overflow, no underflow to 0.
    close(mcnemar_exact(4000, 4210), 0.021070767756658847, 1e-10);
    // 2 · 2^-60, far below what a naive 2^-n · C(n, k) would keep.
    close(mcnemar_exact(0, 60) / 2f64.powi(-59), 1.0, 1e-12);
    close(mcnemar_exact(50_000, 50_000), 1.0, 1e-12);
}

#[test]
fn pass_at_k_and_pass_hat_k_by_hand() {
    // n = 5, c = 2, k = 2: 1 − C(3,2)/C(5,2) = 1 − 3/10; C(2,2)/C(5,2) = 1/10.
    close(pass_at_k(5, 2, 2).unwrap(), 0.7, 1e-15);
    close(pass_hat_k(5, 2, 2).unwrap(), 0.1, 1e-15);
    // n = 10, c = 3, k = 4: 1 − C(7,4)/C(10,4) = 1 − 35/210; C(3,4) = 0.
    close(pass_at_k(10, 3, 4).unwrap(), 1.0 - 35.0 / 210.0, 1e-15);
    assert_eq!(pass_hat_k(10, 3, 4), Some(0.0));
    // k = 1 is the pass rate either way.
    close(pass_at_k(8, 3, 1).unwrap(), 3.0 / 8.0, 1e-15);
    close(pass_hat_k(8, 3, 1).unwrap(), 3.0 / 8.0, 1e-15);
    assert_eq!(pass_at_k(10, 10, 3), Some(1.0));
    assert_eq!(pass_at_k(10, 0, 3), Some(0.0));
    assert_eq!(pass_at_k(3, 1, 4), None);
    // Against the exact ratio of binomial coefficients for every n ≤ 12.
    fn binom(n: u64, k: u64) -> f64 {
        if k > n { 0.0 } else { (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64) }
    }
    for n in 1..=12 {
        for c in 0..=n {
            for k in 1..=n {
                close(pass_at_k(n, c, k).unwrap(), 1.0 - binom(n - c, k) / binom(n, k), 1e-12);
                close(pass_hat_k(n, c, k).unwrap(), binom(c, k) / binom(n, k), 1e-12);
            }
        }
    }
}

#[test]
fn flip_rate_noise_floor_and_frontier() {
    close(flip_rate(3, 1).unwrap(), 2.0 / 3.0, 1e-15);
    assert_eq!(flip_rate(4, 4), Some(0.0));
    assert_eq!(flip_rate(1, 1), None);
    assert_eq!(noise_floor(&[0.5, 0.62, 0.55]), Some(0.62 - 0.5));
    assert_eq!(noise_floor(&[0.5]), None);
    let front = pareto_front(&[(1.0, 0.5), (2.0, 0.8), (1.5, 0.5), (f64::NAN, 0.9), (0.5, 0.2)]);
    assert_eq!(front, [true, true, false, false, true]);
}

#[test]
fn paired_bootstrap_is_reproducible_and_sensible() {
    let base = [0.1, 0.4, 0.35, 0.8, 0.5, 0.2, 0.6, 0.3];
    let up: Vec<f64> = base.iter().map(|b| b + 0.3).collect();
    let a = paired_bootstrap(&base, &up, 2000, 7, 0.95).unwrap();
    let b = paired_bootstrap(&base, &up, 2000, 7, 0.95).unwrap();
    assert_eq!(a, b, "same seed, same result");
    // Every difference is +0.3: the interval is the point, and p is the floor 2/(R+1).
    close(a.mean_diff, 0.3, 1e-12);
    close(a.lo, 0.3, 1e-12);
    close(a.hi, 0.3, 1e-12);
    close(a.p_value, 2.0 / 2001.0, 1e-15);
    // Differences symmetric around 0: the interval straddles 0 and p is large.
    let mixed: Vec<f64> = base.iter().enumerate().map(|(i, b)| if i % 2 == 0 { b + 0.2 } else { b - 0.2 }).collect();
    let m = paired_bootstrap(&base, &mixed, 2000, 7, 0.95).unwrap();
    close(m.mean_diff, 0.0, 1e-12);
    assert!(m.lo < 0.0 && m.hi > 0.0, "{m:?}");
    assert!(m.p_value > 0.5, "{m:?}");
    assert_eq!(paired_bootstrap(&base, &up[..3], 10, 1, 0.95), None);
}

#[test]
fn verdicts_claim_nothing_they_cannot_support() {
    assert_eq!(judge(0.2, Some(0.1), Some(0.01), 0.05, true), Direction::Better);
    assert_eq!(judge(0.2, Some(0.1), Some(0.01), 0.05, false), Direction::Worse);
    // Inside the noise floor, or not significant, or with nothing to judge by.
    assert_eq!(judge(0.05, Some(0.1), Some(0.01), 0.05, true), Direction::WithinNoise);
    assert_eq!(judge(0.2, Some(0.1), Some(0.2), 0.05, true), Direction::WithinNoise);
    assert_eq!(judge(0.2, None, None, 0.05, true), Direction::WithinNoise);
    assert_eq!(judge(-0.3, None, Some(0.001), 0.05, true), Direction::Worse);
}
