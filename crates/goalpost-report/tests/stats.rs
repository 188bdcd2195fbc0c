//! The statistics against independent reference values.
//!
//! Where each number comes from:
//! - scipy 1.17.1: `stats.t.ppf`, `stats.t.cdf`, `stats.t.interval(level, n-1, loc=mean,
//!   scale=stats.sem(v))`, `special.betainc`, `special.betaln`, `special.gammaln`,
//!   `stats.binomtest(k, n, 0.5).pvalue` and `.proportion_ci(method="wilson")`;
//! - statsmodels 0.15.0: `mcnemar([[a, b], [c, d]], exact=True).pvalue`,
//!   `proportion_confint(k, n, alpha=0.05, method="wilson")`;
//! - mpmath 1.4.1 at 50 digits: `betainc(..., regularized=True)`, `log(beta(a, b))`,
//!   `loggamma`, and t quantiles by `findroot` on the exact CDF;
//! - numpy 2.4.6: `np.quantile` (default linear method);
//! - Python's exact integers and `fractions.Fraction` for McNemar with large counts
//!   (`2 · Σ_{i ≤ k} C(n, i) / 2ⁿ`);
//! - computed inside the tests with exact integer (u128) arithmetic, or by hand in comments.
//!
//! Reference values are quoted with every digit their source printed, so that each can be
//! traced back to it; hence the `allow` below.

#![allow(clippy::excessive_precision)]

use goalpost_report::stats::*;

fn close(got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol, "got {got:e}, want {want:e} (± {tol:e})");
}

fn rel_close(got: f64, want: f64, rel: f64) {
    assert!((got - want).abs() <= rel * want.abs(), "got {got:e}, want {want:e} (relative ± {rel:e})");
}

/// C(n, k) exactly (n ≤ 120 keeps every intermediate in u128).
fn binom_u128(n: u64, k: u64) -> u128 {
    if k > n {
        return 0;
    }
    (0..u128::from(k)).fold(1_u128, |acc, i| acc * (u128::from(n) - i) / (i + 1))
}

fn gcd(a: u128, b: u128) -> u128 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// An exact non-negative fraction, reduced.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ratio(u128, u128);

impl Ratio {
    fn new(num: u128, den: u128) -> Ratio {
        let g = gcd(num, den).max(1);
        Ratio(num / g, den / g)
    }
    fn mul(self, other: Ratio) -> Ratio {
        // Cross-reduce first so the products stay small.
        let g1 = gcd(self.0, other.1).max(1);
        let g2 = gcd(other.0, self.1).max(1);
        Ratio::new((self.0 / g1) * (other.0 / g2), (self.1 / g2) * (other.1 / g1))
    }
    fn one_minus(self) -> Ratio {
        Ratio::new(self.1 - self.0, self.1)
    }
    fn to_f64(self) -> f64 {
        self.0 as f64 / self.1 as f64
    }
}

// ---------------------------------------------------------------------------------------------
// Wilson
// ---------------------------------------------------------------------------------------------

#[test]
fn wilson_matches_scipy_and_statsmodels() {
    // scipy binomtest(k, n).proportion_ci(0.95, "wilson"); statsmodels agrees to 1e-15.
    for (k, n, lo, hi) in [
        (16, 20, 0.5839825677481065, 0.9193423374202021),
        (0, 10, 0.0, 0.27753279986288926),
        (10, 10, 0.7224672001371109, 1.0),
        (37, 120, 0.23272736988916295, 0.3958299772380067),
        (1, 1, 0.20654931437723745, 1.0),
        (500, 1000, 0.4690696003681042, 0.5309303996318958),
    ] {
        let ci = wilson(k, n, Z95);
        close(ci.lo, lo, 1e-12);
        close(ci.hi, hi, 1e-12);
    }
    // Rare events: relative precision is kept.
    let ci = wilson(3, 100_000, Z95);
    rel_close(ci.lo, 1.0202758544517341e-05, 1e-10);
    rel_close(ci.hi, 8.82080492517673e-05, 1e-10);
}

#[test]
fn wilson_edge_cases() {
    assert_eq!(wilson(0, 0, Z95), Interval { lo: 0.0, hi: 1.0 });
    assert_eq!(wilson(3, 10, f64::NAN), Interval { lo: 0.0, hi: 1.0 });
    // Exactly 0 and 1 at the ends, not 1e-17 or 0.9999999999999999.
    assert_eq!(wilson(0, 7, Z95).lo, 0.0);
    assert_eq!(wilson(7, 7, Z95).hi, 1.0);
    // The sign of z does not matter; successes above n count as n.
    assert_eq!(wilson(4, 9, -Z95), wilson(4, 9, Z95));
    assert_eq!(wilson(12, 9, Z95), wilson(9, 9, Z95));
    // z = 0 collapses to the point estimate.
    let ci = wilson(3, 12, 0.0);
    close(ci.lo, 0.25, 1e-15);
    close(ci.hi, 0.25, 1e-15);
    // By hand, k = 1, n = 2, z = 2: centre = (1 + 2)/(2 + 4) = 0.5,
    // half = 2/6 · √(1·1/2 + 1) = √1.5 / 3.
    let ci = wilson(1, 2, 2.0);
    close(ci.lo, 0.5 - 1.5f64.sqrt() / 3.0, 1e-15);
    close(ci.hi, 0.5 + 1.5f64.sqrt() / 3.0, 1e-15);
    assert!(ci.contains(0.5) && !ci.contains(0.95));
    close(ci.width(), 2.0 * 1.5f64.sqrt() / 3.0, 1e-15);
}

