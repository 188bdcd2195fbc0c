//! Reading and grading throughput on a generated corpus of realistic trajectories, and on the
//! 24 real SWE-bench instances, and on a real corpus when one is named (see [`real_corpus`]).
//! Run: `cargo bench -p goalpost-bench --bench replay`.

use std::hint::black_box;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::sync::Arc;

use goalpost_grade::cache::VerdictCache;
use goalpost_grade::{NoReporter, RunOptions};
use goalpost_trajectory::{Limits, TrajectoryReader, discover};

const COUNT: usize = 200;
const STEPS: usize = 400;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn benches(c: &mut Criterion) {
    let root = root();
    let (specs, diags) = goalpost_spec::load(&root.join("scenarios"), &root.join("rubrics"));
    assert!(diags.is_empty(), "{diags:?}");
    let corpus = goalpost_bench::corpus(COUNT, STEPS, "fix-login-redirect");
    let bytes: usize = corpus.iter().map(String::len).sum();
    let dir = tempfile::tempdir().unwrap();
    for (i, t) in corpus.iter().enumerate() {
        fs_err::write(dir.path().join(format!("t{i:04}.jsonl")), t).unwrap();
    }
    let (inputs, errors) = discover(&[dir.path().to_owned()]);
    assert!(errors.is_empty() && inputs.len() == COUNT);
    let joined = corpus.concat();

    let mut g = c.benchmark_group(format!("generated/{COUNT}x{STEPS}steps/{:.1}MB", bytes as f64 / 1e6));
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("read-only/1-thread/MB", |b| {
        b.iter(|| {
            let r = TrajectoryReader::new("bench.jsonl", Cursor::new(joined.as_bytes()), Limits::default());
            black_box(r.map(|t| t.unwrap().steps.len()).sum::<usize>())
        })
    });
    throughput(&mut g, &inputs, &specs, bytes as u64, COUNT as u64);
    g.finish();

    // The same corpus as one JSONL file: one input, graded in parallel chunks.
    let one_dir = tempfile::tempdir().unwrap();
    fs_err::write(one_dir.path().join("all.jsonl"), &joined).unwrap();
    let (one, errors) = discover(&[one_dir.path().to_owned()]);
    assert!(errors.is_empty() && one.len() == 1);
    let mut g = c.benchmark_group(format!("one-file/{COUNT}x{STEPS}steps/{:.1}MB", bytes as f64 / 1e6));
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes as u64));
    for jobs in [1, 2] {
        let opts = RunOptions { jobs: Some(jobs), ..RunOptions::default() };
        g.bench_function(format!("read+grade/{jobs}-threads/MB"), |b| {
            b.iter(|| goalpost_grade::run_streamed(&one, &specs, opts.clone(), &NoReporter))
        });
    }
    g.finish();

    // One Inspect `.eval` log of many samples, when one is named (`GOALPOST_BENCH_EVAL=<file>`;
    // `benches/compare/run.sh --only inspect` generates one of 1,500 real-run samples).
    if let Some(eval) = std::env::var_os("GOALPOST_BENCH_EVAL").map(PathBuf::from) {
        let (one, errors) = discover(std::slice::from_ref(&eval));
        assert!(errors.is_empty() && one.len() == 1, "{errors:?}");
        let bytes = fs_err::metadata(&eval).map(|m| m.len()).unwrap_or(0);
        let mut g = c.benchmark_group(format!("one-eval/{:.0}MB-zipped", bytes as f64 / 1e6));
        g.sample_size(10);
        g.throughput(Throughput::Bytes(bytes));
        for jobs in [1, 2] {
            let opts = RunOptions { jobs: Some(jobs), ..RunOptions::default() };
            g.bench_function(format!("read+grade/{jobs}-threads/MB"), |b| {
                b.iter(|| goalpost_grade::run_streamed(&one, &specs, opts.clone(), &NoReporter))
            });
        }
        g.finish();
    }

    let (sb_inputs, _) = discover(&[root.join("fixtures/swebench-run")]);
    let sb_bytes: u64 = sb_inputs.iter().map(|i| fs_err::metadata(&i.path).map(|m| m.len()).unwrap_or(0)).sum();
    let mut g = c.benchmark_group("swebench/24-instances");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(sb_bytes));
    g.bench_function("read+grade/2-threads/MB", |b| {
        b.iter(|| {
            black_box(goalpost_grade::run(
                &sb_inputs,
                vec![],
                &specs,
                RunOptions { jobs: Some(2), ..RunOptions::default() },
                &NoReporter,
            ))
        })
    });
    g.finish();
}

