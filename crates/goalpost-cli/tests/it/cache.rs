//! The verdict cache: an input graded before with the same plan is neither read nor graded
//! again, and the results are the same bytes; anything that changes the rows misses.

use std::path::Path;
use std::process::{Command, Output};

use super::{root, text};

fn goalpost(args: &[&str], cache: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_goalpost"));
    c.args(args).current_dir(root()).env("GOALPOST_CACHE_DIR", cache).env_remove("GOALPOST_FAULT");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn cached(run: &Path) -> Option<u64> {
    let m: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    m["cached"].as_u64()
}

fn entries(cache: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for shard in fs_err::read_dir(cache).into_iter().flatten().flatten() {
        for e in fs_err::read_dir(shard.path()).into_iter().flatten().flatten() {
            if e.path().extension().is_some_and(|x| x == "jsonl") {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn an_unchanged_input_comes_from_the_cache_with_the_same_bytes_and_a_changed_one_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let (trajs, cache) = (tmp.path().join("trajs"), tmp.path().join("cache"));
    fs_err::create_dir_all(&trajs).unwrap();
    for e in fs_err::read_dir(root().join("examples/trajectories")).unwrap() {
        let p = e.unwrap().path();
        fs_err::copy(&p, trajs.join(p.file_name().unwrap())).unwrap();
    }
    let run = |name: &str, extra: &[&str]| {
        let out = tmp.path().join(name);
        let mut args = vec!["run", "-q", "--trajectories", s(&trajs), "--out", s(&out)];
        args.extend(extra);
        let o = goalpost(&args, &cache, &[]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        (out, text(&o.stderr))
    };
    let (first, _) = run("r1", &[]);
    assert_eq!(cached(&first), Some(0));
    assert_eq!(entries(&cache).len(), 6, "one entry per input");

    let (second, hint) = run("r2", &[]);
    assert_eq!(cached(&second), Some(6), "{hint}");
    assert!(hint.contains("6 of 6 input(s) graded before with the same plan"), "{hint}");
    for f in ["results.jsonl", "results.csv"] {
        assert!(fs_err::read(first.join(f)).unwrap() == fs_err::read(second.join(f)).unwrap(), "{f} differs");
    }

    // --no-cache grades everything, to the same bytes.
    let (third, _) = run("r3", &["--no-cache"]);
    assert_eq!(cached(&third), None);
    assert!(fs_err::read(first.join("results.jsonl")).unwrap() == fs_err::read(third.join("results.jsonl")).unwrap());

    // A changed input misses; a torn entry is a miss too, and is graded again.
    let good = trajs.join("fix-login-redirect--good.jsonl");
    let mut text_of = fs_err::read_to_string(&good).unwrap();
    text_of.push('\n');
    fs_err::write(&good, text_of).unwrap();
    let torn = entries(&cache).into_iter().next().unwrap();
    let bytes = fs_err::read(&torn).unwrap();
    fs_err::write(&torn, &bytes[..bytes.len() / 2]).unwrap();
    let (fourth, _) = run("r4", &[]);
    let hits = cached(&fourth).unwrap();
    assert!((4..=5).contains(&hits), "the changed input and the torn entry miss: {hits}");
    let rows = |dir: &Path| {
        fs_err::read_to_string(dir.join("results.jsonl"))
            .unwrap()
            .lines()
            .filter(|l| !l.contains("fix-login-redirect/r42/good"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(rows(&first), rows(&fourth), "the other rows are the same");

    // Another plan (here: another scenario assigned) misses everything.
    let (fifth, _) = run("r5", &["--scenario", "fix-login-redirect"]);
    assert_eq!(cached(&fifth), Some(0));

    // The cache is bounded: at 0 MB every entry goes once the run is done.
    let o = goalpost(
        &["run", "-q", "--trajectories", s(&trajs), "--out", s(&tmp.path().join("r6"))],
        &cache,
        &[("GOALPOST_CACHE_MAX_MB", "0")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(entries(&cache).is_empty(), "{:?}", entries(&cache));
}

#[test]
fn a_cache_that_cannot_be_made_costs_nothing_but_time() {
    let tmp = tempfile::tempdir().unwrap();
    let not_a_dir = tmp.path().join("file");
    fs_err::write(&not_a_dir, "x").unwrap();
    let out = tmp.path().join("run");
    let o = goalpost(&["run", "-q", "--out", s(&out)], &not_a_dir, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("no verdict cache"), "{}", text(&o.stderr));
    assert_eq!(cached(&out), None);
}