// ---------------------------------------------------------------------------------------------
// Special functions and Student's t
// ---------------------------------------------------------------------------------------------

#[test]
fn ln_gamma_and_ln_beta_match_mpmath() {
    for (x, want) in [
        (0.5, 0.5723649429247000870717137),
        (1.0, 0.0),
        (5.0, 3.178053830347945619646942),
        (10.5, 13.94062521940376363316124),
        (170.3, 702.9773854513282400660201),
        (1e5, 1051287.708973656894900858),
        (3e-7, 15.01948318912558469354492),
    ] {
        close(ln_gamma(x), want, 1e-14 * want.abs().max(1.0));
    }
    // Γ(5) = 24 and Γ(½) = √π, by hand.
    close(ln_gamma(5.0), 24f64.ln(), 1e-14);
    close(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-15);
    // Γ(−½) = −2√π, by hand: ln |Γ(−½)| = ln(2√π).
    close(ln_gamma(-0.5), (2.0 * std::f64::consts::PI.sqrt()).ln(), 1e-14);
    assert_eq!(ln_gamma(0.0), f64::INFINITY);
    assert_eq!(ln_gamma(-2.0), f64::INFINITY);
    assert!(ln_gamma(f64::NAN).is_nan());

    // mpmath log(beta(a, b)). For (0.5, 500000) scipy's betaln gives −5.988816495984793,
    // 2e-10 off: the Stirling path is what makes t with huge df accurate.
    for (a, b, want) in [
        (2.5, 3.5, -3.301835269962052609799184),
        (0.5, 500000.0, -5.988816495777464310315311),
        (20.0, 0.5, -0.9192518444066039864797214),
        (300.0, 200.0, -337.9801130654646683530436),
        (1e-3, 4.0, 6.905922625817282078925097),
    ] {
        rel_close(ln_beta(a, b), want, 2e-15);
        rel_close(ln_beta(b, a), want, 2e-15);
    }
    assert!(ln_beta(0.0, 1.0).is_nan());
    assert!(ln_beta(-1.0, 1.0).is_nan());
}

#[test]
fn incomplete_beta_matches_mpmath() {
    // mpmath betainc(a, b, 0, x, regularized=True).
    for (x, a, b, want) in [
        (0.4, 2.5, 3.5, 0.4869041915261173978),
        (0.01, 0.5, 10.0, 0.34207182484321553304),
        (0.999, 50.0, 0.5, 0.75236901996537668139),
        (0.3, 200.0, 300.0, 1.04969852432929467e-6),
        (0.9, 0.1, 0.1, 0.59361490606372402266),
    ] {
        close(inc_beta(x, a, b), want, 1e-13 * want);
    }
    // Beta(1, 1) is uniform; I_x(a, b) = 1 − I_{1−x}(b, a).
    close(inc_beta(0.3, 1.0, 1.0), 0.3, 1e-15);
    close(inc_beta(0.7, 4.0, 2.5), 1.0 - inc_beta(0.3, 2.5, 4.0), 1e-14);
    assert_eq!(inc_beta(0.0, 2.0, 3.0), 0.0);
    assert_eq!(inc_beta(1.0, 2.0, 3.0), 1.0);
    assert_eq!(inc_beta(-0.5, 2.0, 3.0), 0.0);
    assert!(inc_beta(0.5, 0.0, 3.0).is_nan());
    assert!(inc_beta(f64::NAN, 1.0, 3.0).is_nan());
}

#[test]
fn student_t_cdf_matches_scipy() {
    // scipy t.cdf(t, df).
    for (t, df, want) in [
        (1.5, 7.0, 0.911350756505015),
        (-0.3, 3.0, 0.3918816460199595),
        (-2.0, 1e4, 0.022763630330717721369),
        (-40.0, 2.0, 0.0003122073360923703),
        (1e-9, 5.0, 0.5000000003796067),
    ] {
        close(t_cdf(t, df), want, 1e-13);
    }
    // A million degrees of freedom: within the documented 1e-11 relative of mpmath's tail.
    rel_close(t_cdf(-2.0, 1e6), 0.022750266925659604211, 2e-11);
    // Deep in the tail the lower CDF keeps its relative precision: t.cdf(-8, 500.5) = t.sf(8).
    rel_close(t_cdf(-8.0, 500.5), 4.356993201041855e-15, 1e-10);
    // df = 1 is Cauchy: F(t) = ½ + atan(t)/π, by hand.
    for t in [-3.0, -0.5, 0.25, 2.0, 50.0] {
        close(t_cdf(t, 1.0), 0.5 + f64::atan(t) / std::f64::consts::PI, 1e-14);
    }
    // df = 2: F(t) = ½ + t / (2√(2 + t²)), by hand.
    for t in [-3.0, 0.7, 4.0] {
        close(t_cdf(t, 2.0), 0.5 + t / (2.0 * (2.0 + t * t).sqrt()), 1e-14);
    }
    assert_eq!(t_cdf(0.0, 4.0), 0.5);
    assert_eq!(t_cdf(f64::INFINITY, 4.0), 1.0);
    assert_eq!(t_cdf(f64::NEG_INFINITY, 4.0), 0.0);
    assert!(t_cdf(1.0, 0.0).is_nan());
    assert!(t_cdf(1.0, f64::INFINITY).is_nan());
    assert!(t_cdf(f64::NAN, 3.0).is_nan());
}

