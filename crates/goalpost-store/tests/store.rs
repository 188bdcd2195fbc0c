//! The regression store on the bundled examples: deduplication, idempotence, the lifecycle,
//! golden cases, corrupt entries and hostile ids.

use std::path::{Path, PathBuf};

use goalpost_grade::{NoReporter, RunOptions};
use goalpost_spec::SpecSet;
use goalpost_store::{PromoteOptions, RunView, Severity, State, Store, VerdictLine, promote, retire, slug, verify};
use goalpost_trajectory::discover;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A scratch copy of the scenarios and rubrics, with the store inside it.
struct Workspace {
    _dir: tempfile::TempDir,
    scenarios: PathBuf,
    rubrics: PathBuf,
    store: PathBuf,
    trajectories: PathBuf,
}

fn copy_dir(from: &Path, to: &Path) {
    fs_err::create_dir_all(to).unwrap();
    for e in fs_err::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            fs_err::copy(e.path(), dest).unwrap();
        }
    }
}

fn workspace() -> Workspace {
    let dir = tempfile::tempdir().unwrap();
    let (scenarios, rubrics) = (dir.path().join("scenarios"), dir.path().join("rubrics"));
    copy_dir(&root().join("scenarios"), &scenarios);
    copy_dir(&root().join("rubrics"), &rubrics);
    let trajectories = dir.path().join("trajectories");
    fs_err::create_dir_all(&trajectories).unwrap();
    Workspace { store: scenarios.join("regressions"), _dir: dir, scenarios, rubrics, trajectories }
}

impl Workspace {
    fn specs(&self) -> SpecSet {
        let (specs, diags) = goalpost_spec::load(&self.scenarios, &self.rubrics);
        assert!(diags.is_empty(), "{diags:?}");
        specs
    }

    /// Writes an example trajectory under a new id and revision.
    fn trajectory(&self, example: &str, id: &str, revision: &str) -> PathBuf {
        let text = fs_err::read_to_string(root().join("examples/trajectories").join(example)).unwrap();
        let mut lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        lines[0]["id"] = id.into();
        lines[0]["agent_revision"] = revision.into();
        let out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        let path = self.trajectories.join(format!("{}.jsonl", slug(id)));
        fs_err::write(&path, out.join("\n") + "\n").unwrap();
        path
    }

    /// Grades `files` as run `run_id`, the way `goalpost run` records it.
    fn run(&self, run_id: &str, files: &[PathBuf]) -> RunView {
        let specs = self.specs();
        let (inputs, errors) = discover(files);
        assert!(errors.is_empty());
        let r = goalpost_grade::run(&inputs, vec![], &specs, RunOptions::default(), &NoReporter);
        let verdicts: Vec<VerdictLine> =
            r.verdicts.iter().map(|v| serde_json::from_value(serde_json::to_value(v).unwrap()).unwrap()).collect();
        RunView {
            dir: self.trajectories.clone(),
            run_id: run_id.to_owned(),
            started_at: format!("2026-11-25T00:00:{:02}Z", run_id.len()),
            verdicts,
            cwd: None,
        }
    }

    fn promote(&self, run: &RunView) -> goalpost_store::PromoteReport {
        promote(&self.store, run, &self.specs(), &PromoteOptions::default()).unwrap()
    }

    fn files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![self.store.clone()];
        while let Some(d) = stack.pop() {
            for e in fs_err::read_dir(&d).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                } else {
                    out.push((e.path(), fs_err::read(e.path()).unwrap()));
                }
            }
        }
        out.sort();
        out
    }
}

#[test]
fn the_same_failure_in_many_runs_is_one_entry_with_many_sightings() {
    let w = workspace();
    let files: Vec<PathBuf> =
        (0..5).map(|i| w.trajectory("fix-login-redirect--tampered.jsonl", &format!("tampered-{i}"), "r43")).collect();
    let run = w.run("run-a", &files);
    let r = w.promote(&run);
    assert_eq!(r.created.len(), 1, "{r:?}");
    let store = Store::open(&w.store).unwrap();
    assert_eq!(store.entries.len(), 1);
    let e = &store.entries[0];
    assert_eq!(e.sightings.len(), 5);
    assert_eq!(e.scenario, "fix-login-redirect");
    assert!(e.criteria.contains(&"test-integrity".to_owned()));
    assert!(e.id.starts_with("reg-fix-login-redirect-"));
    // A second run seeing it again adds sightings to the same entry.
    let again = w.run("run-b", &files[..2]);
    let r = w.promote(&again);
    assert!(r.created.is_empty());
    assert_eq!(Store::open(&w.store).unwrap().entries[0].sightings.len(), 7);
}

