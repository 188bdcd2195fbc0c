//! The statistics behind reports, revision comparisons and release gates.
//!
//! Every function here is pure (no IO, no clock, no global state) and total: a bad input gives
//! `None`, `NaN` or a documented fallback, never a panic. Each one is checked in
//! `tests/stats.rs` against values from scipy / statsmodels / mpmath or worked out exactly with
//! integer arithmetic.
//!
//! | what | function |
//! | --- | --- |
//! | interval of a pass rate | [`wilson`] |
//! | interval of a mean score | [`mean_ci`], on [`t_quantile`], [`t_cdf`], [`inc_beta`], [`ln_beta`], [`ln_gamma`] |
//! | did the pass/fail flips go one way? | [`mcnemar_exact`] |
//! | did a paired metric move? | [`paired_bootstrap`] (percentiles by [`quantile_sorted`]) |
//! | sampling several attempts | [`pass_at_k`], [`pass_hat_k`], [`flip_rate`] |
//! | cost against score | [`pareto_front`] |
//! | how much a metric moves by chance | [`noise_floor`] |
//! | the verdict on a difference | [`judge`] → [`Direction`] |

use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
use serde::Serialize;

/// The 0.975 quantile of the standard normal: `z` for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A closed interval `[lo, hi]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

impl Interval {
    /// Whether `x` lies in `[lo, hi]` (bounds included).
    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }

    /// `hi - lo`.
    pub fn width(&self) -> f64 {
        self.hi - self.lo
    }
}

// ---------------------------------------------------------------------------------------------
// Proportions
// ---------------------------------------------------------------------------------------------

/// Wilson score interval of the proportion `successes / n`.
///
/// With `k = successes`, the centre is `(k + z²/2) / (n + z²)` and the half-width is
/// `z / (n + z²) · √(k(n − k)/n + z²/4)`. Unlike the normal ("Wald") interval it stays inside
/// `[0, 1]`, is not degenerate at 0 or n successes, and covers close to its nominal level even
/// for small `n`. `z` is the two-sided normal quantile: [`Z95`] for 95%; its sign is ignored.
///
/// Edge cases: `n = 0` gives the uninformative `[0, 1]`; so does a non-finite `z`. `successes`
/// above `n` is treated as `n`. With 0 successes `lo` is exactly 0, with `n` it is `hi = 1`.
pub fn wilson(successes: u64, n: u64, z: f64) -> Interval {
    if n == 0 || !z.is_finite() {
        return Interval { lo: 0.0, hi: 1.0 };
    }
    let k = successes.min(n);
    let (kf, nf, z) = (k as f64, n as f64, z.abs());
    let z2 = z * z;
    let centre = (kf + z2 / 2.0) / (nf + z2);
    let half = z / (nf + z2) * (kf * (n - k) as f64 / nf + z2 / 4.0).sqrt();
    let lo = if k == 0 { 0.0 } else { (centre - half).max(0.0) };
    let hi = if k == n { 1.0 } else { (centre + half).min(1.0) };
    Interval { lo, hi }
}

// ---------------------------------------------------------------------------------------------
// Special functions and Student's t
// ---------------------------------------------------------------------------------------------