#[test]
fn student_t_quantiles_match_scipy_and_mpmath() {
    // The 0.975 quantiles of the brief (t tables), to the digits of scipy t.ppf / mpmath.
    for (df, want) in [
        (1.0, 12.706204736174693),
        (2.0, 4.302652729749462),
        (5.0, 2.5705818356363148),
        (10.0, 2.228138851986274),
        (30.0, 2.042272456301238),
        (1000.0, 1.962339080826408),
    ] {
        close(t_quantile(0.975, df), want, 1e-13 * want);
        close(t_quantile(0.025, df), -want, 1e-13 * want);
    }
    // Huge df: the documented accuracy (mpmath 1.9599663568141066553; z = 1.959963984540054).
    close(t_quantile(0.975, 1e6), 1.9599663568141067, 5e-11);
    // Other levels, a fractional df, and far tails (mpmath findroot on the exact CDF).
    for (p, df, want) in [
        (0.995, 3.0, 5.8409093097333554),
        (0.9, 7.5, 1.4052118464159531),
        (0.6, 20.0, 0.25674275385450192),
        (0.9999999, 1.0, 3183098.8635132447),
        (0.9999999, 4.0, 73.985758057510531),
    ] {
        close(t_quantile(p, df), want, 1e-10 * want);
    }
    // df = 1 by hand: the Cauchy quantile tan(π(p − ½)).
    close(t_quantile(0.8, 1.0), (std::f64::consts::PI * 0.3).tan(), 1e-12);
    // Round trip through the CDF.
    for (p, df) in [(0.01, 3.0), (0.3, 12.0), (0.7, 0.5), (0.999, 60.0)] {
        close(t_cdf(t_quantile(p, df), df), p, 1e-13);
    }
    assert_eq!(t_quantile(0.5, 9.0), 0.0);
    assert_eq!(t_quantile(0.0, 9.0), f64::NEG_INFINITY);
    assert_eq!(t_quantile(1.0, 9.0), f64::INFINITY);
    assert!(t_quantile(1.5, 9.0).is_nan());
    assert!(t_quantile(f64::NAN, 9.0).is_nan());
    assert!(t_quantile(0.9, -1.0).is_nan());
}

#[test]
fn mean_interval_matches_scipy() {
    // scipy t.interval(level, n - 1, loc=mean, scale=sem).
    for (values, level, lo, hi) in [
        (vec![0.2, 0.5, 0.9, 0.4, 0.7, 0.65], 0.95, 0.30038413086383176, 0.8162825358028349),
        (vec![1.0, 2.0], 0.95, -4.853102368087347, 7.853102368087347),
        (vec![3.1, 2.9, 3.05, 3.2, 2.8, 3.0, 3.15, 2.95, 3.1, 3.0], 0.99, 2.900894855287469, 3.149105144712531),
    ] {
        let ci = mean_ci(&values, level).expect("two or more values");
        close(ci.lo, lo, 1e-12);
        close(ci.hi, hi, 1e-12);
    }
    // A large offset loses no digits of the spread (scipy: 1e9 + 0.0314147, 1e9 + 0.3685856).
    let ci = mean_ci(&[1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3], 0.9).expect("three values");
    close(ci.lo - 1e9, 0.0314147, 1e-6);
    close(ci.hi - 1e9, 0.3685856, 1e-6);
    // By hand, two values 1 and 2: mean 1.5, s = √½, half-width t(0.975, 1) · ½.
    let ci = mean_ci(&[1.0, 2.0], 0.95).expect("two values");
    close(ci.hi - 1.5, 12.706204736174693 * 0.5, 1e-10);
}

#[test]
fn mean_interval_edge_cases() {
    assert_eq!(mean_ci(&[], 0.95), None);
    assert_eq!(mean_ci(&[1.0], 0.95), None);
    assert_eq!(mean_ci(&[1.0, f64::NAN, 2.0], 0.95), None);
    assert_eq!(mean_ci(&[1.0, f64::INFINITY], 0.95), None);
    assert_eq!(mean_ci(&[1.0, 2.0], 0.0), None);
    assert_eq!(mean_ci(&[1.0, 2.0], 1.0), None);
    // No spread, no width.
    assert_eq!(mean_ci(&[0.25; 5], 0.95), Some(Interval { lo: 0.25, hi: 0.25 }));
}

// ---------------------------------------------------------------------------------------------
// Exact McNemar
// ---------------------------------------------------------------------------------------------

