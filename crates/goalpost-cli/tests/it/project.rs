//! goalpost in a user's own repository: `init` in an empty directory, then every command from
//! anywhere inside it, as the installed binary runs there; and with no project at all.

use std::path::Path;
use std::process::{Command, Output};

use super::{root, rows, text};

fn goalpost_in(dir: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_goalpost"));
    // A cache of its own: nothing from other tests' runs.
    c.args(args).current_dir(dir).env("GOALPOST_CACHE_DIR", dir.join(".cache"));
    c.output().unwrap()
}

#[test]
fn init_then_lint_run_report_and_gate_from_anywhere_in_the_repository() {
    let repo = tempfile::tempdir().unwrap();
    let repo = repo.path();
    let o = goalpost_in(repo, &["init"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for f in ["goalpost.toml", "goalpost/scenarios/example-task.toml", "goalpost/rubrics/trajectory-review.toml"] {
        assert!(repo.join(f).is_file(), "{f}");
    }
    // The rubric and catalog written are the ones built in: the same bytes as this repository's.
    assert_eq!(
        fs_err::read(repo.join("goalpost/rubrics/catalogs/tools.toml")).unwrap(),
        fs_err::read(root().join("rubrics/catalogs/tools.toml")).unwrap()
    );
    // A second init changes nothing.
    let again = goalpost_in(repo, &["init"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("already there: nothing written"), "{}", text(&again.stderr));

    // From a subdirectory, as a developer working in the repository would.
    let sub = repo.join("src/deep");
    fs_err::create_dir_all(&sub).unwrap();
    let lint = goalpost_in(&sub, &["lint"]);
    assert!(lint.status.success(), "{}{}", text(&lint.stdout), text(&lint.stderr));
    assert!(text(&lint.stdout).contains("1 scenario(s) and 1 rubric(s) ok, 0 problem(s)"), "{}", text(&lint.stdout));

    // No trajectories named anywhere: a clear stop, not a run of nothing.
    let none = goalpost_in(&sub, &["run", "-q"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(text(&none.stderr).contains("no trajectories to grade"), "{}", text(&none.stderr));

    let examples = root().join("examples/trajectories");
    let run = goalpost_in(&sub, &["run", "-q", "--trajectories", examples.to_str().unwrap()]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let runs: Vec<_> = fs_err::read_dir(repo.join("goalpost/reports")).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(runs.len(), 1, "the run lands in the project's reports: {runs:?}");
    let results = rows(&runs[0].join("results.jsonl"));
    assert_eq!(results.len(), 6);
    // The project's scenarios do not include the examples': graded by the rubric alone, their
    // objective is not assessed (never a pass).
    assert!(results.iter().all(|r| r["passed"] != true), "{results:?}");

    let report = goalpost_in(&sub, &["report"]);
    assert!(report.status.success(), "{}", text(&report.stderr));
    assert!(runs[0].join("summary.md").is_file());

    // The project's policy, with no --policy: no trajectory passed, so the gate fails (exit 1)
    // and says which rule.
    let gate = goalpost_in(&sub, &["gate"]);
    assert_eq!(gate.status.code(), Some(1), "{}{}", text(&gate.stdout), text(&gate.stderr));
    let md = fs_err::read_to_string(runs[0].join("gate.md")).unwrap();
    assert!(md.contains("pass_rate"), "{md}");
}

#[test]
fn with_no_project_the_built_in_rubric_grades_what_is_named() {
    let dir = tempfile::tempdir().unwrap();
    if dir.path().ancestors().any(|d| d.join("goalpost.toml").is_file()) {
        return; // a temporary directory inside someone's project: not the case this tests
    }
    let lint = goalpost_in(dir.path(), &["lint"]);
    assert!(lint.status.success(), "{}", text(&lint.stderr));
    assert!(text(&lint.stdout).contains("0 scenario(s) and 1 rubric(s) ok"), "{}", text(&lint.stdout));
    let examples = root().join("examples/trajectories");
    let run = goalpost_in(dir.path(), &["run", "-q", "--trajectories", examples.to_str().unwrap()]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(stdout.contains("6 graded (0 pass, 2 fail, 0 review, 0 incomplete, 4 objective not assessed)"), "{stdout}");
    // Nothing to promote into outside a project: said so, nothing written.
    let promote = goalpost_in(dir.path(), &["promote"]);
    assert_eq!(promote.status.code(), Some(2));
    assert!(text(&promote.stderr).contains("goalpost init"), "{}", text(&promote.stderr));
    assert!(!dir.path().join("scenarios").exists());
}
