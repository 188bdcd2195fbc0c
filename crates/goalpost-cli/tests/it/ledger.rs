//! The reviewers' ledger, round trip: list what awaits a decision, decide, and every later
//! run, report, gate, compare and promote applies the decision and says who made it and why;
//! a changed trajectory asks again.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{root, rows, text};

fn goalpost(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_goalpost")).args(args).current_dir(root()).output().unwrap()
}

/// The bundled good example with a call to a tool the catalog has never seen (a review item),
/// and the bundled tampered one (failures).
fn inputs(dir: &Path, tool: &str) {
    let good = fs_err::read_to_string(root().join("examples/trajectories/fix-login-redirect--good.jsonl")).unwrap();
    let mut out = String::new();
    for line in good.lines() {
        if line.contains("\"type\": \"final\"") {
            let call = serde_json::json!({"type": "tool_call", "tool": tool, "arguments": {"x": 1}});
            out.push_str(&format!("{call}\n"));
        }
        out.push_str(line);
        out.push('\n');
    }
    fs_err::write(dir.join("unknown-tool.jsonl"), out).unwrap();
    fs_err::copy(root().join("examples/trajectories/fix-login-redirect--tampered.jsonl"), dir.join("tampered.jsonl"))
        .unwrap();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The items `goalpost review --json` lists.
fn items(runs: &Path, ledger: &Path, failures: bool) -> Vec<serde_json::Value> {
    let mut args = vec!["review", "--json", "--runs", s(runs), "--ledger", s(ledger)];
    if failures {
        args.push("--failures");
    }
    let o = goalpost(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn a_decision_is_recorded_applied_everywhere_and_lapses_when_the_trajectory_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let (trajs, runs, ledger) =
        (tmp.path().join("trajs"), tmp.path().join("runs"), tmp.path().join("reviews/ledger.jsonl"));
    fs_err::create_dir_all(&trajs).unwrap();
    inputs(&trajs, "frobnicate");
    let r1 = runs.join("r1");
    let o = goalpost(&["run", "-q", "--trajectories", s(&trajs), "--out", s(&r1), "--ledger", s(&ledger)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));

    // What awaits a decision: the unknown tool; the failures only when asked (decided items
    // are listed as such).
    let open = items(&runs, &ledger, false);
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!((&open[0]["criterion"], &open[0]["status"]), (&"approved-tools".into(), &"review".into()));
    let review_item = open[0]["item"].as_str().unwrap().to_owned();
    let with_failures = items(&runs, &ledger, true);
    let scope = with_failures
        .iter()
        .find(|i| i["criterion"] == "scope" && i["trajectory"] == "fix-login-redirect/r43/tampered")
        .unwrap_or_else(|| panic!("{with_failures:#?}"));
    let scope_item = scope["item"].as_str().unwrap().to_owned();

    // Decisions need a name and a reason, and an item that exists.
    let o = goalpost(&[
        "review",
        "reject",
        &review_item,
        "--by",
        " ",
        "--why",
        "x",
        "--runs",
        s(&runs),
        "--ledger",
        s(&ledger),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
    let o = goalpost(&[
        "review",
        "accept",
        "00000000:scope",
        "--by",
        "a",
        "--why",
        "b",
        "--runs",
        s(&runs),
        "--ledger",
        s(&ledger),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!ledger.exists(), "nothing recorded by a refused decision");

    let o = goalpost(&[
        "review",
        "reject",
        &review_item,
        "--by",
        "alice",
        "--why",
        "frobnicate writes to the production queue",
        "--runs",
        s(&runs),
        "--ledger",
        s(&ledger),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("promoted like any failure"), "{}", text(&o.stdout));
    let o = goalpost(&[
        "review",
        "accept",
        "fix-login-redirect/r43/tampered:scope",
        "--by",
        "bob",
        "--why",
        "the ticket asked for the session store",
        "--runs",
        s(&runs),
        "--ledger",
        s(&ledger),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let lines = fs_err::read_to_string(&ledger).unwrap();
    assert_eq!(lines.lines().count(), 2, "one plain line per decision:\n{lines}");
    let open = items(&runs, &ledger, false);
    assert!(open.iter().all(|i| i.get("decided").is_some()), "nothing left open: {open:#?}");
    let decided = items(&runs, &ledger, true);
    assert!(decided.iter().any(|i| i["item"] == scope_item.as_str() && i["decided"].as_str().unwrap().contains("bob")));

    // The report on the run graded before the decisions applies them.
    let o = goalpost(&["report", s(&r1), "--ledger", s(&ledger)]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rep: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(r1.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        (rep["overall"]["failed"].as_u64(), rep["overall"]["review"].as_u64()),
        (Some(2), Some(0)),
        "{:#}",
        rep["overall"]
    );
    assert_eq!(rep["overall"]["decided"], 2);
    let decisions = rep["decisions"].as_array().unwrap();
    assert!(decisions.iter().any(|d| d["by"] == "alice" && d["why"] == "frobnicate writes to the production queue"));
    // The rejected item's trajectory now fails, and its review page says who decided and why.
    let page = rep["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["file"].as_str().unwrap().ends_with("unknown-tool.jsonl"))
        .unwrap_or_else(|| panic!("{:#}", rep["reviews"]))["page"]
        .as_str()
        .unwrap()
        .to_owned();
    let html = fs_err::read_to_string(r1.join(page)).unwrap();
    assert!(
        html.contains("Decided: <strong>reject</strong> by alice")
            && html.contains("frobnicate writes to the production queue"),
        "{html}"
    );
    // Once the run has a report, each item names its page.
    let listed = items(&r1, &ledger, true);
    assert!(listed.iter().all(|i| i["page"].as_str().is_some_and(|p| p.ends_with(".html"))), "{listed:#?}");
    let md = fs_err::read_to_string(r1.join("summary.md")).unwrap();
    assert!(md.contains("## Reviewers' decisions") && md.contains("accept (overturned)"), "{md}");

    // The gate: the review item is decided, and the gate says by whom.
    let policy = tmp.path().join("gate.toml");
    fs_err::write(&policy, "[review]\nmax_open = 0\n").unwrap();
    let g = goalpost(&[
        "gate",
        s(&r1),
        "--policy",
        s(&policy),
        "--ledger",
        s(&ledger),
        "--store",
        s(&tmp.path().join("store")),
    ]);
    let out = text(&g.stdout);
    assert_eq!(g.status.code(), Some(0), "{out}{}", text(&g.stderr));
    assert!(out.contains("reviewers' decisions included (2)") && out.contains("alice"), "{out}");
    let g = goalpost(&[
        "gate",
        s(&r1),
        "--policy",
        s(&policy),
        "--store",
        s(&tmp.path().join("store")),
        "--ledger",
        s(&tmp.path().join("none.jsonl")),
    ]);
    assert_eq!(g.status.code(), Some(1), "without the ledger the item is open: {}", text(&g.stdout));

    // A later run applies them, counts the overturned failure, and records the ledger.
    let r2 = runs.join("r2");
    let o = goalpost(&["run", "--trajectories", s(&trajs), "--out", s(&r2), "--ledger", s(&ledger)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("2 criteria decided by a reviewer (1 failed criteria overturned)"),
        "{}",
        text(&o.stdout)
    );
    let r = rows(&r2.join("results.jsonl"));
    let tool = r.iter().find(|v| v["file"].as_str().unwrap().ends_with("unknown-tool.jsonl")).unwrap();
    assert_eq!(tool["outcome"], "fail", "a rejected review item is a failure");
    let c = tool["criteria"].as_array().unwrap().iter().find(|c| c["id"] == "approved-tools").unwrap();
    assert_eq!(
        (&c["status"], &c["decision"]["was"], &c["decision"]["by"]),
        (&"fail".into(), &"review".into(), &"alice".into())
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(r2.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["ledger"]["blake3"].as_str().map(str::len), Some(64));

    // Compare counts what reviewers decided on each side.
    let c = goalpost(&["compare", s(&r1), s(&r2), "--format", "json", "--ledger", s(&ledger)]);
    assert!(c.status.success(), "{}", text(&c.stderr));
    let cmp: serde_json::Value = serde_json::from_str(&text(&c.stdout)).unwrap();
    assert_eq!((cmp["candidate"]["decided"].as_u64(), cmp["candidate"]["overturned"].as_u64()), (Some(2), Some(0)));

    // Promote: the rejected review item is promoted like any failure.
    let store = tmp.path().join("store");
    let p = goalpost(&["promote", s(&r2), "--store", s(&store), "--ledger", s(&ledger)]);
    assert!(p.status.success(), "{}", text(&p.stderr));
    let entries: Vec<String> = fs_err::read_dir(&store)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("reg-"))
        .collect();
    let pinned: Vec<String> =
        entries.iter().filter_map(|e| fs_err::read_to_string(store.join(e).join("entry.json")).ok()).collect();
    assert!(pinned.iter().any(|t| t.contains("approved-tools")), "{entries:?} {pinned:?}");

    // A changed trajectory is another trajectory: the decision lapses and the item is open again.
    fs_err::remove_file(trajs.join("unknown-tool.jsonl")).unwrap();
    inputs(&trajs, "frobnicate2");
    let r3 = runs.join("r3");
    let o = goalpost(&["run", "-q", "--trajectories", s(&trajs), "--out", s(&r3), "--ledger", s(&ledger)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let open: Vec<_> = items(&r3, &ledger, false).into_iter().filter(|i| i.get("decided").is_none()).collect();
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_ne!(open[0]["item"].as_str().unwrap(), review_item);
}

/// Copies `rubrics/` into `dir`, with the catalog approving `tool`.
fn rubrics_knowing(dir: &Path, tool: &str) -> PathBuf {
    let out = dir.join("rubrics");
    fs_err::create_dir_all(out.join("catalogs")).unwrap();
    for e in fs_err::read_dir(root().join("rubrics")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            fs_err::copy(&p, out.join(p.file_name().unwrap())).unwrap();
        }
    }
    let mut catalog = fs_err::read_to_string(root().join("rubrics/catalogs/tools.toml")).unwrap();
    catalog.push_str(&format!(
        "\n[[tools]]\nname = \"{tool}\"\nstatus = \"approved\"\nowner = \"test\"\nreviewed = \"2026-12-04\"\nreason = \"reviewed\"\n"
    ));
    fs_err::write(out.join("catalogs/tools.toml"), catalog).unwrap();
    out
}

/// The inputs in `dir/trajs`, graded once into `dir/runs/a`: (trajectories, runs, ledger).
fn graded_once(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let (trajs, runs, ledger) = (dir.join("trajs"), dir.join("runs"), dir.join("ledger.jsonl"));
    fs_err::create_dir_all(&trajs).unwrap();
    inputs(&trajs, "frobnicate");
    let o = goalpost(&["run", "-q", "--trajectories", s(&trajs), "--out", s(&runs.join("a")), "--ledger", s(&ledger)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    (trajs, runs, ledger)
}

#[test]
fn a_later_run_that_no_longer_asks_closes_the_item() {
    let tmp = tempfile::tempdir().unwrap();
    let (trajs, runs, ledger) = graded_once(tmp.path());
    assert_eq!(items(&runs, &ledger, false).len(), 1);
    // The catalog now approves the tool: the newest run passes the criterion, and the item
    // the older run raised is no longer open.
    let rubrics = rubrics_knowing(tmp.path(), "frobnicate");
    let o = goalpost(&[
        "run",
        "-q",
        "--trajectories",
        s(&trajs),
        "--out",
        s(&runs.join("b")),
        "--ledger",
        s(&ledger),
        "--rubrics",
        s(&rubrics),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let open = items(&runs, &ledger, false);
    assert!(open.is_empty(), "{open:#?}");
    // Naming no run at all is an error, not an empty list.
    let o = goalpost(&["review", "--runs", s(&tmp.path().join("nowhere")), "--ledger", s(&ledger)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
}

#[test]
fn a_reason_with_a_line_break_or_a_control_character_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, runs, ledger) = graded_once(tmp.path());
    let item = items(&runs, &ledger, false)[0]["item"].as_str().unwrap().to_owned();
    for (by, why) in
        [("mallory", "fine\ngate PASSED: 9 of 9 rule(s) hold"), ("mallory\u{1b}[31m", "fine"), ("m", "ok \u{202e}")]
    {
        let o = goalpost(&[
            "review",
            "accept",
            &item,
            "--by",
            by,
            "--why",
            why,
            "--runs",
            s(&runs),
            "--ledger",
            s(&ledger),
        ]);
        assert_eq!(o.status.code(), Some(2), "{by:?} {why:?}: {}", text(&o.stdout));
        assert!(text(&o.stderr).contains("control or invisible character"), "{}", text(&o.stderr));
        assert!(!text(&o.stderr).contains('\u{1b}'), "the refusal is escaped too");
    }
    assert!(!ledger.exists());
}
