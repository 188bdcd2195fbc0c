//! The 24 real SWE-bench instances: goalpost's objective verdict, computed from the harness's
//! per-test statuses, equals the official resolved verdict.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use goalpost_grade::{NoReporter, RunOptions, Status, Verdict};
use goalpost_trajectory::discover;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn grade_run() -> Vec<Verdict> {
    let root = root();
    let (specs, diags) = goalpost_spec::load(&root.join("scenarios"), &root.join("rubrics"));
    assert!(diags.is_empty(), "{diags:?}");
    let (inputs, errors) = discover(&[root.join("fixtures/swebench-run")]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(inputs.len(), 24);
    let results = goalpost_grade::run(&inputs, vec![], &specs, RunOptions::default(), &NoReporter);
    assert!(results.errors.is_empty(), "{:?}", results.errors);
    results.verdicts
}

#[test]
fn objective_verdicts_equal_the_official_ones() {
    let expected: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(root().join("fixtures/swebench-run/expected.json")).unwrap())
            .unwrap();
    let expected: BTreeMap<String, bool> =
        expected["resolved"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_bool().unwrap())).collect();
    let verdicts = grade_run();
    let got: BTreeMap<String, bool> =
        verdicts.iter().map(|v| (v.trajectory.clone(), v.objective_met.expect("scored"))).collect();
    assert_eq!(got, expected);
    // Both halves of "resolved" were really graded, not copied; an instance whose report
    // lists no PASS_TO_PASS test (django-14315) has no regression suite to hold.
    for v in &verdicts {
        for id in ["acceptance-tests", "regression-suite"] {
            let c = v.criteria.iter().find(|c| c.id == id).unwrap();
            if c.status == Status::NotApplicable {
                assert_eq!((id, v.trajectory.as_str()), ("regression-suite", "django__django-14315"));
                continue;
            }
            assert!(matches!(c.status, Status::Pass | Status::Fail), "{}: {id} {:?}", v.trajectory, c.status);
            assert_eq!(c.evidence, vec![v.summary.steps + 1], "cites the final state");
        }
    }
}

#[test]
fn a_rewritten_test_expectation_goes_to_review_and_cites_the_sed_step() {
    let verdicts = grade_run();
    let integrity = |v: &Verdict| v.criteria.iter().find(|c| c.id == "test-integrity").unwrap().status;
    // No run here weakens a test: none fails test integrity.
    let failing: Vec<&str> =
        verdicts.iter().filter(|v| integrity(v) == Status::Fail).map(|v| v.trajectory.as_str()).collect();
    assert!(failing.is_empty(), "{failing:?}");
    // Only matplotlib-21568 edited an existing test: it rewrote an expected string with
    // `sed -i` while the test still asserts, which a person decides. The sphinx runs' tox.ini
    // change came from the environment, and the `test_fix.py` files elsewhere were the agents'
    // own scratch files.
    let review: Vec<&str> =
        verdicts.iter().filter(|v| integrity(v) == Status::Review).map(|v| v.trajectory.as_str()).collect();
    assert_eq!(review, ["matplotlib__matplotlib-21568"]);
    let v = verdicts.iter().find(|v| v.trajectory == "matplotlib__matplotlib-21568").unwrap();
    let c = v.criteria.iter().find(|c| c.id == "test-integrity").unwrap();
    assert!(c.message.contains("lib/matplotlib/tests/test_dates.py"), "{}", c.message);
    assert!(c.message.contains("existing test data changed") && c.message.contains(" → "), "{}", c.message);
    assert!(
        c.evidence.iter().any(|n| *n <= v.summary.steps),
        "cites a step, not only the final state: {:?}",
        c.evidence
    );
}

