//! goalpost in a user's own repository: `init` in an empty directory, then every command from
//! anywhere inside it, as the installed binary runs there; and with no project at all.

use std::path::Path;
use std::process::{Command, Output};

use super::{root, rows, text};

fn goalpost_in(dir: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_goalpost"));
    // A cache of this test process's own, outside the directory (which may be the repository).
    let cache = std::env::temp_dir().join(format!("goalpost-it-cache-{}", std::process::id()));
    c.args(args).current_dir(dir).env("GOALPOST_CACHE_DIR", cache);
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

    // Failures graded with no scenario: not promoted unless one is named, then promoted as its.
    let plain = goalpost_in(&sub, &["promote"]);
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    assert!(
        text(&plain.stderr).contains("2 failure(s) of trajectories graded with no scenario"),
        "{}",
        text(&plain.stderr)
    );
    let unknown = goalpost_in(&sub, &["promote", "--scenario", "no-such-task"]);
    assert_eq!(unknown.status.code(), Some(2));
    let named = goalpost_in(&sub, &["promote", "--scenario", "example-task"]);
    assert!(named.status.success(), "{}", text(&named.stderr));
    assert!(text(&named.stdout).contains("2 new"), "{}", text(&named.stdout));
    let store: Vec<String> = fs_err::read_dir(repo.join("goalpost/scenarios/regressions"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("reg-"))
        .collect();
    assert_eq!(store.len(), 2, "{store:?}");
    assert!(store.iter().all(|n| n.starts_with("reg-example-task-")), "{store:?}");
    // The other trajectories of the run (graded with no scenario) are not passes of them.
    let list = goalpost_in(&sub, &["regressions", "list", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert!(
        list["entries"].as_array().unwrap().iter().all(|e| e["passing_revisions"] == serde_json::json!([])),
        "{list:#}"
    );
    let lint = goalpost_in(&sub, &["lint"]);
    assert!(lint.status.success(), "{}{}", text(&lint.stdout), text(&lint.stderr));
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

/// A SWE-bench run directory of `ids` from the real fixture run, as agent revision `revision`;
/// the instances in `fixed` with their harness report turned resolved (every test passing).
fn swebench_run(dir: &Path, ids: &[&str], revision: &str, fixed: &[&str]) {
    let src = root().join("fixtures/swebench-run");
    for id in ids {
        let mut traj: serde_json::Value =
            serde_json::from_str(&fs_err::read_to_string(src.join(format!("trajs/{id}.traj.json"))).unwrap()).unwrap();
        traj["info"]["mini_version"] = revision.into();
        fs_err::create_dir_all(dir.join("trajs")).unwrap();
        fs_err::write(dir.join(format!("trajs/{id}.traj.json")), traj.to_string()).unwrap();
        let mut report: serde_json::Value =
            serde_json::from_str(&fs_err::read_to_string(src.join(format!("logs/{id}/report.json"))).unwrap()).unwrap();
        if fixed.contains(id) {
            report["resolved"] = true.into();
            for kind in ["FAIL_TO_PASS", "PASS_TO_PASS"] {
                let t = &mut report["tests_status"][kind];
                let failed = t["failure"].take();
                t["success"].as_array_mut().unwrap().extend(failed.as_array().unwrap().iter().cloned());
                t["failure"] = serde_json::json!([]);
            }
        }
        fs_err::create_dir_all(dir.join(format!("logs/{id}"))).unwrap();
        fs_err::write(dir.join(format!("logs/{id}/report.json")), report.to_string()).unwrap();
    }
}

#[test]
fn swebench_failures_are_promoted_planned_fixed_reopened_and_gated() {
    let repo = tempfile::tempdir().unwrap();
    let repo = repo.path();
    assert!(goalpost_in(repo, &["init"]).status.success());
    // One passing revision fixes an entry here.
    fs_err::create_dir_all(repo.join("goalpost/scenarios/regressions")).unwrap();
    fs_err::write(repo.join("goalpost/scenarios/regressions/store.toml"), "fixed_after = 1\n").unwrap();
    // Two instances the real run left unresolved.
    let (a, b) = ("psf__requests-2317", "django__django-11790");
    let grade = |name: &str, revision: &str, fixed: &[&str]| -> std::path::PathBuf {
        let input = repo.join("runs").join(name);
        swebench_run(&input, &[a, b], revision, fixed);
        let out = repo.join("goalpost/reports").join(name);
        let o = goalpost_in(
            repo,
            &["run", "-q", "--trajectories", input.to_str().unwrap(), "--out", out.to_str().unwrap()],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let p = goalpost_in(repo, &["promote", out.to_str().unwrap()]);
        assert!(p.status.success(), "{}", text(&p.stderr));
        out
    };

    // Night 1: both fail. The scenarios came from the input (no scenario file names them), and
    // each becomes a regression scenario with its provenance and re-run recipe.
    grade("night-1", "1.0.0", &[]);
    let plan = goalpost_in(repo, &["regressions", "plan", "--format", "json"]);
    assert!(plan.status.success(), "{}", text(&plan.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let entries = plan["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{plan:#}");
    let entry_of = |id: &str| entries.iter().find(|e| e["scenario"] == id).unwrap().clone();
    let ea = entry_of(a);
    assert_eq!(ea["state"], "open");
    assert_eq!(ea["rerun"]["repository"], "https://github.com/psf/requests");
    assert!(ea["rerun"]["snapshot"].as_str().unwrap().contains("requests-2317"), "{ea:#}");
    assert!(ea["rerun"]["prompt"].as_str().is_some_and(|p| !p.is_empty()));
    let scenario = fs_err::read_to_string(repo.join(ea["scenario_file"].as_str().unwrap())).unwrap();
    assert!(
        scenario.contains("[provenance.regression]") && scenario.contains("scenario = \"psf__requests-2317\""),
        "{scenario}"
    );
    // The promoted scenarios load like hand-written ones, and their failures are still caught.
    let lint = goalpost_in(repo, &["lint"]);
    assert!(lint.status.success(), "{}{}", text(&lint.stdout), text(&lint.stderr));
    let verify = goalpost_in(repo, &["regressions", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify.stdout));
    assert!(text(&verify.stdout).contains("2 of 2 golden failure(s) still caught"), "{}", text(&verify.stdout));

    // Night 2: a new revision resolves both: fixed.
    grade("night-2", "1.1.0", &[a, b]);
    // Night 3: the next revision keeps A fixed and breaks B again: B is re-opened.
    let night3 = grade("night-3", "1.2.0", &[a]);
    let list = goalpost_in(repo, &["regressions", "list", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let state =
        |id: &str| list["entries"].as_array().unwrap().iter().find(|e| e["scenario"] == id).unwrap()["state"].clone();
    assert_eq!((state(a), state(b)), ("fixed".into(), "open".into()), "{list:#}");
    let history_b = &list["entries"].as_array().unwrap().iter().find(|e| e["scenario"] == b).unwrap()["history"];
    assert!(history_b.as_array().unwrap().iter().any(|h| h["event"] == "reopened"), "{history_b:#}");

    // The project's policy fails a re-opened regression, naming it.
    let gate = goalpost_in(repo, &["gate", night3.to_str().unwrap()]);
    assert_eq!(gate.status.code(), Some(1), "{}{}", text(&gate.stdout), text(&gate.stderr));
    let md = fs_err::read_to_string(night3.join("gate.md")).unwrap();
    assert!(md.contains("❌ | regressions.no_reopened | 1 re-opened"), "{md}");
    let json = fs_err::read_to_string(night3.join("gate.json")).unwrap();
    assert!(json.contains("reg-django-django-11790") && !json.contains("reg-psf-requests-2317"), "{json}");
}

#[test]
fn token_only_transcripts_are_priced_from_the_table_and_marked_estimated() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let fixtures = root().join("fixtures/formats");
    let run = goalpost_in(
        &root(),
        &[
            "run",
            "-q",
            "--no-cache",
            "--trajectories",
            fixtures.join("claude-code").to_str().unwrap(),
            fixtures.join("codex").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(run.status.code().is_some_and(|c| c <= 1), "{}", text(&run.stderr));
    let verdicts: Vec<_> = rows(&out.join("results.jsonl")).into_iter().filter(|r| r["type"] == "verdict").collect();
    // Every Claude Code and Codex session that records tokens: a cost, estimated, and said so by
    // the budget criterion; one that records none: no cost, and the cost budget is not passed.
    let mut priced = 0;
    for v in &verdicts {
        let budget = v["criteria"].as_array().unwrap().iter().find(|c| c["id"] == "budget").unwrap();
        match v["summary"]["tokens"].as_u64() {
            Some(_) => {
                assert!(v["summary"]["cost_usd"].as_f64().is_some_and(|c| c > 0.0), "{v}");
                assert_eq!(v["summary"]["cost_estimated"], true, "{v}");
                assert!(budget["message"].as_str().unwrap().contains("estimated from tokens"), "{budget}");
                priced += 1;
            }
            None => {
                assert!(v["summary"]["cost_usd"].is_null(), "{v}");
                assert_eq!(budget["status"], "unscored", "{budget}");
            }
        }
    }
    assert!(priced >= 6, "{priced} of {}", verdicts.len());
    let csv = fs_err::read_to_string(out.join("results.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = header.iter().position(|c| *c == "cost_estimated").unwrap();
    assert_eq!(csv.lines().skip(1).filter(|l| l.split(',').nth(at) == Some("true")).count(), priced);
    // The gate's cost rules say how many costs were estimated; a trajectory whose cost is not
    // known fails a cost rule (it could be over).
    let policy = dir.path().join("policy.toml");
    fs_err::write(&policy, "[cost]\nmax_total_usd = 1000.0\n").unwrap();
    let gate = goalpost_in(&root(), &["gate", out.to_str().unwrap(), "--policy", policy.to_str().unwrap()]);
    assert_eq!(gate.status.code(), Some(1), "{}", text(&gate.stderr));
    let json = fs_err::read_to_string(out.join("gate.json")).unwrap();
    assert!(json.contains(&format!("{priced} of {priced} cost(s) estimated from tokens")), "{json}");
    assert!(json.contains("1 graded trajectory(ies) with no cost known"), "{json}");
}

#[test]
fn unknown_tools_are_listed_with_where_they_appeared_and_become_catalog_entries() {
    let repo = tempfile::tempdir().unwrap();
    let repo = repo.path();
    assert!(goalpost_in(repo, &["init"]).status.success());
    let fixtures = root().join("fixtures/formats");
    let run = |name: &str| {
        let out = repo.join("goalpost/reports").join(name);
        let o = goalpost_in(
            repo,
            &["run", "-q", "--trajectories", fixtures.to_str().unwrap(), "--out", out.to_str().unwrap()],
        );
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", text(&o.stderr));
        (out, text(&o.stderr))
    };
    let (first, hint) = run("first");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(first.join("manifest.json")).unwrap()).unwrap();
    // The catalog's hash is recorded with the scenarios' and rubrics'.
    let catalog = repo.join("goalpost/rubrics/catalogs/tools.toml");
    let catalogs = manifest["catalogs"].as_array().unwrap();
    assert_eq!(catalogs.len(), 1, "{catalogs:?}");
    assert_eq!(catalogs[0]["blake3"], blake3::hash(&fs_err::read(&catalog).unwrap()).to_hex().as_str());
    let unlisted = manifest["unlisted_tools"].as_array().unwrap();
    assert!(!unlisted.is_empty(), "{manifest:#}");
    for u in unlisted {
        assert!(u["calls"].as_u64().unwrap() >= u["trajectories"].as_u64().unwrap(), "{u}");
        assert!(u["first_step"].as_u64().unwrap() >= 1 && !u["first_trajectory"].as_str().unwrap().is_empty(), "{u}");
    }
    assert!(hint.contains(&format!("{} tool(s) the catalog does not decide", unlisted.len())), "{hint}");

    // Printed as entries ready to paste: they parse as catalog entries, one per tool, pending.
    let pending = goalpost_in(repo, &["catalog", "pending"]);
    assert!(pending.status.success(), "{}", text(&pending.stderr));
    let entries: toml::Table = toml::from_str(&text(&pending.stdout)).unwrap();
    let tools = entries["tools"].as_array().unwrap();
    assert_eq!(tools.len(), unlisted.len());
    assert!(
        tools
            .iter()
            .all(|t| t["status"].as_str() == Some("pending_review") && t["owner"].as_str() == Some("unassigned"))
    );
    // Pasted as they are, the tools are still undecided; approved by their owner, they are not.
    let original = fs_err::read_to_string(&catalog).unwrap();
    fs_err::write(&catalog, format!("{original}\n{}", text(&pending.stdout))).unwrap();
    let (still, _) = run("pasted");
    let m: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(still.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["unlisted_tools"].as_array().unwrap().len(), unlisted.len());
    let approved = text(&pending.stdout)
        .replace("status = \"pending_review\"", "status = \"approved\"")
        .replace("owner = \"unassigned\"", "owner = \"platform-eval\"");
    fs_err::write(&catalog, format!("{original}\n{approved}")).unwrap();
    let (decided, _) = run("decided");
    let m: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(decided.join("manifest.json")).unwrap()).unwrap();
    assert!(m.get("unlisted_tools").is_none(), "{m:#}");
    // An entry with no owner is refused, naming it.
    fs_err::write(&catalog, approved.replace("owner = \"platform-eval\"", "owner = \"\"")).unwrap();
    let lint = goalpost_in(repo, &["lint"]);
    assert_eq!(lint.status.code(), Some(1), "{}", text(&lint.stdout));
    assert!(text(&lint.stderr).contains("has no owner"), "{}", text(&lint.stderr));
}

#[test]
fn a_team_over_its_cost_envelope_fails_the_gate_naming_it_and_its_top_spenders() {
    let dir = tempfile::tempdir().unwrap();
    // The auth scenario is owned by `search`; the rest of the run by `payments` (`--team`).
    let scenarios = dir.path().join("scenarios");
    fs_err::create_dir_all(&scenarios).unwrap();
    for f in fs_err::read_dir(root().join("scenarios/examples")).unwrap().flatten() {
        let mut text = fs_err::read_to_string(f.path()).unwrap();
        if f.file_name() == "auth-latency-p95.toml" {
            text = text.replacen("\ntags = ", "\nteam = \"search\"\ntags = ", 1);
            assert!(text.contains("team = \"search\""), "{text}");
        }
        fs_err::write(scenarios.join(f.file_name()), text).unwrap();
    }
    let out = dir.path().join("run");
    let o = goalpost_in(
        &root(),
        &[
            "run",
            "-q",
            "--scenarios",
            scenarios.to_str().unwrap(),
            "--team",
            "payments",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let verdicts = rows(&out.join("results.jsonl"));
    let team_of = |t: &str| verdicts.iter().find(|v| v["trajectory"] == t).unwrap()["team"].clone();
    assert_eq!(team_of("auth-latency-p95/r42/good"), "search");
    assert_eq!(team_of("fix-login-redirect/r42/good"), "payments");

    // The report shows cost and pass rate per team.
    let report = goalpost_in(&root(), &["report", out.to_str().unwrap()]);
    assert!(report.status.success(), "{}", text(&report.stderr));
    let summary = fs_err::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("## By team"), "{summary}");
    let report_json = fs_err::read_to_string(out.join("report.json")).unwrap();
    let report_json: serde_json::Value = serde_json::from_str(&report_json).unwrap();
    let teams: Vec<&str> =
        report_json["by_team"].as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(teams, ["payments", "search"]);

    // payments: $0.079 + $0.055 + $0.015 + $0.015 = $0.164, over a $0.10 envelope; search: $3.40
    // within $10.
    let policy = dir.path().join("policy.toml");
    fs_err::write(&policy, "[cost.teams]\npayments = 0.10\nsearch = 10.0\n").unwrap();
    let gate = goalpost_in(&root(), &["gate", out.to_str().unwrap(), "--policy", policy.to_str().unwrap()]);
    assert_eq!(gate.status.code(), Some(1), "{}{}", text(&gate.stdout), text(&gate.stderr));
    let g: serde_json::Value = serde_json::from_str(&fs_err::read_to_string(out.join("gate.json")).unwrap()).unwrap();
    let rule = g["rules"].as_array().unwrap().iter().find(|r| r["rule"] == "cost.teams").unwrap();
    assert_eq!(rule["passed"], false);
    let details: Vec<&str> = rule["details"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    assert_eq!(details.len(), 1, "{details:?}");
    assert!(details[0].starts_with("team payments: $0.16 of its $0.10 envelope"), "{details:?}");
    // A misspelt team covers nothing: said, so that it is seen.
    fs_err::write(&policy, "[cost.teams]\npaymnets = 0.10\nsearch = 10.0\n").unwrap();
    let gate = goalpost_in(&root(), &["gate", out.to_str().unwrap(), "--policy", policy.to_str().unwrap()]);
    assert_eq!(gate.status.code(), Some(0), "{}", text(&gate.stderr));
    let json = fs_err::read_to_string(out.join("gate.json")).unwrap();
    assert!(json.contains("team paymnets: no trajectory of this run names it"), "{json}");
    assert!(json.contains("teams in this run with no envelope: payments"), "{json}");
    assert!(details[0].contains("top spenders: fix-login-redirect/r42/good $0.08"), "{details:?}");
}

#[test]
fn a_run_started_in_a_subdirectory_is_promoted_from_anywhere_with_its_golden_copy() {
    let repo = tempfile::tempdir().unwrap();
    let repo = repo.path();
    assert!(goalpost_in(repo, &["init"]).status.success());
    let traj = repo.join("traj");
    fs_err::create_dir_all(&traj).unwrap();
    for f in fs_err::read_dir(root().join("examples/trajectories")).unwrap().flatten() {
        fs_err::copy(f.path(), traj.join(f.file_name())).unwrap();
    }
    let sub = repo.join("sub/deep");
    fs_err::create_dir_all(&sub).unwrap();
    let run = goalpost_in(&sub, &["run", "-q", "--trajectories", "../../traj"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    // From the project's root, where `../../traj` means something else.
    let promote = goalpost_in(repo, &["promote", "--scenario", "example-task"]);
    assert!(promote.status.success(), "{}", text(&promote.stderr));
    let entries: Vec<_> = fs_err::read_dir(repo.join("goalpost/scenarios/regressions"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("reg-"))
        .collect();
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e.path().join("golden.jsonl").is_file()), "the failing trajectories are kept");
    let verify = goalpost_in(repo, &["regressions", "verify"]);
    assert!(verify.status.success(), "{}", text(&verify.stdout));
}
