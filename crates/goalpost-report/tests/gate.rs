//! The release gate: the policy file's errors name the rule; every rule's figure; missing,
//! errored and incomplete trajectories never leave the denominator; JUnit for CI.

mod rows;

use goalpost_report::gate::{EntryState, StoreEntry, evaluate, junit};
use goalpost_report::policy::Policy;
use rows::{criterion, row};

fn err(policy: &str) -> String {
    Policy::parse(policy).unwrap_err().to_string()
}

#[test]
fn a_malformed_policy_is_an_error_naming_the_rule() {
    let e = err("[pass_rate]\nminimum = 0.8\n");
    assert!(e.contains("pass_rate") && e.contains("minimum"), "{e}");
    let e = err("[pass_rate]\nmin = \"high\"\n");
    assert!(e.contains("rule `pass_rate.min`"), "{e}");
    let e = err("[pass_rate]\nmin = 1.5\n");
    assert!(e.contains("rule `pass_rate.min`: 1.5 is not in [0, 1]"), "{e}");
    let e = err("[completeness]\nexpected = 10\n");
    assert!(e.contains("completeness") && e.contains("min"), "{e}");
    let e = err("[cost]\nmax_total_usd = -3.0\n");
    assert!(e.contains("rule `cost.max_total_usd`"), "{e}");
    let e = err("[baseline]\nno_must_pass_regression = true\n");
    assert!(e.contains("needs a `must_pass` table"), "{e}");
    assert!(err("").contains("states no rule"));
    assert!(err("alpha = 0.05\n").contains("states no rule"));
    let missing = Policy::load(std::path::Path::new("/nonexistent/gates.toml")).unwrap_err().to_string();
    assert!(missing.contains("/nonexistent/gates.toml"), "{missing}");
    // The bundled policy parses.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../gates.toml");
    Policy::load(&root).unwrap();
}

#[test]
fn missing_errored_and_incomplete_trajectories_count_against_the_gate() {
    let policy = Policy::parse("[completeness]\nmin = 0.9\nexpected = 5\n[pass_rate]\nmin = 0.6\n").unwrap();
    let run = vec![
        row("r", "v", "a", 1, "pass"),
        row("r", "v", "b", 1, "pass"),
        row("r", "v", "c", 1, "pass"),
        row("r", "v", "d", 1, "error"),
    ];
    let g = evaluate(&policy, &run, &[], None, None);
    let completeness = g.rules.iter().find(|r| r.rule == "completeness.min").unwrap();
    assert!(!completeness.passed);
    // 3 of 5 expected: one errored, one missing.
    assert!(completeness.figure.starts_with("0.600 (3 of 5"), "{}", completeness.figure);
    assert!(completeness.details.iter().any(|d| d.contains("1 expected trajectory(ies) missing")));
    let rate = g.rules.iter().find(|r| r.rule == "pass_rate.min").unwrap();
    // 3 of 5 = 0.6 >= 0.6: holds at the boundary.
    assert!(rate.passed, "{}", rate.figure);
    assert!(!g.passed);
}

#[test]
fn zero_failure_criteria_cite_their_steps_and_an_ungraded_one_fails() {
    let policy = Policy::parse("[criteria]\nzero_failures = [\"scope\", \"no-such-criterion\"]\n").unwrap();
    let run = vec![row("r", "v", "a", 1, "pass"), row("r", "v", "b", 1, "fail")];
    let crits = vec![criterion(&run[0], "scope", "pass", &[]), criterion(&run[1], "scope", "fail", &[4, 9])];
    let g = evaluate(&policy, &run, &crits, None, None);
    let scope = g.rules.iter().find(|r| r.rule == "criteria.zero_failures.scope").unwrap();
    assert!(!scope.passed);
    assert_eq!(scope.figure, "1 failure(s) in 2 graded");
    assert!(scope.details[0].contains("b/v/1") && scope.details[0].contains("steps 4, 9"), "{:?}", scope.details);
    let unknown = g.rules.iter().find(|r| r.rule == "criteria.zero_failures.no-such-criterion").unwrap();
    assert!(!unknown.passed, "a criterion the run never graded is not a pass");
}

