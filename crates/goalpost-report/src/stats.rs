//! Placeholder until the statistics module lands.
use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

pub fn wilson(successes: u64, n: u64, z: f64) -> Interval {
    if n == 0 {
        return Interval { lo: 0.0, hi: 1.0 };
    }
    let (p, n) = (successes as f64 / n as f64, n as f64);
    let d = 1.0 + z * z / n;
    let c = (p + z * z / (2.0 * n)) / d;
    let h = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / d;
    Interval { lo: (c - h).max(0.0), hi: (c + h).min(1.0) }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootstrapResult {
    pub mean_diff: f64,
    pub lo: f64,
    pub hi: f64,
    pub p_value: f64,
    pub resamples: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Better,
    Worse,
    WithinNoise,
}

pub fn mean_ci(_values: &[f64], _level: f64) -> Option<Interval> {
    None
}
pub fn mcnemar_exact(_b: u64, _c: u64) -> f64 {
    1.0
}
pub fn paired_bootstrap(_b: &[f64], _c: &[f64], _r: u32, _s: u64, _l: f64) -> Option<BootstrapResult> {
    None
}
pub fn pass_at_k(_n: u64, _c: u64, _k: u64) -> Option<f64> {
    None
}
pub fn pass_hat_k(_n: u64, _c: u64, _k: u64) -> Option<f64> {
    None
}
pub fn flip_rate(_n: u64, _c: u64) -> Option<f64> {
    None
}
pub fn pareto_front(p: &[(f64, f64)]) -> Vec<bool> {
    vec![false; p.len()]
}
pub fn noise_floor(_v: &[f64]) -> Option<f64> {
    None
}
pub fn judge(_d: f64, _n: Option<f64>, _p: Option<f64>, _a: f64, _h: bool) -> Direction {
    Direction::WithinNoise
}
