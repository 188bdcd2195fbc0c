//! `header.workspace`: the directory each format records its agent working in, read from the
//! real samples; a format that records none leaves it `None`.

use crate::common::{fixture, read_all};

fn workspaces(rel: &str) -> Vec<Option<String>> {
    read_all(&fixture(rel)).into_iter().map(|t| t.header.workspace).collect()
}

fn one(rel: &str) -> Option<String> {
    let all = workspaces(rel);
    assert_eq!(all.len(), 1, "{rel}: {all:?}");
    all.into_iter().next().unwrap()
}

#[test]
fn swe_agent_records_its_repository_root() {
    assert_eq!(one("swe-agent/v0/pydicom__pydicom-1458.traj").as_deref(), Some("/pydicom__pydicom"));
    assert_eq!(one("swe-agent/v0/cursors").as_deref(), Some("/marshmallow-code__marshmallow"));
    // A 1.x run on a preexisting repository names it `testbed` in its replay config.
    assert_eq!(one("swe-agent/v1/function_calling").as_deref(), Some("/testbed"));
    // Predictions hold no run: no directory.
    assert!(workspaces("swe-agent/preds/preds.json").iter().all(Option::is_none));
}

#[test]
fn claude_code_records_the_directory_the_session_started_in() {
    assert_eq!(one("claude-code/short.jsonl").as_deref(), Some("/home/marco/projects/spotter"));
    assert_eq!(
        one("claude-code/258c7280-ae70-4798-800f-63464d01a85d.jsonl").as_deref(),
        Some("/home/USER/projects/spotter-worktrees/spotter-gqc")
    );
}

#[test]
fn codex_records_the_session_cwd() {
    assert_eq!(
        one("codex/real_session-01_codex-0.135.0.jsonl").as_deref(),
        Some("/tmp/agent-history-real-agent/codex/workspace")
    );
    assert_eq!(one("codex/hand_codex-0.120.0.jsonl").as_deref(), Some("/srv/webapp"));
    // The legacy bare form records no directory.
    assert_eq!(one("codex/hand_codex-legacy-bare.jsonl"), None);
}

#[test]
fn openhands_works_in_its_workspace_mount() {
    for w in workspaces("openhands/eval/multi_swe_bench_output.jsonl")
        .into_iter()
        .chain(workspaces("openhands/events/basic.json"))
        .chain(workspaces("openhands/resolver/output.jsonl"))
    {
        assert_eq!(w.as_deref(), Some("/workspace"));
    }
}

#[test]
fn mini_swe_agent_records_its_environment_cwd_and_inspect_none() {
    assert_eq!(one("swebench/mini-1.1/trajs/astropy__astropy-12907.traj.json").as_deref(), Some("/testbed"));
    assert!(workspaces("inspect/current-bash.json").iter().all(Option::is_none));
}