#[test]
fn mcnemar_by_hand() {
    // 2 · (½)⁵.
    assert_eq!(mcnemar_exact(0, 5), 0.0625);
    // k = min(1, 9) = 1, n = 10: 2 · (C(10,0) + C(10,1)) / 2¹⁰ = 2 · 11 / 1024.
    close(mcnemar_exact(1, 9), 22.0 / 1024.0, 1e-16);
    close(mcnemar_exact(1, 9), 0.021484375, 1e-16);
    close(mcnemar_exact(9, 1), 0.021484375, 1e-16);
    // 2 · (C(13,0) + … + C(13,3)) / 2¹³ = 2 · (1 + 13 + 78 + 286) / 8192 = 756 / 8192.
    close(mcnemar_exact(3, 10), 756.0 / 8192.0, 1e-16);
    close(mcnemar_exact(3, 10), 0.09228515625, 1e-16);
    // 2 · (½)⁷ = 1/64.
    close(mcnemar_exact(7, 0), 0.015625, 1e-17);
    // Balanced, or one apart: P(X ≤ ⌊n/2⌋) ≥ ½, capped at exactly 1.
    assert_eq!(mcnemar_exact(5, 5), 1.0);
    assert_eq!(mcnemar_exact(2, 3), 1.0);
    assert_eq!(mcnemar_exact(0, 0), 1.0);
    assert_eq!(mcnemar_exact(0, 1), 1.0);
    // (4, 6): 2 · (1 + 10 + 45 + 120 + 210) / 1024 = 772 / 1024 < 1.
    close(mcnemar_exact(4, 6), 772.0 / 1024.0, 1e-15);
}

#[test]
fn mcnemar_matches_exact_integer_sums() {
    // p = min(1, 2 · Σ_{i ≤ min(b,c)} C(b+c, i) / 2^(b+c)), all in u128 (b + c ≤ 120), compared
    // in relative terms: the smallest is about 1e-34.
    let exact = |b: u64, c: u64| -> f64 {
        let n = b + c;
        let k = b.min(c);
        let sum: u128 = (0..=k).map(|i| binom_u128(n, i)).sum();
        // sum < 2¹²⁰ converts to f64 with one rounding; the powers of two are exact.
        (2.0 * sum as f64 * 0.5f64.powi(n as i32)).min(1.0)
    };
    close(mcnemar_exact(10, 25), exact(10, 25), 1e-15);
    rel_close(mcnemar_exact(10, 25), 0.016673847800120711327, 1e-14);
    // Every table with b + c ≤ 120 (7,381 of them), to 3e-14 relative: the saddle-point form
    // exponentiates a sum of terms of size up to n, which costs up to ~100 units in the last
    // place (the worst here is 2.8e-14, at b = 3, c = 116, where p ≈ 2e-31).
    for n in 0..=120_u64 {
        for b in 0..=n {
            let c = n - b;
            rel_close(mcnemar_exact(b, c), exact(b, c), 3e-14);
            assert_eq!(mcnemar_exact(b, c), mcnemar_exact(c, b), "symmetric in b and c");
        }
    }
}

#[test]
fn mcnemar_large_counts_match_exact_fractions() {
    // Python: exact integers, 2 · Σ C(n, i) / 2ⁿ as a Fraction, printed by mpmath to 20 digits.
    // statsmodels' mcnemar(exact=True) and scipy's binomtest give the same to ~1e-14.
    for (b, c, want) in [
        (120, 160, 0.01960672729028148069),
        (4000, 4210, 0.021070767756658672046),
        (49_000, 51_000, 2.5887160383468978841e-10),
        (49_800, 50_200, 0.20703897176422484427),
        (0, 60, 1.7347234759768070944e-18),
        (0, 1000, 1.866527237006437758e-301),
        (1, 1000, 9.3513014574022531675e-299),
    ] {
        rel_close(mcnemar_exact(b, c), want, 1e-12);
    }
    // The value is 3e-3576: below the smallest f64, so exactly 0, not NaN.
    assert_eq!(mcnemar_exact(30_000, 70_000), 0.0);
    assert_eq!(mcnemar_exact(50_000, 50_000), 1.0);
    assert_eq!(mcnemar_exact(50_000, 50_001), 1.0);
}

// ---------------------------------------------------------------------------------------------
// Paired bootstrap
// ---------------------------------------------------------------------------------------------

#[test]
fn quantile_matches_numpy() {
    // np.quantile([-2, 0.5, 1, 4, 10], q), default (linear) method.
    let x = [-2.0, 0.5, 1.0, 4.0, 10.0];
    for (q, want) in [
        (0.0, -2.0),
        (0.025, -1.75),
        (0.25, 0.5),
        (0.5, 1.0),
        (0.9, 7.6000000000000005),
        (0.975, 9.399999999999999),
        (1.0, 10.0),
    ] {
        close(quantile_sorted(&x, q).expect("non-empty"), want, 1e-14);
    }
    assert_eq!(quantile_sorted(&[3.5], 0.3), Some(3.5));
    assert_eq!(quantile_sorted(&[], 0.5), None);
    assert_eq!(quantile_sorted(&x, 1.5), None);
    assert_eq!(quantile_sorted(&x, f64::NAN), None);
}