/// `ln |Γ(x)|` (Lanczos approximation, g = 7, 9 terms; about 15 significant digits).
///
/// Uses the reflection formula below ½. Gives `+∞` at the poles (0, −1, −2, …) and `NaN` for
/// `NaN`.
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
    use std::f64::consts::PI;
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 && x == x.floor() {
        // A pole (sin(πx) would round to a tiny non-zero number instead of 0).
        return f64::INFINITY;
    }
    if x < 0.5 {
        // Γ(x) Γ(1 − x) = π / sin(πx).
        return (PI / (PI * x).sin()).abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let a = C.iter().enumerate().skip(1).fold(C[0], |a, (i, c)| a + c / (x + i as f64));
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// `ln Γ(x) − ((x − ½) ln x − x + ½ ln 2π)`: the remainder of Stirling's formula, by its
/// asymptotic series. For `x ≥ 15` the first omitted term is below 3e-16.
fn stirling_remainder(x: f64) -> f64 {
    let x2 = x * x;
    (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * x2)) / x2) / x2) / x2) / x
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)` for `a, b > 0`.
///
/// When the larger argument is 15 or more, `ln Γ(large) − ln Γ(large + small)` is taken from
/// Stirling's formula written so that the large logarithms cancel analytically, not in floating
/// point: `ln B` stays within about 1e-15 relative even when the three `ln Γ` are about 10⁷
/// each (Student's t with a million degrees of freedom). `NaN` unless both arguments are
/// positive.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    if !(a > 0.0 && b > 0.0) {
        return f64::NAN;
    }
    let (small, large) = if a < b { (a, b) } else { (b, a) };
    if large < 15.0 {
        return ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
    }
    // ln Γ(L) − ln Γ(L + s) = −(L − ½) ln(1 + s/L) − s ln(L + s) + s + R(L) − R(L + s).
    let ratio =
        -(large - 0.5) * (small / large).ln_1p() - small * (large + small).ln() + small + stirling_remainder(large)
            - stirling_remainder(large + small);
    ln_gamma(small) + ratio
}

/// The continued fraction of the incomplete beta function (Numerical Recipes `betacf`,
/// modified Lentz). Converges fast for `x < (a + 1) / (a + b + 2)`.
fn beta_cf(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 4.0 * f64::EPSILON;
    const MAX_ITER: u32 = 100_000;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=MAX_ITER {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        // Even step.
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        h *= d * c;
        // Odd step.
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() <= EPS {
            break;
        }
    }
    h
}

/// `I_x(a, b)` with `y = 1 − x` supplied by the caller, so that a `y` close to 0 keeps its
/// precision (Student's t near 0 needs exactly that).
fn inc_beta_xy(x: f64, y: f64, a: f64, b: f64) -> f64 {
    if x.is_nan() || y.is_nan() || !(a > 0.0 && b > 0.0) {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let ln_x = if x > 0.5 { (-y).ln_1p() } else { x.ln() };
    let ln_y = if y > 0.5 { (-x).ln_1p() } else { y.ln() };
    let front = (a * ln_x + b * ln_y - ln_beta(a, b)).exp();
    if x < (a + 1.0) / (a + b + 2.0) { front * beta_cf(x, a, b) / a } else { 1.0 - front * beta_cf(y, b, a) / b }
}

/// The regularized incomplete beta function `I_x(a, b)`, the CDF of Beta(a, b) at `x`.
///
/// Numerical Recipes' continued fraction (`betai`/`betacf`, modified Lentz), evaluated on
/// whichever of `I_x(a, b)` and `1 − I_{1−x}(b, a)` converges fast. About 14 correct digits
/// while `a` and `b` are below about 10⁴. Beyond, near the mean `a / (a + b)`, the fraction's
/// terms cancel and the relative error grows up to roughly `max(a, b) · 1e-16` (3e-11 at 5·10⁵);
/// dedicated large-parameter expansions (DiDonato & Morris' BGRAT, as in scipy/Boost) would be
/// needed to do better. `x` outside `[0, 1]` is clamped; `NaN` unless `a, b > 0`.
pub fn inc_beta(x: f64, a: f64, b: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    inc_beta_xy(x, 1.0 - x, a, b)
}

/// `P(T > t)` for `t ≥ 0`: `½ I_{df/(df+t²)}(df/2, ½)`, both `x` and `1 − x` formed without
/// cancellation.
fn t_upper_tail(t: f64, df: f64) -> f64 {
    let t2 = t * t;
    let x = 1.0 / (1.0 + t2 / df);
    let y = 1.0 / (1.0 + df / t2);
    0.5 * inc_beta_xy(x, y, df / 2.0, 0.5)
}

/// The CDF of Student's t with `df` degrees of freedom (`df` need not be an integer).
///
/// From [`inc_beta`], each tail computed directly so that a small tail keeps its relative
/// precision (use `t_cdf(-t, df)` for the upper tail `P(T > t)`); as accurate as
/// [`inc_beta`]: about 1e-14 up to `df` = 10⁴, 1e-11 at 10⁶. `NaN` for a `NaN` argument or a `df` that is not finite and positive.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || !(df > 0.0 && df.is_finite()) {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 1.0 } else { 0.0 };
    }
    let tail = t_upper_tail(t.abs(), df);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The `t ≥ 0` with `P(T > t) = q`, for `0 < q ≤ ½`: bisection on the upper tail (never on
/// `1 − tail`, which would lose the digits of a small `q`) down to adjacent floating-point
/// numbers.
fn t_upper_quantile(q: f64, df: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while t_upper_tail(hi, df) > q && hi < f64::MAX / 4.0 {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..2_000 {
        let mid = lo + (hi - lo) / 2.0;
        if mid <= lo || mid >= hi {
            break;
        }
        if t_upper_tail(mid, df) > q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo + (hi - lo) / 2.0
}

/// The `p` quantile of Student's t with `df` degrees of freedom: the inverse of [`t_cdf`].
///
/// Bisection on the tail probability computed by [`inc_beta`], to adjacent floating-point
/// numbers (about 60 to 100 evaluations), so it is as accurate as the incomplete beta: within
/// 1e-14 relative of mpmath up to `df` = 10⁴ (`t_quantile(0.975, 10.0)` = 2.228138851986274),
/// 1e-12 at 10⁵ and 1e-10 at 10⁷, far below the 1e-6 that a printed interval needs.
/// `p = 0` gives `−∞`, `p = 1` gives `+∞`; `NaN` for `p` outside `[0, 1]` or a `df` that is
/// not finite and positive.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !((0.0..=1.0).contains(&p) && df > 0.0 && df.is_finite()) {
        return f64::NAN;
    }
    if p == 0.5 {
        return 0.0;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    // 1 − p is exact for p in [½, 1].
    if p > 0.5 { t_upper_quantile(1.0 - p, df) } else { -t_upper_quantile(p, df) }
}

/// Student-t confidence interval of the mean at `level` (0.95 for 95%):
/// `mean ± t_{(1+level)/2, n−1} · s / √n`, with `s` the sample standard deviation (n − 1 in
/// the denominator; corrected two-pass sum so that near-equal values lose no digits).
///
/// `None` with fewer than two values (no spread to estimate), a value that is not finite, or a
/// `level` outside `(0, 1)`. Equal values give the zero-width interval at their mean.
pub fn mean_ci(values: &[f64], level: f64) -> Option<Interval> {
    let n = values.len();
    if n < 2 || !(level > 0.0 && level < 1.0) || values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let (sum_sq, sum) = values.iter().fold((0.0, 0.0), |(sq, s), v| (sq + (v - mean) * (v - mean), s + (v - mean)));
    let var = ((sum_sq - sum * sum / nf) / (nf - 1.0)).max(0.0);
    let t = t_upper_quantile((1.0 - level) / 2.0, nf - 1.0);
    let half = t * (var / nf).sqrt();
    Some(Interval { lo: mean - half, hi: mean + half })
}

// ---------------------------------------------------------------------------------------------
// Exact McNemar
// ---------------------------------------------------------------------------------------------

/// `ln(n!) − ((n + ½) ln n − n + ½ ln 2π)` for integer `n ≥ 1` (Loader's `stirlerr`): exact
/// values to 15, the Stirling series beyond.
fn stirlerr(n: f64) -> f64 {
    // mpmath at 40 digits, rounded to f64: loggamma(n+1) − (n+½)·log(n) + n − log(√(2π)).
    // (Index 0 is never used: n ≥ 1.)
    const TABLE: [f64; 16] = [
        0.0,
        0.08106146679532726,
        0.0413406959554093,
        0.02767792568499834,
        0.020790672103765093,
        0.016644691189821193,
        0.013876128823070748,
        0.01189670994589177,
        0.010411265261972096,
        0.009255462182712733,
        0.00833056343336287,
        0.007573675487951841,
        0.00694284010720953,
        0.006408994188004207,
        0.0059513701127588475,
        0.005554733551962801,
    ];
    if n <= 15.0 {
        // n is a small non-negative integer here.
        return TABLE.get(n as usize).copied().unwrap_or(0.0);
    }
    stirling_remainder(n)
}

/// Loader's deviance term `x ln(x/m) + m − x`, by its series when `x` is close to `m` (where
/// the direct form cancels).
fn bd0(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let mut v = (x - m) / (x + m);
        let mut s = (x - m) * v;
        let mut ej = 2.0 * x * v;
        v *= v;
        for j in 1..1000_u32 {
            ej *= v;
            let s1 = s + ej / f64::from(2 * j + 1);
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        return s;
    }
    x * (x / m).ln() + m - x
}

/// `P(X = k)` for `X ~ Binomial(n, ½)`, `0 < k < n`, by Loader's saddle-point form (as R's
/// `dbinom`): relative error of order 1e-16 times the size of the exponent's terms (at most
/// about `n`), with no `C(n, k)` or `2⁻ⁿ` that could overflow or underflow.
fn binom_pmf_half(k: f64, n: f64) -> f64 {
    use std::f64::consts::PI;
    let half = n / 2.0;
    let lc = stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, half) - bd0(n - k, half);
    let lf = (2.0 * PI).ln() + k.ln() + (-k / n).ln_1p();
    (lc - 0.5 * lf).exp()
}

/// Exact two-sided McNemar test of the discordant pairs `b` (e.g. fixed: failed before, passes
/// now) and `c` (regressed).
///
/// Under the null hypothesis each discordant pair goes either way with probability ½, so this
/// is the binomial test of `k = min(b, c)` out of `n = b + c` at ½:
/// `p = min(1, 2 · P(X ≤ k))`, `X ~ Binomial(n, ½)`. This is exactly statsmodels'
/// `mcnemar([[a, b], [c, d]], exact=True).pvalue` and scipy's `binomtest(k, n, 0.5).pvalue`
/// (the binomial at ½ is symmetric). The concordant pairs play no part.
///
/// Numerically: `P(X = k)` comes from Loader's saddle-point formula and the lower terms from the
/// ratios `P(X = i − 1) / P(X = i) = i / (n − i + 1)`, summed until they no longer change the
/// sum: no binomial coefficient and no `2⁻ⁿ` is ever formed, so `b + c` in the millions is
/// fine and a tiny p-value keeps its relative precision (within about 3e-14 of the exact
/// rational value for every `b + c ≤ 120`, 1e-12 at 100,000; it underflows to 0 only below
/// about 1e-308). `b + c = 0`, `b = c` or `|b − c| = 1` give exactly 1.
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    if b.abs_diff(c) <= 1 {
        // P(X ≤ ⌊n/2⌋) ≥ ½: the p-value is capped at 1 (also for n = 0).
        return 1.0;
    }
    let k = b.min(c);
    let n = b as f64 + c as f64;
    let pmf_k = if k == 0 {
        // 2⁻ⁿ, exact down to the smallest subnormal; 0 beyond (n is at least 2 here).
        if n > 1100.0 { 0.0 } else { 0.5_f64.powi(n as i32) }
    } else {
        binom_pmf_half(k as f64, n)
    };
    // Σ_{i ≤ k} P(X = i) / P(X = k), from i = k downwards.
    let (mut term, mut sum) = (1.0_f64, 1.0_f64);
    let mut i = k;
    while i > 0 {
        let fi = i as f64;
        term *= fi / (n - fi + 1.0);
        sum += term;
        if term <= sum * 1e-18 {
            break;
        }
        i -= 1;
    }
    (2.0 * pmf_k * sum).min(1.0)
}

// ---------------------------------------------------------------------------------------------
// Paired bootstrap
// ---------------------------------------------------------------------------------------------

/// The `q` quantile of already sorted (ascending) values, interpolating linearly between order
/// statistics: position `h = (len − 1) · q`, value `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋ + 1] − x[⌊h⌋])`.
/// This is Hyndman & Fan's type 7, numpy's default `percentile`/`quantile` method and R's
/// default `quantile`.
///
/// `None` for no values or `q` outside `[0, 1]`. The caller keeps the order; an unsorted slice
/// gives a meaningless (but not panicking) answer.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let h = (sorted.len() - 1) as f64 * q;
    let below = h.floor();
    let i = below as usize;
    let lo = *sorted.get(i)?;
    let frac = h - below;
    match sorted.get(i + 1) {
        Some(hi) if frac > 0.0 => Some(lo + frac * (hi - lo)),
        _ => Some(lo),
    }
}

/// The outcome of [`paired_bootstrap`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootstrapResult {
    /// `mean(cand[i] − base[i])` on the data itself (not on the resamples).
    pub mean_diff: f64,
    /// Lower end of the percentile interval: the `(1 − level)/2` quantile of the resampled
    /// mean differences ([`quantile_sorted`]).
    pub lo: f64,
    /// Upper end: the `(1 + level)/2` quantile of the resampled mean differences.
    pub hi: f64,
    /// Two-sided bootstrap p-value, `min(1, 2 · min(F≤, F≥))` where `F≤` and `F≥` are the
    /// shares of resampled mean differences `≤ 0` and `≥ 0`. It is 0 when every resample lies
    /// strictly on one side of 0 (so its resolution is `2 / resamples`), and 1 when the
    /// differences are all 0.
    pub p_value: f64,
    /// How many resamples were drawn.
    pub resamples: u32,
}

/// Paired bootstrap of the mean difference `mean(cand − base)`.
///
/// The pairs `(base[i], cand[i])` — the same scenario under two revisions — are resampled
/// together: each of `resamples` rounds draws `len` indexes uniformly with replacement and
/// takes the mean of `cand[j] − base[j]` over them. Pairing removes the between-scenario
/// variance that an unpaired comparison would have to overcome.
///
/// - Interval: the percentile interval at `level` (0.95 for 95%) of the resampled means.
/// - p-value: see [`BootstrapResult::p_value`]; it estimates twice the smaller tail of the
///   bootstrap distribution beyond 0.
/// - Ties: a resampled mean within `4 · ε · len · max|cand[i] − base[i]|` of 0 (ε = 2⁻⁵²) is
///   taken as exactly 0. Such a mean is 0 up to the rounding of its sum (differences such as
///   1/3 and −1/3 that cancel), and without this it would fall on either side of 0 by
///   accident, moving the p-value and leaving interval ends like −2e-17.
///
/// Reproducible: the generator is ChaCha8 seeded with `seed` (`SeedableRng::seed_from_u64`)
/// and indexes come from rand's portable uniform `usize` sampler, so the same inputs and seed
/// give the same result on every platform (for a given major version of `rand`).
///
/// `None` when the lengths differ, there are no pairs, `resamples` is 0, `level` is outside
/// `(0, 1)`, or a difference is not finite. Cost: `resamples × len` draws.
pub fn paired_bootstrap(base: &[f64], cand: &[f64], resamples: u32, seed: u64, level: f64) -> Option<BootstrapResult> {
    if base.len() != cand.len() || base.is_empty() || resamples == 0 || !(level > 0.0 && level < 1.0) {
        return None;
    }
    let diffs: Vec<f64> = cand.iter().zip(base).map(|(c, b)| c - b).collect();
    if diffs.iter().any(|d| !d.is_finite()) {
        return None;
    }
    let n = diffs.len();
    let nf = n as f64;
    let mean_diff = diffs.iter().sum::<f64>() / nf;
    // A resample whose differences cancel (1/3 and −1/3, 0.1 and −0.05 twice) has a mean of 0
    // up to the rounding of its sum, at most about n · ε · max|d|: that is a tie at 0.
    let max_abs = diffs.iter().fold(0.0_f64, |m, d| m.max(d.abs()));
    let zero_tol = 4.0 * f64::EPSILON * nf * max_abs;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| {
            let mean = (0..n).map(|_| diffs.get(rng.random_range(0..n)).copied().unwrap_or(0.0)).sum::<f64>() / nf;
            if mean.abs() <= zero_tol { 0.0 } else { mean }
        })
        .collect();
    means.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    let lo = quantile_sorted(&means, tail)?;
    let hi = quantile_sorted(&means, 1.0 - tail)?;
    let r = f64::from(resamples);
    let at_most_zero = means.iter().filter(|m| **m <= 0.0).count() as f64 / r;
    let at_least_zero = means.iter().filter(|m| **m >= 0.0).count() as f64 / r;
    let p_value = (2.0 * at_most_zero.min(at_least_zero)).min(1.0);
    Some(BootstrapResult { mean_diff, lo, hi, p_value, resamples })
}

// ---------------------------------------------------------------------------------------------
// Several attempts per scenario
// ---------------------------------------------------------------------------------------------

/// Unbiased pass@k (Chen et al. 2021, "Evaluating Large Language Models Trained on Code"):
/// from `n` attempts of which `c` passed, the probability that at least one of `k` attempts
/// drawn without replacement passes, `1 − C(n − c, k) / C(n, k)`.
///
/// Computed as the paper's numerically stable product
/// `1 − ∏_{i = n−c+1}^{n} (1 − k / i)` (and exactly 1 when `n − c < k`): no binomial
/// coefficient is formed, so any `n` is fine.
///
/// `None` when `k = 0` (nothing drawn), `k > n` (cannot draw that many) or `c > n`.
pub fn pass_at_k(n: u64, c: u64, k: u64) -> Option<f64> {
    if k == 0 || k > n || c > n {
        return None;
    }
    if n - c < k {
        return Some(1.0);
    }
    let kf = k as f64;
    let prod: f64 = ((n - c + 1)..=n).map(|i| 1.0 - kf / i as f64).product();
    Some(1.0 - prod)
}

/// pass^k (Yao et al. 2024, τ-bench): from `n` attempts of which `c` passed, the probability
/// that `k` attempts drawn without replacement *all* pass, `C(c, k) / C(n, k)`. A measure of
/// reliability where pass@k measures capability: it falls as `k` grows unless every attempt
/// passes.
///
/// Computed as the stable product `∏_{i = 0}^{k−1} (c − i) / (n − i)` (exactly 0 when `c < k`).
/// `None` when `k = 0`, `k > n` or `c > n`.
pub fn pass_hat_k(n: u64, c: u64, k: u64) -> Option<f64> {
    if k == 0 || k > n || c > n {
        return None;
    }
    if c < k {
        return Some(0.0);
    }
    Some((0..k).map(|i| (c - i) as f64 / (n - i) as f64).product())
}

/// The probability that two distinct attempts of a scenario, drawn without replacement from
/// `n` attempts of which `c` passed, disagree (one passes, one fails):
/// `2c(n − c) / (n(n − 1))`. 0 for a scenario that always or never passes; at most a little
/// above ½.
///
/// `None` when `n < 2` (no two attempts to compare) or `c > n`.
pub fn flip_rate(n: u64, c: u64) -> Option<f64> {
    if n < 2 || c > n {
        return None;
    }
    let (nf, cf) = (n as f64, c as f64);
    Some(2.0 * (cf / nf) * ((n - c) as f64 / (nf - 1.0)))
}

// ---------------------------------------------------------------------------------------------
// Frontier, noise, verdicts
// ---------------------------------------------------------------------------------------------

/// For points `(cost, score)` (lower cost and higher score are better), whether each is on the
/// Pareto front: no other point has `cost ≤` and `score ≥` with at least one strict.
///
/// A point with a `NaN` coordinate is never on the front and never dominates another. Equal
/// points do not dominate each other, so duplicates share the front. `±∞` are ordinary values
/// (an infinite cost is dominated by any finite cost with a score as good). Quadratic in the
/// number of points, which is the number of revisions or agents: small.
pub fn pareto_front(points: &[(f64, f64)]) -> Vec<bool> {
    // Every comparison with a NaN is false, so a point with a NaN never dominates.
    let dominates = |q: &(f64, f64), p: &(f64, f64)| q.0 <= p.0 && q.1 >= p.1 && (q.0 < p.0 || q.1 > p.1);
    points.iter().map(|p| !p.0.is_nan() && !p.1.is_nan() && !points.iter().any(|q| dominates(q, p))).collect()
}

/// The noise floor of a metric: its spread `max − min` across repeated runs of the same
/// revision (same agent, same scenarios). A difference between two revisions no larger than
/// this is indistinguishable from rerunning one of them.
///
/// Values that are not finite (a run with no such metric) are ignored; `None` with fewer than
/// two finite values.
pub fn noise_floor(repeat_values: &[f64]) -> Option<f64> {
    let mut finite = repeat_values.iter().copied().filter(|v| v.is_finite());
    let first = finite.next()?;
    let (lo, hi, count) = finite.fold((first, first, 1_usize), |(lo, hi, n), v| (lo.min(v), hi.max(v), n + 1));
    (count >= 2).then_some(hi - lo)
}

/// The verdict on a difference between two revisions. Serialized as `"better"`, `"worse"` and
/// `"within_noise"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The candidate is better, beyond the noise floor and significantly.
    Better,
    /// The candidate is worse, beyond the noise floor and significantly.
    Worse,
    /// No difference that the evidence supports.
    WithinNoise,
}

