//! The change log a review page shows, on real trajectories: how each change is known, whether
//! a later passing test run covered it, and the confidence derived from the two.

use std::path::{Path, PathBuf};

use goalpost_grade::changelog::{ChangeLog, ChangedFile, Confidence, Coverage, Known, change_log};
use goalpost_trajectory::{Trajectory, read_back};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The trajectory `id` of `file`, with the plan its scenario (loaded from `scenarios`) gives.
fn log_of(scenarios: &str, file: &str, id: &str) -> (Trajectory, ChangeLog) {
    let root = root();
    let (specs, _) = goalpost_spec::load(&root.join(scenarios), &root.join("rubrics"));
    let t = read_back(&root.join(file), &[id]).unwrap().remove(0);
    let plan = match (&t.embedded_scenario, t.header.scenario.as_deref().and_then(|s| specs.plan(s))) {
        (Some(e), _) => specs.plan_for((**e).clone()).unwrap(),
        (None, Some(p)) => (**p).clone(),
        (None, None) => specs.unscoped_plan().unwrap(),
    };
    let log = change_log(&t, &plan);
    (t, log)
}

fn file<'a>(log: &'a ChangeLog, path: &str) -> &'a ChangedFile {
    log.files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{path} not in {:#?}", log.files))
}

#[test]
fn each_way_of_knowing_with_its_coverage_and_confidence() {
    let (_, log) = log_of(
        "fixtures/review-page/scenarios",
        "fixtures/review-page/trajectories/broken.jsonl",
        "review-page/r7/broken",
    );
    let row = |p: &str| {
        let f = file(&log, p);
        (f.known, f.steps.clone(), f.in_final_diff, f.coverage, f.confidence)
    };
    // An edit the trajectory records, then `pytest` exits 0 at step 5.
    assert_eq!(
        row("src/greet.py"),
        (Known::RecordedEdit, vec![3], true, Coverage::Passed { step: 5 }, Confidence::High)
    );
    // `sed -i` at step 4: inferred; the same passing run covers it.
    assert_eq!(
        row("src/messages.py"),
        (Known::InferredFromCommand, vec![4], true, Coverage::Passed { step: 5 }, Confidence::Medium)
    );
    // Written after the last test run; only the harness's tests on the final state (step 8)
    // came after it.
    assert_eq!(
        row("secrets/token.txt"),
        (Known::InferredFromCommand, vec![6], false, Coverage::Passed { step: 8 }, Confidence::Medium)
    );
    // No step wrote it: only the final diff shows it.
    assert_eq!(
        row("docs/CHANGES.md"),
        (Known::OnlyFinalDiff, vec![], true, Coverage::Passed { step: 8 }, Confidence::Medium)
    );
    assert_eq!(log.files.len(), 4);
    assert_eq!(log.test_runs, [(5, Some(true)), (8, Some(true))]);
    let diff = log.final_diff.as_ref().unwrap();
    assert_eq!(
        diff.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
        ["src/greet.py", "src/messages.py", "docs/CHANGES.md"]
    );
    assert!(diff[0].hunks[0].contains(&('+', "    return f\"Hello, {name}!\"".to_owned())));
}

#[test]
fn a_masked_exit_status_and_a_failing_harness_cover_nothing() {
    let (_, log) = log_of(
        "scenarios",
        "examples/trajectories/fix-login-redirect--tampered.jsonl",
        "fix-login-redirect/r43/tampered",
    );
    // `pytest ... || true` exits 0 whatever the tests did (step 12): not a pass. The harness's
    // tests on the final state (step 15) failed.
    assert!(log.test_runs.contains(&(12, None)), "{:?}", log.test_runs);
    assert!(log.test_runs.contains(&(15, Some(false))), "{:?}", log.test_runs);
    for path in ["tests/test_login.py", "conftest.py", "webshop/session/store.py"] {
        let f = file(&log, path);
        assert_eq!(
            (f.known, f.coverage, f.confidence),
            (Known::RecordedEdit, Coverage::Failed { step: 15 }, Confidence::Medium),
            "{path}"
        );
    }
    assert!(file(&log, "conftest.py").created);
}

#[test]
fn swebench_changes_are_inferred_from_commands_and_every_final_diff_file_is_logged() {
    let (t, log) =
        log_of("scenarios", "fixtures/swebench-run/trajs/django__django-11790.traj.json", "django__django-11790");
    let diff = log.final_diff.as_ref().expect("a SWE-bench run records its patch");
    assert!(!diff.is_empty());
    for d in diff {
        let f = file(&log, &d.path);
        assert!(f.in_final_diff, "{}", d.path);
    }
    let forms = file(&log, "django/contrib/auth/forms.py");
    assert_eq!(forms.known, Known::InferredFromCommand);
    assert!(!forms.steps.is_empty() && forms.steps.iter().all(|&s| s as usize <= t.steps.len()));
    // The confidence always follows from how we know and the coverage.
    for f in &log.files {
        let expect = match (f.known, f.coverage.passed()) {
            (Known::RecordedEdit, true) => Confidence::High,
            (Known::RecordedEdit, false) | (_, true) => Confidence::Medium,
            (_, false) => Confidence::Low,
        };
        assert_eq!(f.confidence, expect, "{f:?}");
    }
    // Scratch scripts the agent wrote and removed are listed, deleted, and not in the diff.
    let scratch = file(&log, "reproduce_issue.py");
    assert!(scratch.created && scratch.deleted && !scratch.in_final_diff);
}
