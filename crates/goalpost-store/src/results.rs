//! A run's results as the store needs them, read from `results.jsonl` and `manifest.json`
//! (no polars here: the store stays quick to build).

use std::path::{Path, PathBuf};

use goalpost_grade::ResultRow;

use crate::StoreError;

/// One criterion of one graded trajectory.
pub use goalpost_grade::CriterionResult as CriterionLine;
/// One graded trajectory of a run: the results row `goalpost-grade` writes, read back typed.
pub use goalpost_grade::Verdict as VerdictLine;

/// A run directory's results.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub dir: PathBuf,
    pub run_id: String,
    /// RFC 3339; used as the date of everything the store records from this run.
    pub started_at: String,
    pub verdicts: Vec<VerdictLine>,
    /// The working directory the run's paths are relative to, when its manifest says.
    pub cwd: Option<PathBuf>,
}

impl RunView {
    /// Reads `results.jsonl` and `manifest.json` of a run directory.
    pub fn load(dir: &Path) -> Result<RunView, StoreError> {
        // A run without a whole manifest did not finish: never promote part of a run.
        let m = goalpost_grade::manifest::Manifest::load(dir)?;
        let results = dir.join("results.jsonl");
        let mut verdicts = Vec::new();
        for (i, line) in fs_err::read_to_string(&results)?.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let parsed: ResultRow = serde_json::from_str(line).map_err(|e| StoreError::ResultsRow {
                path: results.clone(),
                line: i + 1,
                source: e,
            })?;
            if let ResultRow::Verdict(v) = parsed {
                verdicts.push(*v);
            }
        }
        Ok(RunView {
            dir: dir.to_owned(),
            run_id: m.run_id,
            started_at: m.started_at,
            verdicts,
            cwd: m.cwd.map(PathBuf::from),
        })
    }
}