impl Direction {
    /// The serialized name: `"better"`, `"worse"` or `"within_noise"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Better => "better",
            Direction::Worse => "worse",
            Direction::WithinNoise => "within_noise",
        }
    }
}

/// Relative slack when comparing a difference with the noise floor: a delta equal to the floor
/// up to floating-point rounding (both are often differences of the same numbers) is not
/// "beyond" it.
const NOISE_SLACK: f64 = 1e-12;

/// The verdict on `delta = candidate − baseline` of a metric.
///
/// `Better` or `Worse` only when every available piece of evidence supports a difference:
/// - `noise` (the [`noise_floor`]), when known: `|delta|` must exceed it (strictly, beyond a
///   1e-12 relative rounding slack);
/// - `p_value` (of a test that applies), when known: it must be below `alpha`.
///
/// With neither known the verdict is `WithinNoise` whatever `delta` is: a report never claims a
/// difference it cannot support. So is a zero or non-finite `delta`, and a `NaN` noise floor or
/// p-value (they can never pass their check). Otherwise the sign of `delta` and
/// `higher_is_better` (true for pass rate or score, false for cost or tokens) pick `Better`
/// or `Worse`.
pub fn judge(delta: f64, noise: Option<f64>, p_value: Option<f64>, alpha: f64, higher_is_better: bool) -> Direction {
    if (noise.is_none() && p_value.is_none()) || delta == 0.0 || !delta.is_finite() {
        return Direction::WithinNoise;
    }
    let size = delta.abs();
    let beyond_noise = noise.is_none_or(|floor| size - floor > NOISE_SLACK * size.max(floor.abs()).max(1.0));
    let significant = p_value.is_none_or(|p| p < alpha);
    if !(beyond_noise && significant) {
        return Direction::WithinNoise;
    }
    if (delta > 0.0) == higher_is_better { Direction::Better } else { Direction::Worse }
}