#[test]
fn promoting_the_same_run_twice_changes_nothing() {
    let w = workspace();
    let files: Vec<PathBuf> = ["good", "tampered"]
        .iter()
        .map(|k| w.trajectory(&format!("fix-login-redirect--{k}.jsonl"), k, "r1"))
        .chain([w.trajectory("release-notes--unsafe.jsonl", "unsafe", "r1")])
        .collect();
    let run = w.run("run-a", &files);
    let first = w.promote(&run);
    assert_eq!(first.created.len(), 2);
    let before = w.files();
    let second = w.promote(&run);
    assert!(second.created.is_empty() && second.sightings.is_empty() && second.passed.is_empty(), "{second:?}");
    assert_eq!(w.files(), before, "the store's files are byte-identical");
}

#[test]
fn open_then_fixed_after_n_revisions_then_reopened_then_retired() {
    let w = workspace();
    fs_err::create_dir_all(&w.store).unwrap();
    fs_err::write(w.store.join("store.toml"), "fixed_after = 2\n").unwrap();
    let bad = w.trajectory("fix-login-redirect--tampered.jsonl", "bad", "r1");
    w.promote(&w.run("run-1", &[bad]));
    let id = Store::open(&w.store).unwrap().entries[0].id.clone();

    let good = |rev: &str| w.trajectory("fix-login-redirect--good.jsonl", &format!("good-{rev}"), rev);
    w.promote(&w.run("run-2", &[good("r2")]));
    let store = Store::open(&w.store).unwrap();
    assert_eq!(store.get(&id).unwrap().state, State::Open, "one passing revision is not enough");
    // The same revision passing again does not count twice.
    w.promote(&w.run("run-2b", &[good("r2")]));
    assert_eq!(Store::open(&w.store).unwrap().get(&id).unwrap().passing_revisions, ["acme-coder@r2"]);
    let r = w.promote(&w.run("run-3", &[good("r3")]));
    assert_eq!(r.fixed, std::slice::from_ref(&id));
    assert_eq!(Store::open(&w.store).unwrap().get(&id).unwrap().state, State::Fixed);

    // It fails again: re-opened, and the gate's view says it was fixed before this run.
    let relapse = w.trajectory("fix-login-redirect--tampered.jsonl", "relapse", "r4");
    let run4 = w.run("run-4", &[relapse]);
    let store = Store::open(&w.store).unwrap();
    assert_eq!(store.outcomes(&run4), [(id.clone(), Some(true))]);
    let r = w.promote(&run4);
    assert_eq!(r.reopened, std::slice::from_ref(&id));
    let store = Store::open(&w.store).unwrap();
    let e = store.get(&id).unwrap();
    assert_eq!(e.state, State::Open);
    assert_eq!(e.state_before("run-4"), Some(State::Fixed));
    assert!(e.passing_revisions.is_empty());
    let kinds: Vec<String> =
        e.history.iter().map(|h| serde_json::to_value(h.event).unwrap().as_str().unwrap().to_owned()).collect();
    assert_eq!(kinds, ["opened", "passed", "passed", "fixed", "reopened"]);

    let e = retire(&w.store, &id, "the feature was removed", "2026-11-26T00:00:00Z").unwrap();
    assert_eq!(e.state, State::Retired);
    // A retired entry observes nothing more.
    let r = w.promote(&w.run("run-5", &[w.trajectory("fix-login-redirect--tampered.jsonl", "late", "r5")]));
    assert!(r.reopened.is_empty() && r.sightings.is_empty(), "{r:?}");
}

#[test]
fn verify_catches_a_rubric_change_that_would_let_a_known_failure_through() {
    let w = workspace();
    let bad = w.trajectory("fix-login-redirect--tampered.jsonl", "bad", "r1");
    w.promote(&w.run("run-1", &[bad]));
    let results = verify(&Store::open(&w.store).unwrap(), &w.specs());
    assert_eq!(results.len(), 1);
    assert!(results[0].caught, "{:?}", results[0].details);

    // Someone turns the test-integrity criterion into a budget check by mistake.
    let rubric = w.rubrics.join("trajectory-review.toml");
    let text = fs_err::read_to_string(&rubric).unwrap();
    let weakened = text.replace("kind = \"test_integrity\"", "kind = \"budget\"");
    assert_ne!(text, weakened);
    fs_err::write(&rubric, weakened).unwrap();
    let results = verify(&Store::open(&w.store).unwrap(), &w.specs());
    assert!(!results[0].caught);
    assert!(results[0].details.iter().any(|d| d.starts_with("test-integrity:")), "{:?}", results[0].details);

    // A tampered golden file is caught too.
    fs_err::write(&rubric, text).unwrap();
    let id = &Store::open(&w.store).unwrap().entries[0].id.clone();
    let golden = w.store.join(id).join("golden.jsonl");
    let g = fs_err::read_to_string(&golden).unwrap();
    fs_err::write(&golden, g.replace("conftest", "harmless")).unwrap();
    let results = verify(&Store::open(&w.store).unwrap(), &w.specs());
    assert!(!results[0].caught && results[0].details[0].contains("hash"), "{:?}", results[0].details);
}

