//! `goalpost catalog pending`: the tools a run met that the catalog does not decide, printed as
//! catalog entries to review and paste. Names come from trajectories (an agent wrote them):
//! they are written as TOML strings (escaped by the serializer), and as globs that match only
//! themselves, so an entry for a tool named `*` can never approve every tool.

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use crate::exit::Exit;
use crate::render;
use crate::reports::newest_run;

#[derive(Serialize)]
struct Entry {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin: Option<String>,
    status: &'static str,
    owner: &'static str,
    reviewed: String,
    reason: String,
}

#[derive(Serialize)]
struct Doc {
    tools: Vec<Entry>,
}

pub(crate) fn pending(run: Option<PathBuf>) -> Result<Exit> {
    let run = match run {
        Some(r) => r,
        None => newest_run()?,
    };
    let m = goalpost_grade::manifest::Manifest::load(&run)?;
    if m.unlisted_tools.is_empty() {
        render::hint(&format!("run {}: every tool it met is approved or denied by the catalog", m.run_id));
        return Ok(Exit::Success);
    }
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let tools = m
        .unlisted_tools
        .iter()
        .map(|u| Entry {
            name: literal_glob(&u.tool),
            plugin: u.plugin.as_deref().map(literal_glob),
            status: "pending_review",
            owner: "unassigned",
            reviewed: today.clone(),
            reason: format!(
                "met by run {}: {} call(s) in {} trajectory(ies), first in `{}` ({}) at step {}; decide approved or denied, name its owner and effect",
                m.run_id, u.calls, u.trajectories, u.first_trajectory, u.first_file, u.first_step
            ),
        })
        .collect();
    let catalogs: Vec<String> = m.catalogs.iter().map(|c| c.path.clone()).collect();
    let header = format!(
        "# {} tool(s) run {} met that the catalog does not decide. Review each: set `status` (approved or\n# denied), `owner`, `reason` and, for a plugin's tool, `effect`; then paste into {}.\n",
        m.unlisted_tools.len(),
        render::clean(&m.run_id, 100),
        if catalogs.is_empty() { "the catalog".to_owned() } else { render::clean(&catalogs.join(", "), 400) }
    );
    let body = toml::to_string(&Doc { tools })?;
    render::line(&format!("{header}\n{body}"))?;
    Ok(Exit::Success)
}

/// A glob that matches exactly `name`: every glob metacharacter in a class of its own.
fn literal_glob(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '*' | '?' | '[' | '{' | '}' | ',' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            // Outside a class `]` and `!` are plain. A backslash escapes on some platforms and not
            // others: in a class with an escaped backslash it is a backslash on all of them.
            '\\' => out.push_str("[\\\\]"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_name_becomes_a_glob_that_matches_only_itself() {
        for name in ["*", "mcp__gh__*", "a?b", "{x,y}", "[ab]", "back\\slash", "a,b", "!neg", "plain_tool"] {
            let glob = globset::GlobBuilder::new(&literal_glob(name)).build().unwrap().compile_matcher();
            assert!(glob.is_match(name), "{name}");
            for other in ["", "x", "mcp__gh__create_issue", "ab", "x,y", "a", "plain_tool2"] {
                if other != name {
                    assert!(!glob.is_match(other), "{name} matched {other}");
                }
            }
        }
    }
}