#[test]
fn must_pass_scenarios_regressions_against_the_baseline_and_missing_ones() {
    let policy = Policy::parse(
        "[must_pass]\nscenarios = [\"a\", \"gone\"]\ntags = [\"critical\"]\n\
         [baseline]\nno_must_pass_regression = true\nno_significant_regression = true\n",
    )
    .unwrap();
    let mut run = vec![row("r2", "v2", "a", 1, "fail"), row("r2", "v2", "t", 1, "pass")];
    run[1].tags = vec!["critical".into()];
    let base = vec![row("r1", "v1", "a", 1, "pass"), row("r1", "v1", "t", 1, "pass")];
    let g = evaluate(&policy, &run, &[], Some(&base), None);
    let names: Vec<(&str, bool)> = g.must_pass.iter().map(|r| (r.rule.as_str(), r.passed)).collect();
    assert_eq!(names, [("must_pass.a", false), ("must_pass.gone", false), ("must_pass.t", true)]);
    assert_eq!(g.must_pass[0].details[0], "regressed: it passed in the baseline");
    assert_eq!(g.must_pass[1].figure, "missing from the run");
    // One regression, no fix: p = 1.0, not significant.
    let sig = g.rules.iter().find(|r| r.rule == "baseline.no_significant_regression").unwrap();
    assert!(sig.passed, "{}", sig.figure);
    assert!(!g.passed);

    // Without --baseline, a policy with baseline rules fails rather than skipping them.
    let g = evaluate(&policy, &run, &[], None, None);
    assert!(g.rules.iter().any(|r| r.rule == "baseline" && !r.passed));
}

#[test]
fn a_fixed_regression_that_fails_again_reopens_and_fails_the_gate() {
    let policy = Policy::parse("[regressions]\nno_reopened = true\n").unwrap();
    let run =
        vec![row("r", "v", "reg-1", 1, "fail"), row("r", "v", "reg-2", 1, "fail"), row("r", "v", "reg-3", 1, "fail")];
    let store = vec![
        StoreEntry { id: "reg-1".into(), state: EntryState::Fixed, failed: Some(true) },
        StoreEntry { id: "reg-2".into(), state: EntryState::Open, failed: Some(true) },
        StoreEntry { id: "reg-3".into(), state: EntryState::Retired, failed: Some(true) },
        StoreEntry { id: "reg-4".into(), state: EntryState::Fixed, failed: Some(false) },
        StoreEntry { id: "reg-5".into(), state: EntryState::New, failed: Some(true) },
    ];
    let g = evaluate(&policy, &run, &[], None, Some(&store));
    let rule = g.rules.iter().find(|r| r.rule == "regressions.no_reopened").unwrap();
    assert!(!rule.passed);
    assert_eq!(rule.details, ["re-opened: reg-1 (was fixed, fails again)"]);
    // An open entry still failing is only a failure under `no_failing`.
    let strict = Policy::parse("[regressions]\nno_reopened = false\nno_failing = true\n").unwrap();
    let g = evaluate(&strict, &run, &[], None, Some(&store));
    let rule = g.rules.iter().find(|r| r.rule == "regressions.no_failing").unwrap();
    // reg-1 re-opened, reg-2 and reg-5 still failing; reg-3 is retired.
    assert_eq!(rule.details.len(), 3, "{:?}", rule.details);
}

#[test]
fn cost_ceilings_and_junit_with_one_case_per_rule() {
    let policy = Policy::parse("[cost]\nmax_total_usd = 2.5\nmax_mean_usd = 1.0\n").unwrap();
    let run = vec![row("r", "v", "a", 1, "pass"), row("r", "v", "b", 1, "pass"), row("r", "v", "c", 1, "fail")];
    let g = evaluate(&policy, &run, &[], None, None);
    let total = g.rules.iter().find(|r| r.rule == "cost.max_total_usd").unwrap();
    assert_eq!((total.passed, total.figure.as_str()), (false, "$3.00"));
    let mean = g.rules.iter().find(|r| r.rule == "cost.max_mean_usd").unwrap();
    assert_eq!((mean.passed, mean.figure.as_str()), (true, "$1.00"));
    let xml = junit(&g).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 2);
    assert_eq!(xml.matches("<failure").count(), 1);
    assert!(xml.contains("name=\"cost.max_total_usd\""));
}

