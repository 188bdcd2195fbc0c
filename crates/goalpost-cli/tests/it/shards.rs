//! `run --shard K/N` on every shard, then `merge`: the same run as grading everything at once.

use std::path::Path;

use super::{goalpost, root, text};

#[test]
fn three_merged_shards_are_the_unsharded_run_and_a_missing_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // The bundled examples, a malformed trajectory, an empty file, and a real SWE-bench run.
    let input = dir.path().join("in");
    fs_err::create_dir_all(&input).unwrap();
    for f in fs_err::read_dir(root().join("examples/trajectories")).unwrap().flatten() {
        fs_err::copy(f.path(), input.join(f.file_name())).unwrap();
    }
    fs_err::write(
        input.join("broken.jsonl"),
        "{\"type\":\"header\",\"format\":\"goalpost-trajectory/1.0\",\"id\":\"broken\",\"agent\":\"a\"}\n{not json\n",
    )
    .unwrap();
    fs_err::write(input.join("empty.jsonl"), "").unwrap();
    let swebench = root().join("fixtures/swebench-run");
    let run = |out: &Path, shard: Option<&str>| {
        let mut args =
            vec!["run", "-q", "--no-cache", "--trajectories", input.to_str().unwrap(), swebench.to_str().unwrap()];
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        args.extend(["--out", out.to_str().unwrap()]);
        let o = goalpost(&args);
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", text(&o.stderr));
    };
    let whole = dir.path().join("whole");
    run(&whole, None);
    let parts: Vec<_> = (0..3).map(|k| dir.path().join(format!("part-{k}"))).collect();
    for (k, p) in parts.iter().enumerate() {
        run(p, Some(&format!("{k}/3")));
    }
    // Every input is in exactly one shard.
    let rows = |p: &Path| fs_err::read_to_string(p.join("results.jsonl")).unwrap().lines().count() - 1;
    assert_eq!(parts.iter().map(|p| rows(p)).sum::<usize>(), rows(&whole));
    assert!(parts.iter().all(|p| rows(p) < rows(&whole)), "each shard holds part of the run");

    let merged = dir.path().join("merged");
    let m = goalpost(&[
        "merge",
        parts[0].to_str().unwrap(),
        parts[1].to_str().unwrap(),
        parts[2].to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(m.status.code(), Some(1), "errored inputs exit 1, as the run does: {}", text(&m.stderr));
    for f in ["results.jsonl", "results.csv"] {
        assert_eq!(
            fs_err::read_to_string(merged.join(f)).unwrap(),
            fs_err::read_to_string(whole.join(f)).unwrap(),
            "{f} of the merged run"
        );
    }
    let manifest = |p: &Path| -> serde_json::Value {
        serde_json::from_str(&fs_err::read_to_string(p.join("manifest.json")).unwrap()).unwrap()
    };
    assert_eq!(manifest(&merged)["totals"], manifest(&whole)["totals"]);
    assert_eq!(manifest(&merged)["inputs"], manifest(&whole)["inputs"]);
    assert_eq!(manifest(&merged)["merged_from"].as_array().unwrap().len(), 3);
    let report = goalpost(&["report", merged.to_str().unwrap()]);
    assert!(report.status.success(), "{}", text(&report.stderr));

    // A shard missing, and one that did not finish: both named, nothing written.
    fs_err::remove_file(parts[2].join("manifest.json")).unwrap();
    let out = dir.path().join("again");
    let m =
        goalpost(&["merge", parts[0].to_str().unwrap(), parts[2].to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(m.status.code(), Some(2));
    let stderr = text(&m.stderr);
    assert!(stderr.contains("shard 1 of 3 is missing: run it with `goalpost run --shard 1/3`"), "{stderr}");
    assert!(stderr.contains("failed shard") && stderr.contains("part-2"), "{stderr}");
    assert!(!out.join("manifest.json").exists());
    // The index may come from the environment (a Kubernetes indexed Job, a Slurm array).
    let o =
        goalpost(&["run", "-q", "--trajectories", input.to_str().unwrap(), "--shard", "GOALPOST_TEST_NO_SUCH_VAR/3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("not a number nor a set environment variable"), "{}", text(&o.stderr));
}
