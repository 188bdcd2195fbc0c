//! The statistics of reports, comparisons and gates. Pure functions; every one is checked in
//! `tests/stats.rs` against values worked out by hand or by scipy.

use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
use serde::Serialize;

/// A closed interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

/// Wilson score interval of a proportion `successes / n` (z = 1.96 for 95%). `n = 0` gives
/// the uninformative [0, 1].
pub fn wilson(successes: u64, n: u64, z: f64) -> Interval {
    if n == 0 {
        return Interval { lo: 0.0, hi: 1.0 };
    }
    let (p, n) = (successes.min(n) as f64 / n as f64, n as f64);
    let z2 = z * z;
    let d = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / d;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / d;
    Interval { lo: (centre - half).max(0.0), hi: (centre + half).min(1.0) }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 significant digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection.
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularized incomplete beta function I_x(a, b) (continued fraction, Lentz's method).
pub fn inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use symmetry beyond.
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - inc_beta(1.0 - x, b, a);
    }
    const TINY: f64 = 1e-300;
    let (mut c, mut d) = (1.0, 1.0 - (a + b) * x / (a + 1.0));
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut f = d;
    for m in 1..=300 {
        let m = m as f64;
        let num = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        for numerator in [num, -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))] {
            d = 1.0 + numerator * d;
            if d.abs() < TINY {
                d = TINY;
            }
            c = 1.0 + numerator / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            f *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    ln_front.exp() * f / a
}

/// CDF of Student's t with `df` degrees of freedom.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * inc_beta(df / (df + t * t), df / 2.0, 0.5);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The `p` quantile of Student's t (bisection on the CDF, to 1e-12).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if p == 0.5 {
        return 0.0;
    }
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    while t_cdf(hi, df) < p && hi < 1e12 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Student-t confidence interval of the mean at `level` (0.95); `None` below two values.
pub fn mean_ci(values: &[f64], level: f64) -> Option<Interval> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t_quantile(0.5 + level / 2.0, (n - 1) as f64) * (var / n as f64).sqrt();
    Some(Interval { lo: mean - half, hi: mean + half })
}

/// Exact two-sided McNemar test on the discordant pairs: `b` fixed, `c` regressed. The
/// binomial test of min(b, c) successes in b + c trials at p = ½, doubled, capped at 1 (as
/// statsmodels' `mcnemar(..., exact=True)`). Computed in log space: stable for any count.
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let k = b.min(c);
    let ln_half_n = n as f64 * std::f64::consts::LN_2;
    // ln C(n, i), built up term by term; the sum by log-sum-exp.
    let mut ln_c = 0.0;
    let mut terms = Vec::with_capacity(k as usize + 1);
    for i in 0..=k {
        if i > 0 {
            ln_c += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        terms.push(ln_c - ln_half_n);
    }
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let ln_sum = max + terms.iter().map(|t| (t - max).exp()).sum::<f64>().ln();
    (2.0 * ln_sum.exp()).min(1.0)
}

/// A paired bootstrap of a mean difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootstrapResult {
    /// mean(candidate − baseline) on the data.
    pub mean_diff: f64,
    /// Percentile interval of the resampled means.
    pub lo: f64,
    pub hi: f64,
    /// Two-sided: 2 · min(share of resampled means ≤ 0, share ≥ 0), each share counted as
    /// (count + 1) / (resamples + 1) so that it is never exactly 0; capped at 1.
    pub p_value: f64,
    pub resamples: u32,
}