#[test]
fn a_policy_file_error_names_the_file_then_the_rule_and_never_repeats_its_cause() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("gates.toml");
    fs_err::write(&path, "[pass_rate]\nmin = 1.5\n").unwrap();
    let e = Policy::load(&path).unwrap_err();
    assert!(matches!(e, goalpost_report::Error::Policy { .. }), "{e:?}");
    assert_eq!(
        e.with_causes(),
        format!("{}: not a usable policy: rule `pass_rate.min`: 1.5 is not in [0, 1]", path.display())
    );
    let missing = Policy::load(&tmp.path().join("none.toml")).unwrap_err();
    assert!(matches!(missing, goalpost_report::Error::Read { .. }), "{missing:?}");
    for e in [e, missing] {
        let mut cause = std::error::Error::source(&e);
        assert!(cause.is_some(), "{e:?}");
        while let Some(c) = cause {
            assert!(!e.to_string().contains(&c.to_string()), "`{e}` repeats its cause `{c}`");
            cause = c.source();
        }
    }
}

#[test]
fn open_review_items_have_a_rule_of_their_own_and_count_as_graded() {
    let run = vec![
        row("r", "v", "a", 1, "pass"),
        row("r", "v", "b", 1, "review"),
        row("r", "v", "c", 1, "review"),
        row("r", "v", "d", 1, "fail"),
    ];
    let crits = vec![
        criterion(&run[1], "test-integrity", "review", &[4, 9]),
        criterion(&run[2], "approved-tools", "review", &[2]),
        criterion(&run[3], "scope", "fail", &[5]),
    ];
    let strict = Policy::parse("[review]\nmax_open = 0\n[completeness]\nmin = 1.0\n[pass_rate]\nmin = 0.25\n").unwrap();
    let g = evaluate(&strict, &run, &crits, None, None);
    let review = g.rules.iter().find(|r| r.rule == "review.max_open").unwrap();
    assert!(!review.passed);
    assert_eq!(review.figure, "2 open review item(s) in 2 trajectory(ies)");
    assert!(
        review.details[0].starts_with("review `test-integrity`: b/v/1 in ")
            && review.details[0].contains("(steps 4, 9)")
    );
    assert!(review.details[1].starts_with("review `approved-tools`: c/v/1"), "{:?}", review.details);
    // Graded to a decision or a review item: complete. Not passes: 1 of 4.
    assert!(g.rules.iter().find(|r| r.rule == "completeness.min").unwrap().passed);
    let rate = g.rules.iter().find(|r| r.rule == "pass_rate.min").unwrap();
    assert!(rate.figure.starts_with("0.250 (1 of 4"), "{}", rate.figure);
    // A nightly policy that lists them without failing on them.
    let nightly = Policy::parse("[review]\nmax_open = 10\n").unwrap();
    assert!(evaluate(&nightly, &run, &crits, None, None).passed);
    assert!(err("[review]\n").contains("max_open"), "{}", err("[review]\n"));
}

#[test]
fn no_value_in_a_gate_can_start_a_terminal_line_of_its_own() {
    use goalpost_report::gate::{GateResult, RuleResult};
    let fake = "gate PASSED: 9 of 9 rule(s) hold";
    let g = GateResult {
        passed: false,
        rules: vec![RuleResult {
            rule: "objective.max_unassessed".into(),
            passed: false,
            figure: format!("1 trajectory\n{fake}"),
            threshold: "<= 0".into(),
            details: vec![format!("objective not assessed: x\n{fake}\r\n")],
        }],
        must_pass: Vec::new(),
        run_ids: vec!["r".into()],
        baseline_run_ids: Vec::new(),
        decisions: vec![format!("accept `scope` of t\n{fake}")],
    };
    let out = goalpost_report::text::gate_terminal(&g);
    let starts: Vec<&str> = out.lines().filter(|l| l.trim_start().starts_with("gate ")).collect();
    assert_eq!(starts, ["gate FAILED: 0 of 1 rule(s) hold"], "{out}");
    assert!(out.contains("x\\ngate PASSED"), "the break is shown, escaped: {out}");
}
