//! What a run records about itself: `run.json` when it starts (enough to resume it) and
//! `manifest.json` when it ends (the types are `goalpost_grade::manifest`'s, shared with every
//! reader of a run directory).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use goalpost_grade::Totals;
use goalpost_grade::manifest::{FileHash, InputEntry, Manifest, SkippedEntry};
use goalpost_spec::SpecSet;
use goalpost_trajectory::{Input, InputKind};
use serde::{Deserialize, Serialize};

/// Every input with its content hash, in input order (`hashes` may remember the hash of a
/// file whose stamp did not change).
pub(crate) fn inputs(inputs: &[Input], hashes: &goalpost_grade::cache::FileHashes) -> Vec<InputEntry> {
    use rayon::prelude::*;
    inputs
        .par_iter()
        .map(|i| {
            let (bytes, blake3) = hashes.hash(&i.path);
            let format = i.kind.format_name().to_owned();
            let companion = |p: &PathBuf| FileHash { path: p.display().to_string(), blake3: hashes.hash(p).1 };
            let (report, test_output) = match &i.kind {
                InputKind::MiniSweAgent { report, test_output } => {
                    (report.as_ref().map(companion), test_output.as_ref().map(companion))
                }
                _ => (None, None),
            };
            InputEntry { path: i.path.display().to_string(), format, bytes, blake3, report, test_output, index: None }
        })
        .collect()
}

/// `20261125T031500Z-1a2b3c4d`: the start time, then a hash of the inputs and of the exact
/// start and process, so that two runs of the same inputs in the same second differ.
pub(crate) fn run_id(started: jiff::Timestamp, inputs: &[InputEntry]) -> String {
    let mut h = blake3::Hasher::new();
    h.update(&started.as_nanosecond().to_le_bytes());
    h.update(&std::process::id().to_le_bytes());
    for i in inputs {
        h.update(i.path.as_bytes());
        h.update(i.blake3.as_bytes());
    }
    format!("{}-{}", started.strftime("%Y%m%dT%H%M%SZ"), &h.finalize().to_hex()[..8])
}

/// `run.json`: how a run started, written (atomically) before anything is graded, so that
/// `run --resume` can finish it with the same inputs, specs, run id and start time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunStart {
    pub(crate) goalpost_version: String,
    pub(crate) run_id: String,
    /// RFC 3339, to the nanosecond.
    pub(crate) started_at: String,
    /// The working directory the paths below are relative to.
    pub(crate) cwd: PathBuf,
    pub(crate) trajectories: Vec<PathBuf>,
    pub(crate) scenario: Option<String>,
    /// `None`: no scenarios (no project).
    #[serde(default)]
    pub(crate) scenarios: Option<PathBuf>,
    /// `None`: the built-in rubric and catalog.
    #[serde(default)]
    pub(crate) rubrics: Option<PathBuf>,
    /// `None`: the built-in price table.
    #[serde(default)]
    pub(crate) prices: Option<PathBuf>,
    /// `run --team`.
    #[serde(default)]
    pub(crate) team: Option<String>,
    /// `run --shard K/N`, resolved (an index from the environment is recorded as its value).
    #[serde(default)]
    pub(crate) shard: Option<goalpost_grade::manifest::ShardEntry>,
    /// blake3 over the loaded scenarios, rubrics and catalogs: a resumed run must grade by the
    /// same plan.
    pub(crate) specs_hash: String,
}

impl RunStart {
    /// Writes `run.json`. Paths that are not UTF-8 cannot be recorded faithfully: then the run
    /// goes on without it (and cannot be resumed), and the caller says so.
    pub(crate) fn write(&self, dir: &Path) -> Result<bool> {
        let path = dir.join("run.json");
        let Ok(text) = serde_json::to_string_pretty(self) else { return Ok(false) };
        goalpost_grade::write_atomic(&path, |w| {
            w.write_all(text.as_bytes())?;
            w.write_all(b"\n")
        })
        .with_context(|| format!("writing {}", path.display()))?;
        Ok(true)
    }

    pub(crate) fn started(&self) -> Result<jiff::Timestamp> {
        self.started_at.parse().with_context(|| format!("run.json: `started_at` {:?} is not a time", self.started_at))
    }

    pub(crate) fn load(dir: &Path) -> Result<RunStart> {
        let path = dir.join("run.json");
        let text = fs_err::read_to_string(&path).with_context(|| {
            format!("`{}` is not a run that can be resumed (no run.json: it never started grading)", dir.display())
        })?;
        serde_json::from_str(&text).with_context(|| format!("{}: unreadable", path.display()))
    }
}

pub(crate) struct Finished<'a> {
    pub(crate) start: &'a RunStart,
    pub(crate) specs: &'a SpecSet,
    pub(crate) inputs: Vec<InputEntry>,
    pub(crate) skipped: Vec<SkippedEntry>,
    pub(crate) totals: &'a Totals,
    pub(crate) reused: Option<u32>,
    pub(crate) cached: Option<u32>,
    pub(crate) ledger: &'a goalpost_grade::ledger::Ledger,
    pub(crate) unlisted: Vec<goalpost_grade::manifest::RunUnlistedTool>,
    pub(crate) shard: Option<goalpost_grade::manifest::ShardEntry>,
}

/// Writes `manifest.json` atomically; it is the last file a run writes.
pub(crate) fn write(dir: &Path, f: Finished<'_>) -> Result<()> {
    let mut m = Manifest::new(&f.start.run_id, &f.start.started_at, f.totals.clone());
    m.record_specs(f.specs);
    m.trajectories = f.start.trajectories.iter().map(|p| p.display().to_string()).collect();
    m.inputs = f.inputs;
    m.skipped = f.skipped;
    m.unlisted_tools = f.unlisted;
    m.shard = f.shard;
    m.cwd = Some(f.start.cwd.display().to_string());
    m.resumed = f.reused;
    m.cached = f.cached;
    m.ledger = f
        .ledger
        .path()
        .zip(f.ledger.hash())
        .map(|(p, h)| goalpost_grade::manifest::FileHash { path: p.display().to_string(), blake3: h.to_owned() });
    m.write(dir).with_context(|| format!("writing {}", dir.join("manifest.json").display()))
}