/// The bootstrap distribution of a mean of 3 pairs is known exactly: 27 equally likely index
/// triples. With 200,000 resamples the estimates must be within a few standard errors.
#[test]
fn bootstrap_agrees_with_the_exact_bootstrap_distribution() {
    // Differences cand − base = [−1, 2, 3], exact in binary.
    let base = [1.0, 1.0, 0.5];
    let cand = [0.0, 3.0, 3.5];
    let diffs = [-1.0, 2.0, 3.0];
    let sums: Vec<f64> = (0..27).map(|t: usize| diffs[t % 3] + diffs[(t / 3) % 3] + diffs[t / 9]).collect();
    let share = |f: &dyn Fn(f64) -> bool| sums.iter().filter(|s| f(**s)).count() as f64 / 27.0;
    // By hand: sum ≤ 0 for (−1,−1,−1) and the 3 orders of (−1,−1,2): 4/27; ≥ 0 for all but
    // (−1,−1,−1): 26/27. So p = 2 · 4/27 = 8/27.
    let exact_p = 2.0 * share(&|s| s <= 0.0).min(share(&|s| s >= 0.0));
    close(exact_p, 8.0 / 27.0, 1e-15);

    let r = paired_bootstrap(&base, &cand, 200_000, 42, 0.95).expect("paired");
    close(r.mean_diff, 4.0 / 3.0, 1e-15);
    assert_eq!(r.resamples, 200_000);
    // Standard error of the p estimate: 2 · √(4/27 · 23/27 / 200000) ≈ 0.0016.
    close(r.p_value, exact_p, 0.008);
    // The extreme means −1 (all three −1) and 3 (all three 3) each have probability 1/27 > 2.5%,
    // so the 2.5% and 97.5% percentiles are exactly those values.
    assert_eq!(r.lo, -1.0);
    assert_eq!(r.hi, 3.0);
    // At level 0.5 the interval is the quartiles. By hand: P(sum ≤ 0) = 4/27 < 25% ≤
    // P(sum ≤ 1) = 7/27, so the 25% point is the mean 1/3; P(sum ≤ 6) = 20/27 < 75% ≤
    // P(sum ≤ 7) = 23/27, so the 75% point is 7/3. The enumeration must agree.
    let mut sorted = sums.clone();
    sorted.sort_by(f64::total_cmp);
    let q25 = sorted.iter().copied().find(|s| share(&|x| x <= *s) >= 0.25).unwrap_or(f64::NAN) / 3.0;
    let q75 = sorted.iter().copied().find(|s| share(&|x| x <= *s) >= 0.75).unwrap_or(f64::NAN) / 3.0;
    close(q25, 1.0 / 3.0, 1e-15);
    close(q75, 7.0 / 3.0, 1e-15);
    let half = paired_bootstrap(&base, &cand, 200_000, 42, 0.5).expect("paired");
    close(half.lo, q25, 1e-12);
    close(half.hi, q75, 1e-12);
}

#[test]
fn bootstrap_is_deterministic_for_a_seed() {
    let base = [0.1, 0.4, 0.35, 0.8, 0.5, 0.2, 0.6, 0.3, 0.9, 0.45];
    let cand = [0.2, 0.35, 0.5, 0.8, 0.7, 0.1, 0.65, 0.5, 0.85, 0.6];
    let a = paired_bootstrap(&base, &cand, 5000, 7, 0.95).expect("paired");
    let b = paired_bootstrap(&base, &cand, 5000, 7, 0.95).expect("paired");
    assert_eq!(a, b, "same seed, same result");
    let c = paired_bootstrap(&base, &cand, 5000, 8, 0.95).expect("paired");
    assert_ne!((a.lo, a.hi, a.p_value), (c.lo, c.hi, c.p_value), "another seed, other resamples");
    assert_eq!(a.mean_diff, c.mean_diff, "the observed difference does not depend on the seed");
    // By hand: the differences 0.1, −0.05, 0.15, 0, 0.2, −0.1, 0.05, 0.2, −0.05, 0.15 sum to 0.65.
    close(a.mean_diff, 0.065, 1e-15);
    // Golden values: this implementation with rand 0.10.4 (ChaCha8Rng::seed_from_u64(7),
    // random_range over usize). A change here means the resampling stream changed, and every
    // stored comparison would no longer reproduce.
    // (The lower end is a resample whose differences cancel: a tie at 0, exactly 0.)
    assert_eq!(a.lo, 0.0);
    close(a.hi, 0.1251249999999982, 1e-15);
    close(a.p_value, 0.0684, 1e-15);
}

#[test]
fn bootstrap_counts_rounding_ties_at_zero_as_zero() {
    // Differences 0.3, −0.1, −0.2: one of each sums to 0, but in floating point to −2.8e-17 or
    // −5.6e-17 depending on the order. Exact bootstrap distribution of the sum (27 triples):
    // < 0 for 11, = 0 for 6 (the orders of one of each), > 0 for 10. So P(mean ≤ 0) = 17/27
    // and P(mean ≥ 0) = 16/27, p = min(1, 2 · 16/27) = 1; and the 45% and 55% points both lie
    // in the tie, between 11/27 ≈ 0.41 and 17/27 ≈ 0.63: exactly 0. Were the ties left to
    // rounding, P(mean ≥ 0) would be 10/27 and p about 0.74.
    let base = [0.0, 0.1, 0.2];
    let cand = [0.3, 0.0, 0.0];
    let r = paired_bootstrap(&base, &cand, 50_000, 11, 0.1).expect("paired");
    assert_eq!(r.p_value, 1.0);
    assert_eq!((r.lo, r.hi), (0.0, 0.0));
}

