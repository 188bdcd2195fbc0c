//! A trajectory whose objective was never assessed is not a pass of its task: its own outcome
//! (`unassessed`, with the reason) in results, on the terminal, in the report, compare and
//! gate, and outside every pass rate's denominator.

use std::path::Path;
use std::process::Command;

use super::{root, rows, text};

fn goalpost(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_goalpost")).args(args).current_dir(root()).output().unwrap()
}

/// A bundled good example (assessed, passes), a real Claude Code session (no scenario) and
/// a SWE-bench run directory that kept one instance's trajectory but not its report.json.
fn inputs(dir: &Path) {
    let trajs = dir.join("trajs");
    fs_err::create_dir_all(&trajs).unwrap();
    fs_err::copy(root().join("examples/trajectories/fix-login-redirect--good.jsonl"), trajs.join("good.jsonl"))
        .unwrap();
    fs_err::copy(root().join("fixtures/formats/claude-code/short.jsonl"), trajs.join("claude.jsonl")).unwrap();
    let swe = dir.join("swe/trajs");
    fs_err::create_dir_all(&swe).unwrap();
    let id = "psf__requests-2317";
    fs_err::copy(
        root().join(format!("fixtures/swebench-run/trajs/{id}.traj.json")),
        swe.join(format!("{id}.traj.json")),
    )
    .unwrap();
    fs_err::create_dir_all(dir.join("swe/logs").join(id)).unwrap();
}

#[test]
fn an_objective_never_assessed_is_its_own_group_never_a_pass() {
    let tmp = tempfile::tempdir().unwrap();
    inputs(tmp.path());
    let run = tmp.path().join("run");
    let (trajs, swe) = (tmp.path().join("trajs"), tmp.path().join("swe"));
    let o = goalpost(&[
        "run",
        "--out",
        run.to_str().unwrap(),
        "--trajectories",
        trajs.to_str().unwrap(),
        "--trajectories",
        swe.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("3 found: 3 graded (1 pass, 0 fail, 0 review, 0 incomplete, 2 objective not assessed)"),
        "{stdout}"
    );

    let r = rows(&run.join("results.jsonl"));
    let reason = |pred: &dyn Fn(&serde_json::Value) -> bool| {
        let v = r.iter().find(|v| pred(v)).unwrap_or_else(|| panic!("{r:#?}"));
        assert_eq!(v["outcome"], "unassessed", "{v:#}");
        assert_eq!(v["passed"], serde_json::Value::Null, "never a pass");
        v["unassessed"].as_str().unwrap().to_owned()
    };
    assert_eq!(reason(&|v| v["trajectory"] == "psf__requests-2317"), "no_harness_report");
    assert_eq!(reason(&|v| v["file"].as_str().unwrap().ends_with("claude.jsonl")), "no_scenario");
    let swe_note = r.iter().find(|v| v["trajectory"] == "psf__requests-2317").unwrap()["note"].as_str().unwrap();
    assert!(swe_note.contains("has no harness report"), "{swe_note}");

    let csv = fs_err::read_to_string(run.join("results.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",error,error_kind,unassessed,criteria_review,criteria_decided,overturned"), "{header}");
    assert!(
        csv.lines().any(|l| l.starts_with("psf__requests-2317,")
            && l.contains(",unassessed,")
            && l.contains(",no_harness_report,")),
        "{csv}"
    );

    // The report: the pass rate is 1 of 1 assessed, and the others are listed with the reason.
    let rep = goalpost(&["report", run.to_str().unwrap()]);
    assert!(rep.status.success(), "{}", text(&rep.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["overall"]["found"], 3);
    assert_eq!(json["overall"]["unassessed"], 2);
    assert_eq!(json["overall"]["pass_rate"], 1.0, "1 of the 1 trajectory whose objective was assessed");
    let groups = json["unassessed"].as_array().unwrap();
    let reasons: Vec<&str> = groups.iter().map(|g| g["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["no_scenario", "no_harness_report"]);
    let md = fs_err::read_to_string(run.join("summary.md")).unwrap();
    assert!(md.contains("**1** of **1** trajectories whose objective was assessed passed"), "{md}");
    assert!(md.contains("## Objective not assessed") && md.contains("`psf\\_\\_requests\\-2317`"), "{md}");

    // The gate counts objective success only where it was assessed, names the others, and a
    // release can require every objective assessed.
    let policy = tmp.path().join("gate.toml");
    fs_err::write(&policy, "[pass_rate]\nmin = 0.9\n").unwrap();
    let g = goalpost(&["gate", run.to_str().unwrap(), "--policy", policy.to_str().unwrap()]);
    let out = text(&g.stdout);
    assert_eq!(g.status.code(), Some(0), "{out}");
    assert!(out.contains("1 of 1 whose objective was assessed") && out.contains("2 not assessed"), "{out}");
    fs_err::write(&policy, "[objective]\nmax_unassessed = 0\n").unwrap();
    let g = goalpost(&["gate", run.to_str().unwrap(), "--policy", policy.to_str().unwrap()]);
    let out = text(&g.stdout);
    assert_eq!(g.status.code(), Some(1), "{out}");
    assert!(out.contains("objective.max_unassessed") && out.contains("psf__requests-2317"), "{out}");

    // Compare: the unassessed are their own column, outside the pass rate.
    let c = goalpost(&["compare", run.to_str().unwrap(), run.to_str().unwrap()]);
    let out = text(&c.stdout);
    assert!(c.status.success(), "{out}{}", text(&c.stderr));
    assert!(out.contains("objective not assessed"), "{out}");
}
