//! A run's results as the store needs them, read from `results.jsonl` and `manifest.json`
//! (no polars here: the store stays quick to build).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::StoreError;

/// One criterion of one graded trajectory.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CriterionLine {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub gating: bool,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub evidence: Vec<u32>,
}

/// One graded trajectory of a run.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct VerdictLine {
    pub trajectory: String,
    #[serde(default)]
    pub scenario: Option<String>,
    pub file: String,
    pub agent: String,
    #[serde(default)]
    pub agent_revision: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub attempt: u32,
    pub outcome: String,
    pub criteria: Vec<CriterionLine>,
    pub content_hash: String,
}

impl VerdictLine {
    /// The revision a pass or a failure is credited to.
    pub fn revision(&self) -> String {
        match &self.agent_revision {
            Some(r) => format!("{}@{r}", self.agent),
            None => self.agent.clone(),
        }
    }

    pub fn criterion(&self, id: &str) -> Option<&CriterionLine> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

/// A run directory's results.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub dir: PathBuf,
    pub run_id: String,
    /// RFC 3339; used as the date of everything the store records from this run.
    pub started_at: String,
    pub verdicts: Vec<VerdictLine>,
}

#[derive(Deserialize)]
struct Manifest {
    run_id: String,
    started_at: String,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line {
    Verdict(Box<VerdictLine>),
    Error(serde::de::IgnoredAny),
}

impl RunView {
    /// Reads `results.jsonl` and `manifest.json` of a run directory.
    pub fn load(dir: &Path) -> Result<RunView, StoreError> {
        let manifest_path = dir.join("manifest.json");
        let text = fs_err::read_to_string(&manifest_path)?;
        let m: Manifest = serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt { path: manifest_path.clone(), message: e.to_string() })?;
        let results = dir.join("results.jsonl");
        let mut verdicts = Vec::new();
        for (i, line) in fs_err::read_to_string(&results)?.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let parsed: Line = serde_json::from_str(line)
                .map_err(|e| StoreError::Corrupt { path: results.clone(), message: format!("line {}: {e}", i + 1) })?;
            if let Line::Verdict(v) = parsed {
                verdicts.push(*v);
            }
        }
        Ok(RunView { dir: dir.to_owned(), run_id: m.run_id, started_at: m.started_at, verdicts })
    }
}
