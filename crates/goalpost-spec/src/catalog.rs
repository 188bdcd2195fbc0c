use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Approved and denied tools and plugins, each with an owner and, optionally, what a call does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolCatalog {
    #[serde(default)]
    pub tools: Vec<ToolEntry>,
    #[serde(skip)]
    pub source: PathBuf,
    /// blake3 of the file's text (for `manifest.json`).
    #[serde(skip)]
    pub content_hash: String,
}

/// One catalog line: a tool (and optionally the plugin or MCP server it belongs to).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolEntry {
    /// Glob over the tool's name.
    pub name: String,
    /// Glob over the plugin or MCP server; absent means "no plugin" only.
    #[serde(default)]
    pub plugin: Option<String>,
    pub status: ToolStatus,
    /// Team or person who answers for this entry (never empty).
    pub owner: String,
    /// The date of the entry's last review (`YYYY-MM-DD`).
    pub reviewed: String,
    #[serde(default)]
    pub reason: String,
    /// What a call of this tool does to the world; absent means not declared (the
    /// `approved_tools` criterion still judges the call, the `side_effects` criterion does not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<ToolEffect>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolStatus {
    Approved,
    Denied,
    /// Known, not yet decided: a call is a review item, as a tool the catalog does not list is.
    PendingReview,
}

impl ToolStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Denied => "denied",
            Self::PendingReview => "pending_review",
        }
    }
}

impl ToolCatalog {
    /// What is wrong with an entry, as (field, message): an empty owner or name, a review date
    /// that is not a date.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, e) in self.tools.iter().enumerate() {
            if e.name.trim().is_empty() {
                out.push((format!("tools[{i}].name"), "an entry names a tool".to_owned()));
            }
            if e.owner.trim().is_empty() {
                out.push((
                    format!("tools[{i}].owner"),
                    format!("`{}` has no owner: every entry has one who answers for it", e.name),
                ));
            }
            if !crate::prices::is_date(&e.reviewed) {
                out.push((format!("tools[{i}].reviewed"), format!("{:?} is not a date (YYYY-MM-DD)", e.reviewed)));
            }
        }
        out
    }
}

/// What a call of a catalogued tool does, as its entry declares. A plugin's or MCP server's
/// call is opaque to the grader (no command or edit shows what it did), so the catalog's word
/// is what the `side_effects` criterion judges it by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolEffect {
    /// Reads only: no side effect.
    ReadOnly,
    /// Writes only inside the sandbox or workspace: no side effect.
    WritesSandbox,
    /// Writes outside the sandbox, in a way the scenario's rollback can reverse (a branch, a
    /// pull request, an issue): a side effect of kind `plugin_write`, judged like any other.
    WritesOutside,
    /// Cannot be taken back (publishes, sends, merges, deletes remote state): a side effect of
    /// kind `plugin_irreversible`, declared irreversible.
    Irreversible,
}

impl ToolEffect {
    /// The side-effect kind a call with this effect makes, if any (what `rollback.allow` names).
    pub fn side_effect_kind(self) -> Option<&'static str> {
        match self {
            Self::ReadOnly | Self::WritesSandbox => None,
            Self::WritesOutside => Some("plugin_write"),
            Self::Irreversible => Some("plugin_irreversible"),
        }
    }

    /// The name as written in a catalog file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "read_only",
            Self::WritesSandbox => "writes_sandbox",
            Self::WritesOutside => "writes_outside",
            Self::Irreversible => "irreversible",
        }
    }
}
