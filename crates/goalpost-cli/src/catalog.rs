//! `goalpost catalog pending`: the tools a run met that the catalog does not decide, printed as
//! catalog entries to review and paste. Names come from trajectories (an agent wrote them):
//! they are written as TOML strings (escaped by the serializer), and as globs that match only
//! themselves, so an entry for a tool named `*` can never approve every tool.

use std::path::PathBuf;

use anyhow::Result;

use crate::exit::Exit;
use crate::render;
use crate::reports::newest_run;

pub(crate) fn pending(run: Option<PathBuf>) -> Result<Exit> {
    let run = match run {
        Some(r) => r,
        None => newest_run()?,
    };
    let m = goalpost_grade::manifest::Manifest::load(&run)?;
    if m.unlisted_tools.is_empty() {
        let known = m.catalogs.is_empty() && m.prices.is_none();
        render::hint(&if known {
            format!("run {}: written before runs listed the tools the catalog does not decide: run it again", m.run_id)
        } else {
            format!("run {}: every tool it met is approved or denied by the catalog", m.run_id)
        });
        return Ok(Exit::Success);
    }
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let catalogs: Vec<String> = m
        .catalogs
        .iter()
        .map(|c| c.path.clone())
        .filter(|p| !p.starts_with(goalpost_spec::builtin::BUILTIN_ROOT))
        .collect();
    let into = if catalogs.is_empty() {
        "your project's catalog (this run used the one built into goalpost: `goalpost init` makes a project with its own)".to_owned()
    } else {
        render::clean(&catalogs.join(", "), 400)
    };
    let mut out = format!(
        "# {} tool(s) run {} met that the catalog does not decide. Review each: set `status` (approved or\n# denied), `owner`, `reason` and, for a plugin's tool, `effect`; then paste into {into}.\n",
        m.unlisted_tools.len(),
        render::clean(&m.run_id, 100),
    );
    for u in &m.unlisted_tools {
        // A name no catalog entry can hold (blank): said, not written as an entry that would
        // stop the catalog loading.
        if u.tool.trim().is_empty() || u.plugin.as_deref().is_some_and(|p| p.trim().is_empty()) {
            out.push_str(&format!("\n# a tool with a blank name ({} call(s)): no entry can name it\n", u.calls));
            continue;
        }
        out.push_str("\n[[tools]]\n");
        out.push_str(&format!("name = {}\n", toml_str(&literal_glob(&u.tool))));
        if let Some(p) = &u.plugin {
            out.push_str(&format!("plugin = {}\n", toml_str(&literal_glob(p))));
        }
        out.push_str("status = \"pending_review\"\nowner = \"unassigned\"\n");
        out.push_str(&format!("reviewed = {}\n", toml_str(&today)));
        let reason = format!(
            "met by run {}: {} call(s) in {} trajectory(ies), first in `{}` ({}) at step {}; decide approved or denied, name its owner and effect",
            m.run_id, u.calls, u.trajectories, u.first_trajectory, u.first_file, u.first_step
        );
        out.push_str(&format!("reason = {}\n", toml_str(&reason)));
    }
    render::line(&out)?;
    Ok(Exit::Success)
}

/// A TOML basic string: quotes, backslashes, control characters and every character that
/// hides or reorders text (bidi overrides, C1 controls) written as escapes, so what a reviewer
/// reads in the terminal and pastes into the catalog is what the entry says.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || goalpost_trajectory::text::is_hidden(c) => {
                if (c as u32) <= 0xFFFF {
                    out.push_str(&format!("\\u{:04X}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08X}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
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
    fn hostile_names_are_toml_strings_with_nothing_hidden() {
        for name in ["a\"b", "back\\slash", "line\nbreak", "\u{202e}reversed", "c1\u{9b}2J", "emoji\u{1f600}", "tab\t"]
        {
            let text = format!("name = {}\n", toml_str(name));
            let parsed: toml::Table = toml::from_str(&text).unwrap();
            assert_eq!(parsed["name"].as_str(), Some(name), "{text}");
            assert!(
                !text.chars().any(|c| c != '\n' && (c.is_control() || goalpost_trajectory::text::is_hidden(c))),
                "{text:?}"
            );
        }
    }

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