#[test]
fn bootstrap_with_equal_differences_collapses() {
    // Every difference +0.25 (exact in binary): every resampled mean is 0.25, none is ≤ 0, so
    // p = 2 · min(0, 1) = 0 and the interval is the point.
    let base = [0.0, 0.25, 0.5, 0.75, 0.5];
    let up: Vec<f64> = base.iter().map(|b| b + 0.25).collect();
    let r = paired_bootstrap(&base, &up, 2000, 1, 0.95).expect("paired");
    assert_eq!((r.mean_diff, r.lo, r.hi, r.p_value), (0.25, 0.25, 0.25, 0.0));
    // Differences that are all 0: both shares are 1, p = min(1, 2) = 1.
    let r = paired_bootstrap(&base, &base, 2000, 1, 0.95).expect("paired");
    assert_eq!((r.mean_diff, r.lo, r.hi, r.p_value), (0.0, 0.0, 0.0, 1.0));
    // +0.3 is not exact in binary: the differences differ in the last bit, the interval is the
    // point up to rounding.
    let base = [0.1, 0.4, 0.35, 0.8];
    let up: Vec<f64> = base.iter().map(|b| b + 0.3).collect();
    let r = paired_bootstrap(&base, &up, 2000, 1, 0.95).expect("paired");
    close(r.lo, 0.3, 1e-15);
    close(r.hi, 0.3, 1e-15);
    assert_eq!(r.p_value, 0.0);
}

#[test]
fn bootstrap_sees_a_clear_improvement_and_not_a_symmetric_one() {
    // Multiples of 1/8: every difference below is exact in binary, so a resample whose
    // differences cancel has a mean of exactly 0.
    let base = [0.125, 0.5, 0.375, 0.75, 0.5, 0.25, 0.625, 0.25, 0.875, 0.5, 0.5, 0.25];
    let sign = |i: usize| if i.is_multiple_of(2) { 1.0 } else { -1.0 };
    // Clearly better: +0.25 ± 0.125, so every difference is +0.125 or +0.375.
    let better: Vec<f64> = base.iter().enumerate().map(|(i, b)| b + 0.25 + 0.125 * sign(i)).collect();
    let r = paired_bootstrap(&base, &better, 10_000, 3, 0.95).expect("paired");
    assert_eq!(r.mean_diff, 0.25);
    assert!(r.lo > 0.125 && r.hi < 0.375 && r.lo < 0.25 && r.hi > 0.25, "{r:?}");
    assert_eq!(r.p_value, 0.0, "no resampled mean of differences ≥ 0.125 is ≤ 0");

    // Symmetric: ±0.25 alternating. A resample with j differences of +0.25 among 12 has mean
    // (j − 6)/24; j ~ Binomial(12, ½). P(mean ≤ 0) = P(mean ≥ 0) = P(j ≤ 6) ≈ 0.61 > ½, so
    // p = min(1, 2 · 0.61) = 1 exactly.
    let mixed: Vec<f64> = base.iter().enumerate().map(|(i, b)| b + 0.25 * sign(i)).collect();
    let m = paired_bootstrap(&base, &mixed, 10_000, 3, 0.95).expect("paired");
    assert_eq!(m.mean_diff, 0.0);
    assert!(m.lo < 0.0 && m.hi > 0.0, "{m:?}");
    assert_eq!(m.p_value, 1.0);
    // By hand: P(j ≤ 8) = 3797/4096 ≈ 0.927 < 97.5% ≤ P(j ≤ 9) = 4017/4096 ≈ 0.981, so the
    // 97.5% point is j = 9, mean 3/24 = 0.125; the 2.5% point is j = 3, mean −0.125.
    assert_eq!((m.lo, m.hi), (-0.125, 0.125));
}

#[test]
fn bootstrap_refuses_what_it_cannot_pair() {
    let a = [1.0, 2.0, 3.0];
    assert_eq!(paired_bootstrap(&a, &a[..2], 100, 1, 0.95), None);
    assert_eq!(paired_bootstrap(&[], &[], 100, 1, 0.95), None);
    assert_eq!(paired_bootstrap(&a, &a, 0, 1, 0.95), None);
    assert_eq!(paired_bootstrap(&a, &a, 100, 1, 1.0), None);
    assert_eq!(paired_bootstrap(&a, &[1.0, f64::NAN, 3.0], 100, 1, 0.95), None);
    // One pair: every resample is that pair.
    let one = paired_bootstrap(&[0.5], &[0.75], 100, 1, 0.95).expect("one pair");
    assert_eq!((one.lo, one.hi, one.p_value), (0.25, 0.25, 0.0));
}

// ---------------------------------------------------------------------------------------------
// pass@k, pass^k, flip rate
// ---------------------------------------------------------------------------------------------