#[test]
fn a_corrupt_entry_is_named_and_the_rest_still_loads() {
    let w = workspace();
    let files = [
        w.trajectory("fix-login-redirect--tampered.jsonl", "a", "r1"),
        w.trajectory("release-notes--unsafe.jsonl", "b", "r1"),
    ];
    w.promote(&w.run("run-1", &files));
    let store = Store::open(&w.store).unwrap();
    assert_eq!(store.entries.len(), 2);
    let broken = w.store.join(&store.entries[0].id).join("entry.json");
    fs_err::write(&broken, "{\"id\": ").unwrap();
    // An entry whose id points elsewhere is refused, not followed.
    let odd = w.store.join("reg-odd");
    fs_err::create_dir_all(&odd).unwrap();
    let mut e = serde_json::to_value(&store.entries[1]).unwrap();
    e["id"] = "../../etc/x".into();
    fs_err::write(odd.join("entry.json"), e.to_string()).unwrap();

    let store = Store::open(&w.store).unwrap();
    assert_eq!(store.entries.len(), 1);
    assert_eq!(store.problems.len(), 2);
    assert!(store.problems.iter().any(|p| p.path == broken));
    assert!(store.problems.iter().any(|p| p.message.contains("does not match its directory")));
    // Promoting still works beside the corrupt entry.
    let r = w.promote(&w.run("run-2", &[w.trajectory("auth-latency-p95--out-of-scope.jsonl", "c", "r2")]));
    assert_eq!(r.created.len(), 1);
}

#[test]
fn hostile_ids_cannot_leave_the_store() {
    assert_eq!(slug("../../etc/x"), "etc-x");
    assert_eq!(slug("/"), "scenario");
    assert_eq!(slug("..\\..\\Windows\\system32"), "windows-system32");
    assert!(slug(&"a".repeat(500)).len() <= 48);
    let w = workspace();
    // A trajectory naming a hostile scenario: nothing to copy, nothing written.
    let path = w.trajectory("fix-login-redirect--tampered.jsonl", "../../etc/x", "r1");
    let mut run = w.run("run-1", &[path]);
    run.verdicts[0].scenario = Some("../../etc/x".into());
    let r = w.promote(&run);
    assert!(r.created.is_empty());
    assert!(r.skipped[0].contains("../../etc/x"), "{:?}", r.skipped);
    assert!(!w.store.parent().unwrap().join("etc").exists());
    // Retiring a hostile id is an unknown entry, never a path.
    let err = retire(&w.store, "../../etc/x", "", "2026-11-25T00:00:00Z").unwrap_err().to_string();
    assert!(err.contains("no regression"), "{err}");
}

#[test]
fn advisory_failures_only_when_asked_and_criteria_filter() {
    let w = workspace();
    let f = w.trajectory("release-notes--unsafe.jsonl", "u", "r1");
    let run = w.run("run-1", &[f]);
    let opts =
        PromoteOptions { criteria: vec!["approved-tools".into()], min_severity: Severity::Advisory, scenario: None };
    let r = promote(&w.store, &run, &w.specs(), &opts).unwrap();
    assert_eq!(r.created.len(), 1);
    assert_eq!(Store::open(&w.store).unwrap().entries[0].criteria, ["approved-tools"]);
}

/// The message, and each cause's after it; no message repeats its cause's.
fn chain(e: &goalpost_store::StoreError) -> String {
    let mut out = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        assert!(!out.contains(&c.to_string()), "`{out}` repeats its cause `{c}`");
        out = format!("{out}: {c}");
        cause = c.source();
    }
    out
}

#[test]
fn errors_name_the_file_and_line_and_leave_the_cause_to_the_chain() {
    use goalpost_store::StoreError;
    let w = workspace();
    // A run that did not finish: said once, not wrapped in a second path.
    let run = w.trajectories.join("run");
    fs_err::create_dir_all(&run).unwrap();
    let err = RunView::load(&run).unwrap_err();
    assert!(matches!(err, StoreError::RunDir(_)), "{err:?}");
    assert!(chain(&err).starts_with(&format!("{}: the run did not finish", run.display())), "{}", chain(&err));
    // A results line that is not a results row: its file and line.
    goalpost_grade::manifest::Manifest::new("run", "2026-11-25T00:00:00Z", Default::default()).write(&run).unwrap();
    fs_err::write(run.join("results.jsonl"), "\n{\"type\": \"verdict\"}\n").unwrap();
    let err = RunView::load(&run).unwrap_err();
    assert!(matches!(err, StoreError::ResultsRow { line: 2, .. }), "{err:?}");
    let text = chain(&err);
    assert!(
        text.starts_with(&format!("{}:2: not a goalpost results row: ", run.join("results.jsonl").display())),
        "{text}"
    );
    // A store configuration that does not parse.
    fs_err::create_dir_all(&w.store).unwrap();
    fs_err::write(w.store.join(goalpost_spec::STORE_CONFIG), "fixed_after = \"soon\"\n").unwrap();
    let err = Store::open(&w.store).unwrap_err();
    assert!(matches!(err, StoreError::Config { .. }), "{err:?}");
    assert!(chain(&err).contains("not a valid store configuration: "), "{}", chain(&err));
    assert!(chain(&err).contains("fixed_after"), "{}", chain(&err));
}