/// The ratio the issue asks for, read off one report: a plain typed serde_json parse of the
/// same files into the canonical record enum on 2 threads (the yardstick: what reading alone
/// could cost at best), then reading and grading them on 1 and 2 threads (rows streamed, none
/// kept, as `goalpost run` does), then a re-run served by the verdict cache.
fn throughput(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    inputs: &[goalpost_trajectory::Input],
    specs: &goalpost_spec::SpecSet,
    bytes: u64,
    trajectories: u64,
) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let paths: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("typed-parse-baseline/2-threads/MB", |b| {
        b.iter(|| {
            pool.install(|| {
                use rayon::prelude::*;
                black_box(
                    paths
                        .par_iter()
                        .map(|p| {
                            let text = fs_err::read(p).unwrap();
                            text.split(|&c| c == b'\n')
                                .filter(|l| !l.is_empty())
                                .map(|l| serde_json::from_slice::<goalpost_trajectory::Record>(l).is_ok() as usize)
                                .sum::<usize>()
                        })
                        .sum::<usize>(),
                )
            })
        })
    });
    for jobs in [1, 2] {
        let opts = RunOptions { jobs: Some(jobs), ..RunOptions::default() };
        // The same work measured twice: once as MB/s, once as trajectories/s.
        for (unit, tp) in [("MB", Throughput::Bytes(bytes)), ("trajectories", Throughput::Elements(trajectories))] {
            g.throughput(tp);
            g.bench_function(format!("read+grade/{jobs}-threads/{unit}"), |b| {
                b.iter(|| goalpost_grade::run_streamed(inputs, specs, opts.clone(), &NoReporter))
            });
        }
    }
    // A re-run of the same corpus with the same plan, side by side with grading it: each
    // input's key is made from its bytes (hashed here, as `goalpost run` does when its memo of
    // file hashes misses), and its rows come from the cache.
    let cache_dir = tempfile::tempdir().unwrap();
    let keys = || {
        inputs
            .iter()
            .map(|i| {
                let hash = blake3::hash(&fs_err::read(&i.path).unwrap()).to_hex().to_string();
                (i.path.clone(), goalpost_grade::cache::key(&i.path.display().to_string(), &[&hash], "bench"))
            })
            .collect::<Vec<_>>()
    };
    let cached = || {
        let cache = VerdictCache::open(cache_dir.path(), u64::MAX, keys()).unwrap();
        RunOptions { jobs: Some(2), cache: Some(Arc::new(cache)), ..RunOptions::default() }
    };
    let first = goalpost_grade::run(inputs, vec![], specs, cached(), &NoReporter);
    let again = goalpost_grade::run(inputs, vec![], specs, cached(), &NoReporter);
    assert_eq!(first, again, "a cached re-run gives the same results");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("re-run/2-threads/cached/MB", |b| {
        b.iter(|| goalpost_grade::run_streamed(inputs, specs, cached(), &NoReporter))
    });
}

/// The same measures on a corpus of real trajectories, when one is named:
/// `GOALPOST_BENCH_CORPUS=<dir>` (its trajectories) and `GOALPOST_BENCH_SCENARIOS=<dir>` (their
/// scenarios; default the repository's). The corpus is the real SWE-bench runs of
/// `../shared/corpora/swebench-calibration` imported (`goalpost import … --out imp`) and copied
/// under new ids to about 1 GB (docs/performance.md has the script).
fn real_corpus(c: &mut Criterion) {
    let Some(dir) = std::env::var_os("GOALPOST_BENCH_CORPUS").map(PathBuf::from) else { return };
    let root = root();
    let scenarios = std::env::var_os("GOALPOST_BENCH_SCENARIOS").map_or_else(|| root.join("scenarios"), PathBuf::from);
    let (specs, _) = goalpost_spec::load(&scenarios, &root.join("rubrics"));
    let (inputs, errors) = discover(&[dir]);
    assert!(errors.is_empty(), "{errors:?}");
    let bytes: u64 = inputs.iter().map(|i| fs_err::metadata(&i.path).map(|m| m.len()).unwrap_or(0)).sum();
    let trajectories: u64 = inputs.iter().map(|i| i.read(Limits::default()).count() as u64).sum();
    let mut g = c.benchmark_group(format!("corpus/{}files/{:.0}MB", inputs.len(), bytes as f64 / 1e6));
    g.sample_size(10);
    throughput(&mut g, &inputs, &specs, bytes, trajectories);
    g.finish();
}

/// One row per external format: its real fixtures read (and read+graded) on one thread.
fn formats(c: &mut Criterion) {
    let root = root();
    let (specs, _) = goalpost_spec::load(&root.join("scenarios"), &root.join("rubrics"));
    let mut dirs: Vec<PathBuf> = fs_err::read_dir(root.join("fixtures/formats"))
        .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    dirs.sort();
    let mut g = c.benchmark_group("formats");
    g.sample_size(20);
    for dir in dirs {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (inputs, _) = discover(std::slice::from_ref(&dir));
        let bytes: u64 = inputs.iter().map(|i| fs_err::metadata(&i.path).map(|m| m.len()).unwrap_or(0)).sum();
        if inputs.is_empty() || bytes == 0 {
            continue;
        }
        g.throughput(Throughput::Bytes(bytes));
        g.bench_function(format!("{name}/read-only/MB"), |b| {
            b.iter(|| {
                black_box(
                    inputs
                        .iter()
                        .flat_map(|i| i.read(Limits::default()))
                        .filter_map(Result::ok)
                        .map(|t| t.steps.len())
                        .sum::<usize>(),
                )
            })
        });
        let opts = RunOptions { jobs: Some(1), ..RunOptions::default() };
        g.bench_function(format!("{name}/read+grade/1-thread/MB"), |b| {
            b.iter(|| black_box(goalpost_grade::run(&inputs, vec![], &specs, opts.clone(), &NoReporter)))
        });
    }
    g.finish();
}

criterion_group!(replay, benches, real_corpus, formats);
criterion_main!(replay);
