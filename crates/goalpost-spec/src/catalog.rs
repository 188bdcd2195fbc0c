use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Approved and denied tools and plugins, each with an owner.
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolStatus {
    Approved,
    Denied,
}