#[test]
fn pass_at_k_and_pass_hat_k_by_hand() {
    // n = 5, c = 2, k = 2: 1 − C(3,2)/C(5,2) = 1 − 3/10; pass^k = C(2,2)/C(5,2) = 1/10.
    close(pass_at_k(5, 2, 2).expect("k ≤ n"), 0.7, 1e-15);
    close(pass_hat_k(5, 2, 2).expect("k ≤ n"), 0.1, 1e-15);
    // n = 10, c = 3, k = 4: 1 − C(7,4)/C(10,4) = 1 − 35/210 = 5/6; C(3,4) = 0.
    close(pass_at_k(10, 3, 4).expect("k ≤ n"), 5.0 / 6.0, 1e-15);
    assert_eq!(pass_hat_k(10, 3, 4), Some(0.0));
    // n = 10, c = 7, k = 3: pass^k = C(7,3)/C(10,3) = 35/120.
    close(pass_hat_k(10, 7, 3).expect("k ≤ n"), 35.0 / 120.0, 1e-15);
    // k = 1 is the pass rate either way.
    close(pass_at_k(8, 3, 1).expect("k ≤ n"), 3.0 / 8.0, 1e-15);
    close(pass_hat_k(8, 3, 1).expect("k ≤ n"), 3.0 / 8.0, 1e-15);
    // All pass / none pass.
    assert_eq!(pass_at_k(10, 10, 3), Some(1.0));
    assert_eq!(pass_hat_k(10, 10, 3), Some(1.0));
    assert_eq!(pass_at_k(10, 0, 3), Some(0.0));
    assert_eq!(pass_hat_k(10, 0, 3), Some(0.0));
    // Fewer failures than k: some drawn attempt must pass.
    assert_eq!(pass_at_k(10, 8, 3), Some(1.0));
    // Impossible or empty draws, impossible counts.
    assert_eq!(pass_at_k(3, 1, 4), None);
    assert_eq!(pass_hat_k(3, 1, 4), None);
    assert_eq!(pass_at_k(3, 1, 0), None);
    assert_eq!(pass_hat_k(3, 1, 0), None);
    assert_eq!(pass_at_k(3, 4, 1), None);
    assert_eq!(pass_hat_k(3, 4, 1), None);
    assert_eq!(pass_at_k(0, 0, 1), None);
}

#[test]
fn pass_at_k_and_pass_hat_k_match_exact_rationals() {
    // The numpy reference of Chen et al. — `1 - prod(1 - k / arange(n - c + 1, n + 1))`, with
    // `1.0` when n − c < k — evaluated in exact fractions, must equal 1 − C(n−c,k)/C(n,k); and
    // both functions must match it in floating point. Likewise pass^k = C(c,k)/C(n,k) against
    // ∏ (c − i)/(n − i).
    for n in 1..=30_u64 {
        for c in 0..=n {
            for k in 1..=n {
                let numpy = if n - c < k {
                    Ratio(1, 1)
                } else {
                    ((n - c + 1)..=n)
                        .fold(Ratio(1, 1), |acc, i| acc.mul(Ratio::new(u128::from(i - k), u128::from(i))))
                        .one_minus()
                };
                let by_binomials = Ratio::new(binom_u128(n, k) - binom_u128(n - c, k), binom_u128(n, k));
                assert_eq!(numpy, by_binomials, "n={n} c={c} k={k}");
                close(pass_at_k(n, c, k).expect("k ≤ n"), by_binomials.to_f64(), 1e-13);

                let hat = Ratio::new(binom_u128(c, k), binom_u128(n, k));
                close(pass_hat_k(n, c, k).expect("k ≤ n"), hat.to_f64(), 1e-14);
            }
        }
    }
}

#[test]
fn pass_at_k_is_stable_for_many_attempts() {
    // n = 10,000, c = 1: 1 − C(9999, k)/C(10000, k) = k / n exactly, by hand.
    close(pass_at_k(10_000, 1, 100).expect("k ≤ n"), 0.01, 1e-14);
    // n = 1000, c = 999: pass^k = C(999, k)/C(1000, k) = (1000 − k)/1000, by hand.
    close(pass_hat_k(1000, 999, 250).expect("k ≤ n"), 0.75, 1e-13);
}

