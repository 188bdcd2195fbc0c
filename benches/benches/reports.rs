//! Reports over a large run: writing and reading results.parquet, the summary's group-bys,
//! a comparison of two revisions and a gate. Run: `cargo bench -p goalpost-bench --bench reports`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use goalpost_grade::{NoReporter, RunOptions, RunResults};
use goalpost_report::{compare, dataset, gate, policy::Policy, summary, table};
use goalpost_trajectory::discover;

/// Trajectories in the run: the six examples, repeated under new ids, two revisions.
const COUNT: usize = 6_000;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn large_run() -> RunResults {
    let root = root();
    let (specs, _) = goalpost_spec::load(&root.join("scenarios"), &root.join("rubrics"));
    let (inputs, _) = discover(&[root.join("examples/trajectories")]);
    let base = goalpost_grade::run(&inputs, vec![], &specs, RunOptions::default(), &NoReporter);
    let mut out = RunResults::default();
    for i in 0..COUNT {
        let mut v = base.verdicts[i % base.verdicts.len()].clone();
        v.trajectory = format!("{}/{i}", v.trajectory);
        v.agent_revision = Some(if i % 2 == 0 { "r1" } else { "r2" }.into());
        v.attempt = (i / 12) as u32 % 5 + 1;
        out.verdicts.push(v);
    }
    out
}

fn benches(c: &mut Criterion) {
    let results = large_run();
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("20261125T000000Z-bench");
    fs_err::create_dir_all(&run).unwrap();
    let path = run.join("results.parquet");
    let meta = table::RunMeta { run_id: "20261125T000000Z-bench", started_at: "2026-11-25T00:00:00Z" };
    table::write_parquet(&path, meta, &results).unwrap();
    goalpost_grade::manifest::Manifest::new(meta.run_id, meta.started_at, results.totals()).write(&run).unwrap();
    let rows_in_table = dataset::load_run(&run).unwrap().height();

    let mut g = c.benchmark_group(format!("reports/{COUNT}-trajectories/{rows_in_table}-rows"));
    g.sample_size(10);
    g.throughput(Throughput::Elements(COUNT as u64));
    g.bench_function("write-parquet", |b| b.iter(|| table::write_parquet(&path, meta, black_box(&results)).unwrap()));
    g.bench_function("load+typed-rows", |b| {
        b.iter(|| {
            let df = dataset::load_run(&run).unwrap();
            black_box((dataset::trajectories(&df).unwrap().len(), dataset::criteria(&df).unwrap().len()))
        })
    });
    let df = dataset::load_run(&run).unwrap();
    let rows = dataset::trajectories(&df).unwrap();
    let crits = dataset::criteria(&df).unwrap();
    g.bench_function("summary-group-bys", |b| {
        b.iter(|| {
            black_box((
                summary::counts(&rows),
                summary::criterion_counts(&df).unwrap(),
                summary::trend(&df, 30).unwrap(),
            ))
        })
    });
    let (r1, r2): (Vec<_>, Vec<_>) = rows.iter().cloned().partition(|r| r.agent_revision.as_deref() == Some("r1"));
    g.bench_function("compare-two-revisions", |b| {
        b.iter(|| black_box(compare::compare(("r1", &r1), ("r2", &r2), &[], 0.05)))
    });
    let policy = Policy::load(&root().join("gates.toml")).unwrap();
    g.bench_function("gate", |b| b.iter(|| black_box(gate::evaluate(&policy, &r2, &crits, Some(&r1), None))));
    g.finish();
}

criterion_group!(reports, benches);
criterion_main!(reports);
