//! The bounded fuzz run: a fixed seed and a few thousand mutants of the real fixtures through
//! discover, read, grade and the canonical round trip. It fails listing every distinct panic
//! (location, message, the seed that reproduces it) and every round-trip difference.
//!
//! `GOALPOST_FUZZ_ITERATIONS` and `GOALPOST_FUZZ_SEED` make a longer run;
//! `GOALPOST_FUZZ_ONLY=<pattern>` mutates only the fixtures whose path contains it;
//! `GOALPOST_FUZZ_REPLAY=<seed>` runs one mutant and prints what it did; `GOALPOST_FUZZ_TRACE=1`
//! prints each mutant's seed before it runs.

use std::io::Write;
use std::time::Duration;

use goalpost_fuzz::{Config, Corpus, Specs, crashes_dir, replay, repo_root, run};

/// Sized for well under a minute in a debug build on two cores.
const DEFAULT_ITERATIONS: u64 = 4000;
const DEFAULT_SEED: u64 = 0x60A1_9057;

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

#[test]
fn mutants_of_every_fixture_never_panic_and_round_trip() {
    let root = repo_root();
    let mut corpus = Corpus::load(&root);
    assert!(corpus.files.len() > 100, "the fixtures were not found under {}", root.display());
    if let Ok(pattern) = std::env::var("GOALPOST_FUZZ_ONLY") {
        corpus.only(&pattern);
        assert!(!corpus.groups.is_empty(), "no fixture path contains {pattern:?}");
    }
    let specs = Specs::load(&root);
    assert!(specs.unscoped.is_some(), "the default rubric did not load");
    let mut err = std::io::stderr();
    if let Some(seed) = env_u64("GOALPOST_FUZZ_REPLAY") {
        let _ = writeln!(err, "{}", replay(&corpus, &specs, seed, Some(&crashes_dir())));
        return;
    }
    let config = Config {
        seed: env_u64("GOALPOST_FUZZ_SEED").unwrap_or(DEFAULT_SEED),
        iterations: env_u64("GOALPOST_FUZZ_ITERATIONS").unwrap_or(DEFAULT_ITERATIONS),
        workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
        crashes: Some(crashes_dir()),
        slow: Duration::from_secs(5),
        trace: std::env::var_os("GOALPOST_FUZZ_TRACE").is_some(),
    };
    let report = run(&corpus, &specs, &config);
    let _ = writeln!(err, "seed {:#x}: {}", config.seed, report.render());
    assert_eq!(report.tried, config.iterations);
    assert!(report.trajectories > 0, "no mutant was read as a trajectory: the harness is broken");
    assert!(report.panics.is_empty() && report.mismatches.is_empty(), "{}", report.render());
}
