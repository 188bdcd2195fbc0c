//! Reading and grading throughput on a generated corpus of realistic trajectories, and on the
//! 24 real SWE-bench instances. Run: `cargo bench -p goalpost-bench`.

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
    // The yardstick, in the same run: a plain typed serde_json parse of the same files into
    // the canonical record enum on 2 threads (what reading alone could cost at best).
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let paths: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    g.throughput(Throughput::Bytes(bytes as u64));
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
        for (unit, throughput) in
            [("MB", Throughput::Bytes(bytes as u64)), ("trajectories", Throughput::Elements(COUNT as u64))]
        {
            g.throughput(throughput);
            g.bench_function(format!("read+grade/{jobs}-threads/{unit}"), |b| {
                b.iter(|| black_box(goalpost_grade::run(&inputs, vec![], &specs, opts.clone(), &NoReporter)))
            });
        }
    }
    // A re-run of the same corpus with the same plan, side by side with grading it: each
    // input's key is made from its bytes (hashed here, as `run` does), and its rows come from
    // the cache.
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
    let first = goalpost_grade::run(&inputs, vec![], &specs, cached(), &NoReporter);
    let again = goalpost_grade::run(&inputs, vec![], &specs, cached(), &NoReporter);
    assert_eq!(first, again, "a cached re-run gives the same results");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("re-run/2-threads/cached/MB", |b| {
        b.iter(|| black_box(goalpost_grade::run(&inputs, vec![], &specs, cached(), &NoReporter)))
    });
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
            b.iter(|| black_box(goalpost_grade::run(&one, vec![], &specs, opts.clone(), &NoReporter)))
        });
    }
    g.finish();

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

criterion_group!(replay, benches, formats);
criterion_main!(replay);
