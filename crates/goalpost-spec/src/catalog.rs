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
    /// Team or person who answers for this entry.
    pub owner: String,
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