#[test]
fn flip_rate_matches_counting_pairs() {
    // By hand: n = 3, c = 1: 2 · 1 · 2 / (3 · 2) = 2/3.
    close(flip_rate(3, 1).expect("n ≥ 2"), 2.0 / 3.0, 1e-15);
    close(flip_rate(4, 2).expect("n ≥ 2"), 2.0 / 3.0, 1e-15);
    assert_eq!(flip_rate(4, 4), Some(0.0));
    assert_eq!(flip_rate(4, 0), Some(0.0));
    assert_eq!(flip_rate(2, 1), Some(1.0));
    assert_eq!(flip_rate(1, 1), None);
    assert_eq!(flip_rate(0, 0), None);
    assert_eq!(flip_rate(3, 4), None);
    // Count the ordered pairs of distinct attempts that disagree, for every n ≤ 25.
    for n in 2..=25_u64 {
        for c in 0..=n {
            let outcomes: Vec<bool> = (0..n).map(|i| i < c).collect();
            let mut disagree = 0_u64;
            for (i, a) in outcomes.iter().enumerate() {
                for (j, b) in outcomes.iter().enumerate() {
                    if i != j && a != b {
                        disagree += 1;
                    }
                }
            }
            close(flip_rate(n, c).expect("n ≥ 2"), disagree as f64 / (n * (n - 1)) as f64, 1e-15);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Frontier, noise floor, verdicts
// ---------------------------------------------------------------------------------------------

#[test]
fn pareto_front_of_cost_and_score() {
    // (1.5, 0.5) is dominated by (1.0, 0.5): cheaper, as good. NaN is never on it.
    let front = pareto_front(&[(1.0, 0.5), (2.0, 0.8), (1.5, 0.5), (f64::NAN, 0.9), (0.5, 0.2)]);
    assert_eq!(front, [true, true, false, false, true]);
    // A NaN point does not dominate: (0.1, NaN) would otherwise beat everything on cost.
    assert_eq!(pareto_front(&[(0.1, f64::NAN), (1.0, 0.5)]), [false, true]);
    assert_eq!(pareto_front(&[(1.0, f64::NAN)]), [false]);
    // Duplicates do not dominate each other.
    assert_eq!(pareto_front(&[(1.0, 0.5), (1.0, 0.5), (1.0, 0.4)]), [true, true, false]);
    // Same cost, higher score dominates; same score, lower cost dominates.
    assert_eq!(pareto_front(&[(1.0, 0.5), (1.0, 0.6)]), [false, true]);
    assert_eq!(pareto_front(&[(2.0, 0.6), (1.0, 0.6)]), [false, true]);
    // An infinite cost is dominated by any finite cost that scores as well.
    assert_eq!(pareto_front(&[(f64::INFINITY, 0.9), (3.0, 0.9), (f64::INFINITY, 0.95)]), [false, true, true]);
    assert!(pareto_front(&[]).is_empty());
    // A strictly increasing cost/score trade-off is all on the front.
    let ladder: Vec<(f64, f64)> = (0..6).map(|i| (f64::from(i), f64::from(i) / 10.0)).collect();
    assert_eq!(pareto_front(&ladder), [true; 6]);
}

#[test]
fn noise_floor_is_the_spread_of_repeats() {
    close(noise_floor(&[0.5, 0.62, 0.55]).expect("three"), 0.12, 1e-15);
    assert_eq!(noise_floor(&[0.5, 0.62, 0.55]), Some(0.62 - 0.5));
    assert_eq!(noise_floor(&[3.0, -1.0]), Some(4.0));
    assert_eq!(noise_floor(&[0.7, 0.7, 0.7]), Some(0.0));
    // Non-finite repeats are ignored.
    assert_eq!(noise_floor(&[0.5, f64::NAN, 0.75, f64::INFINITY]), Some(0.25));
    assert_eq!(noise_floor(&[0.5, f64::NAN]), None);
    assert_eq!(noise_floor(&[0.5]), None);
    assert_eq!(noise_floor(&[]), None);
}

#[test]
fn verdicts_claim_nothing_they_cannot_support() {
    use Direction::*;
    // Beyond the noise and significant: the sign and the metric's direction decide.
    assert_eq!(judge(0.2, Some(0.1), Some(0.01), 0.05, true), Better);
    assert_eq!(judge(0.2, Some(0.1), Some(0.01), 0.05, false), Worse);
    assert_eq!(judge(-0.2, Some(0.1), Some(0.01), 0.05, true), Worse);
    assert_eq!(judge(-0.2, Some(0.1), Some(0.01), 0.05, false), Better);
    // Either piece of evidence alone suffices when it is the only one known.
    assert_eq!(judge(0.2, Some(0.1), None, 0.05, true), Better);
    assert_eq!(judge(-0.3, None, Some(0.001), 0.05, true), Worse);
    // Inside the noise floor, or not significant.
    assert_eq!(judge(0.05, Some(0.1), Some(0.01), 0.05, true), WithinNoise);
    assert_eq!(judge(0.2, Some(0.1), Some(0.2), 0.05, true), WithinNoise);
    assert_eq!(judge(0.2, None, Some(0.05), 0.05, true), WithinNoise, "p must be below alpha");
    // Exactly the noise floor, also when both came out of the same subtraction.
    assert_eq!(judge(0.1, Some(0.1), None, 0.05, true), WithinNoise);
    assert_eq!(judge(0.62 - 0.5, Some(0.12), None, 0.05, true), WithinNoise);
    // Nothing known, a zero or a non-finite difference, a NaN floor or p: nothing claimed.
    assert_eq!(judge(0.2, None, None, 0.05, true), WithinNoise);
    assert_eq!(judge(1e9, None, None, 0.05, false), WithinNoise);
    assert_eq!(judge(0.0, Some(0.0), Some(0.0), 0.05, true), WithinNoise);
    assert_eq!(judge(f64::NAN, None, Some(0.001), 0.05, true), WithinNoise);
    assert_eq!(judge(f64::INFINITY, None, Some(0.001), 0.05, true), WithinNoise);
    assert_eq!(judge(0.2, Some(f64::NAN), None, 0.05, true), WithinNoise);
    assert_eq!(judge(0.2, None, Some(f64::NAN), 0.05, true), WithinNoise);
    // Large metrics (tokens) compare at their own scale.
    assert_eq!(judge(12_001.0, Some(12_000.0), None, 0.05, false), Worse);
}

#[test]
fn directions_have_stable_names() {
    assert_eq!(Direction::Better.as_str(), "better");
    assert_eq!(Direction::Worse.as_str(), "worse");
    assert_eq!(Direction::WithinNoise.as_str(), "within_noise");
}