/// Grades the 230 calibration runs of `../shared/corpora/swebench-calibration`
/// (docs/calibration.md) and the 24 fixture runs, and prints every run whose criterion `id`
/// neither passes nor is not applicable, with its message cut to `chars`. Returns the counts
/// per (officially resolved, status) and the resolved runs that fail it; `None` without
/// `GOALPOST_CORPORA`.
#[allow(clippy::print_stdout)]
#[allow(clippy::type_complexity)]
fn calibrate(id: &str, chars: usize) -> Option<(BTreeMap<(bool, String), usize>, Vec<String>)> {
    let dir = std::env::var("GOALPOST_CORPORA").ok()?;
    let root = root();
    let (specs, diags) = goalpost_spec::load(&root.join("scenarios"), &root.join("rubrics"));
    assert!(diags.is_empty(), "{diags:?}");
    let runs = [Path::new(&dir).join("swebench-calibration"), root.join("fixtures/swebench-run")];
    let mut counts: BTreeMap<(bool, String), usize> = BTreeMap::new();
    let mut resolved_fails = Vec::new();
    for run in &runs {
        let (inputs, errors) = discover(std::slice::from_ref(run));
        assert!(errors.is_empty(), "{errors:?}");
        let results = goalpost_grade::run(&inputs, vec![], &specs, RunOptions::default(), &NoReporter);
        assert!(results.errors.is_empty(), "{:?}", results.errors);
        for v in &results.verdicts {
            let resolved = v.objective_met == Some(true);
            let c = v.criteria.iter().find(|c| c.id == id).unwrap();
            *counts.entry((resolved, c.status.as_str().to_owned())).or_default() += 1;
            if !matches!(c.status, Status::Pass | Status::NotApplicable) {
                println!(
                    "{} {} {}: {}",
                    if resolved { "RESOLVED" } else { "unresolved" },
                    c.status.as_str(),
                    v.trajectory,
                    c.message.chars().take(chars).collect::<String>()
                );
                if resolved && c.status == Status::Fail {
                    resolved_fails.push(v.trajectory.clone());
                }
            }
        }
    }
    Some((counts, resolved_fails))
}

/// Test integrity on the calibration runs: every officially resolved run that fails it or goes
/// to review, with the message, and the counts. Run with
/// `GOALPOST_CORPORA=/path/to/corpora cargo test -p goalpost-grade --test swebench -- --ignored --nocapture`.
#[test]
#[ignore = "reads the shared corpora outside the repository"]
#[allow(clippy::print_stdout)]
fn calibration_runs_test_integrity() {
    let Some((counts, resolved_fails)) = calibrate("test-integrity", 600) else { return };
    for ((resolved, status), n) in &counts {
        println!("{} {status}: {n}", if *resolved { "resolved" } else { "unresolved" });
    }
    println!("resolved runs failing test integrity: {resolved_fails:?}");
}

#[test]
fn costs_and_steps_match_what_the_format_records() {
    for v in grade_run() {
        let path = Path::new(&v.file);
        let raw: serde_json::Value = serde_json::from_str(&fs_err::read_to_string(path).unwrap()).unwrap();
        let cost = raw["info"]["model_stats"]["instance_cost"].as_f64().unwrap();
        let calls = raw["info"]["model_stats"]["api_calls"].as_u64().unwrap();
        assert!(
            (v.summary.cost_usd.unwrap() - cost).abs() < 1e-5,
            "{}: {:?} vs {cost}",
            v.trajectory,
            v.summary.cost_usd
        );
        let budget = v.criteria.iter().find(|c| c.id == "budget").unwrap();
        assert!(budget.message.contains(&format!("steps {calls} <=")), "{}", budget.message);
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
        assert_eq!(v.agent, "mini-swe-agent");
        assert_eq!(v.agent_revision.as_deref(), Some("1.15.0"));
    }
}

/// The calibration runs' side effects, with their SWE-bench scenarios: no officially resolved
/// run fails `side-effects`; prints every run that does not pass it. Run as above.
#[test]
#[ignore = "reads the shared corpora outside the repository"]
fn calibration_runs_side_effects() {
    let Some((_, resolved_fails)) = calibrate("side-effects", 400) else { return };
    assert!(resolved_fails.is_empty(), "{resolved_fails:?}");
}