/// Resamples the pairs `(base[i], cand[i])` with replacement `resamples` times (ChaCha8
/// seeded with `seed`: the same inputs give the same result on every machine). `None` when
/// the lengths differ or there is nothing to pair.
pub fn paired_bootstrap(base: &[f64], cand: &[f64], resamples: u32, seed: u64, level: f64) -> Option<BootstrapResult> {
    if base.len() != cand.len() || base.is_empty() || resamples == 0 {
        return None;
    }
    let diffs: Vec<f64> = cand.iter().zip(base).map(|(c, b)| c - b).collect();
    let n = diffs.len();
    let mean_diff = diffs.iter().sum::<f64>() / n as f64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut means: Vec<f64> =
        (0..resamples).map(|_| (0..n).map(|_| diffs[rng.random_range(0..n)]).sum::<f64>() / n as f64).collect();
    means.sort_by(f64::total_cmp);
    let at = |q: f64| means[((q * (means.len() - 1) as f64).round() as usize).min(means.len() - 1)];
    let tail = (1.0 - level) / 2.0;
    let r = f64::from(resamples);
    let le = means.iter().filter(|m| **m <= 0.0).count() as f64;
    let ge = means.iter().filter(|m| **m >= 0.0).count() as f64;
    let p_value: f64 = (2.0 * ((le + 1.0) / (r + 1.0)).min((ge + 1.0) / (r + 1.0))).min(1.0);
    Some(BootstrapResult { mean_diff, lo: at(tail), hi: at(1.0 - tail), p_value, resamples })
}

/// Unbiased pass@k (Chen et al. 2021): 1 − C(n − c, k) / C(n, k), the probability that at
/// least one of k attempts drawn without replacement from n (c of them passing) passes.
/// Computed as 1 − ∏_{i = n − c + 1}^{n} (1 − k / i). `None` when k is 0 or exceeds n.
pub fn pass_at_k(n: u64, c: u64, k: u64) -> Option<f64> {
    if k == 0 || k > n {
        return None;
    }
    let c = c.min(n);
    if n - c < k {
        return Some(1.0);
    }
    let prod: f64 = ((n - c + 1)..=n).map(|i| 1.0 - k as f64 / i as f64).product();
    Some(1.0 - prod)
}

/// pass^k (τ-bench): C(c, k) / C(n, k), the probability that k attempts drawn without
/// replacement all pass. Computed as ∏_{i = 0}^{k − 1} (c − i) / (n − i).
pub fn pass_hat_k(n: u64, c: u64, k: u64) -> Option<f64> {
    if k == 0 || k > n {
        return None;
    }
    let c = c.min(n);
    if c < k {
        return Some(0.0);
    }
    Some((0..k).map(|i| (c - i) as f64 / (n - i) as f64).product())
}

/// The probability that two distinct attempts of a scenario disagree: 2c(n − c) / (n(n − 1)).
pub fn flip_rate(n: u64, c: u64) -> Option<f64> {
    if n < 2 {
        return None;
    }
    let c = c.min(n);
    Some(2.0 * c as f64 * (n - c) as f64 / (n as f64 * (n - 1) as f64))
}

/// For points (cost, score), whether each is on the Pareto front: no other point costs no more
/// and scores no less, and is strictly better in one. A point with a NaN is never on it.
pub fn pareto_front(points: &[(f64, f64)]) -> Vec<bool> {
    let valid = |p: &(f64, f64)| !p.0.is_nan() && !p.1.is_nan();
    points
        .iter()
        .map(|p| {
            valid(p)
                && !points.iter().filter(|q| valid(q)).any(|q| q.0 <= p.0 && q.1 >= p.1 && (q.0 < p.0 || q.1 > p.1))
        })
        .collect()
}

/// The spread (max − min) of a metric across repeated runs of the same revision.
pub fn noise_floor(repeat_values: &[f64]) -> Option<f64> {
    let v: Vec<f64> = repeat_values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 2 {
        return None;
    }
    let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
    Some(hi - lo)
}

/// A plain verdict on a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Better,
    Worse,
    WithinNoise,
}

/// Better or worse only when the difference is larger than the noise floor (when one is known)
/// and significant at `alpha` (when a test applies); with neither known, nothing can be
/// claimed: within noise.
pub fn judge(delta: f64, noise: Option<f64>, p_value: Option<f64>, alpha: f64, higher_is_better: bool) -> Direction {
    if noise.is_none() && p_value.is_none() {
        return Direction::WithinNoise;
    }
    if delta == 0.0 || !delta.is_finite() {
        return Direction::WithinNoise;
    }
    let beyond_noise = noise.is_none_or(|n| delta.abs() > n + 1e-12);
    let significant = p_value.is_none_or(|p| p < alpha);
    if !(beyond_noise && significant) {
        return Direction::WithinNoise;
    }
    if (delta > 0.0) == higher_is_better { Direction::Better } else { Direction::Worse }
}
