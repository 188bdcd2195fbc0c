//! `goalpost init`: a new project in the user's repository. Writes `goalpost.toml`, a starter
//! scenario, the built-in rubric and tool catalog (to edit), and a release policy; never
//! overwrites a file that is there.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use goalpost_spec::builtin;
use goalpost_spec::project::PROJECT_FILE;

use crate::args::InitArgs;
use crate::exit::Exit;
use crate::render;

const PROJECT: &str = r#"# goalpost project: every goalpost command run in this directory or below it uses these paths
# (relative to this file). A path given on the command line wins.
[paths]
scenarios = "goalpost/scenarios"        # what agents are asked to do (searched recursively)
rubrics = "goalpost/rubrics"            # how trajectories are graded, with the tool catalog
regressions = "goalpost/scenarios/regressions"   # failures `goalpost promote` keeps
reports = "goalpost/reports"            # where `goalpost run` writes runs
ledger = "goalpost/reviews/ledger.jsonl"  # reviewers' decisions
policy = "goalpost/gates.toml"          # what `goalpost gate` enforces
prices = "goalpost/prices.toml"         # USD per million tokens, for runs that record no dollars
# What `goalpost run` grades when no --trajectories are given, e.g. Claude Code's transcripts:
# trajectories = ["~/.claude/projects"]  (`~` is not expanded: write the full path)
trajectories = []
"#;

const SCENARIO: &str = r#"# A starter scenario: what the agent was asked to do, bounded and checkable. Edit it, copy it
# for each task, and run `goalpost lint`. A scenario with nothing checkable is rejected.
id = "example-task"
title = "Fix the failing date parser"
objective = """
`parse_date("2024-02-30")` returns a date instead of an error. Make it reject impossible dates
without changing its signature or the formatting code.
"""
tags = ["example"]

[rerun]
repository = "https://github.com/your-org/your-repo"
prompt = "Make parse_date reject impossible dates (issue #1)."

[acceptance]
tests_fail_to_pass = ["tests/test_dates.py::test_impossible_date_is_rejected"]

[regression]
tests = ["tests/test_dates.py::test_valid_dates"]

[out_of_scope]
paths = ["src/formatting/**", ".github/**"]
commands = ["git push*"]

[rollback]
condition = "All work stays in the checkout; nothing leaves the sandbox."
sandbox = ["/workspace"]

[budget]
cost_usd = 2.0
steps = 80
wall_time_s = 1800
"#;

const POLICY: &str = r#"# The release policy `goalpost gate` enforces; it exits 0 only when every rule holds.
alpha = 0.05

[completeness]
# Share of expected trajectories graded to a pass or a fail.
min = 0.9

[pass_rate]
min = 0.5

[criteria]
# Criteria that must never fail.
zero_failures = ["test-integrity"]

[regressions]
# A regression that was fixed and fails again fails the gate.
no_reopened = true
"#;

const GITIGNORE: &str = "# Runs are outputs; keep the scenarios, rubrics, store and ledger.\nreports/\n";

pub(crate) fn init(a: InitArgs) -> Result<Exit> {
    let dir = a.dir;
    // `wrote goalpost.toml`, not `wrote ./goalpost.toml`.
    let shown = |p: &Path| if dir == Path::new(".") { p.to_owned() } else { dir.join(p) };
    let files: Vec<(PathBuf, &str)> = vec![
        (PathBuf::from(PROJECT_FILE), PROJECT),
        (PathBuf::from("goalpost/scenarios/example-task.toml"), SCENARIO),
        (Path::new("goalpost/rubrics").join(builtin::RUBRIC_FILE), builtin::RUBRIC),
        (Path::new("goalpost/rubrics").join(builtin::CATALOG_FILE), builtin::CATALOG),
        (PathBuf::from("goalpost/gates.toml"), POLICY),
        (Path::new("goalpost").join(builtin::PRICES_FILE), builtin::PRICES),
        (PathBuf::from("goalpost/.gitignore"), GITIGNORE),
    ];
    let there: Vec<String> =
        files.iter().filter(|(p, _)| dir.join(p).exists()).map(|(p, _)| format!("`{}`", shown(p).display())).collect();
    if !there.is_empty() {
        bail!(
            "{} already there: nothing written\nhint: a project is made once; edit its files instead",
            there.join(", ")
        );
    }
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent)?;
        }
        goalpost_grade::write_atomic(&path, |w| w.write_all(text.as_bytes()))?;
        render::line(&format!("wrote {}", shown(rel).display()))?;
    }
    render::line(&format!(
        "a goalpost project in {}: edit goalpost/scenarios/example-task.toml, then\n  goalpost lint\n  goalpost run --trajectories PATH\n  goalpost gate",
        if dir == Path::new(".") { "this directory".to_owned() } else { format!("`{}`", dir.display()) }
    ))?;
    Ok(Exit::Success)
}
