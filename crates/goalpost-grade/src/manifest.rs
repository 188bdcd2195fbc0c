//! `manifest.json`: what a run read (every input with its content hash), with which specs and
//! versions, and its totals. It is written last, atomically, so its presence says the run
//! finished; every reader of a run directory goes through [`Manifest::load`], which refuses a
//! missing or truncated one rather than treat a killed run as a finished one.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use goalpost_spec::SpecSet;
use serde::{Deserialize, Serialize};

use crate::Totals;
use crate::output::write_atomic;

/// The name of results files' format, and its version: `results.jsonl`'s rows, and the
/// columns of `results.csv` and `results.parquet`. The major version changes when a reader of
/// the old layout would misread the new one.
pub const RESULTS_FORMAT: &str = "goalpost-results/1.2";

/// One input file of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputEntry {
    pub path: String,
    pub format: String,
    pub bytes: u64,
    pub blake3: String,
    /// The SWE-bench report read beside a mini-swe-agent trajectory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<FileHash>,
    /// The SWE-bench test log read beside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_output: Option<FileHash>,
    /// In a shard's run: the input's place among every input the unsharded run would read
    /// (how `goalpost merge` puts the shards' rows back in one order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
}

/// Which shard of a run this is (`run --shard K/N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardEntry {
    pub index: u32,
    pub count: u32,
    /// Inputs the whole (unsharded) run reads.
    pub inputs_total: u64,
}

/// A shard a merged run was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedPart {
    pub shard: u32,
    pub run_id: String,
    pub dir: String,
}

/// A file read with an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHash {
    pub path: String,
    pub blake3: String,
}

/// A file the walk found and deliberately did not grade, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedEntry {
    pub path: String,
    pub reason: String,
}

/// A scenario or rubric in force, by content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecEntry {
    pub id: String,
    pub path: String,
    pub blake3: String,
}

/// A finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub goalpost_version: String,
    /// [`RESULTS_FORMAT`] of the results beside it (absent before 1.1).
    #[serde(default)]
    pub results_format: Option<String>,
    pub trajectory_format: String,
    pub spec_format: String,
    pub run_id: String,
    pub started_at: String,
    pub finished_at: String,
    /// The paths given to `run`.
    pub trajectories: Vec<String>,
    pub inputs: Vec<InputEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedEntry>,
    pub scenarios: Vec<SpecEntry>,
    pub rubrics: Vec<SpecEntry>,
    /// The tool catalogs the rubrics graded with, by content hash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub catalogs: Vec<FileHash>,
    /// The price table costs were estimated with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prices: Option<PricesEntry>,
    /// Tools and plugins the run met that the catalog has not decided (not listed, or pending
    /// review): what its owners must look at, with where each was first called.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unlisted_tools: Vec<RunUnlistedTool>,
    pub totals: Totals,
    /// Set when the run was finished by `run --resume` after an interruption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed: Option<u32>,
    /// Inputs whose rows came from the verdict cache (`None`: the cache was off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached: Option<u32>,
    /// The reviewers' ledger the run applied, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<FileHash>,
    /// The working directory the run's paths (inputs, results rows' `file`) are relative to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Set on a shard's run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardEntry>,
    /// Set on a run `goalpost merge` made: its shards.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<MergedPart>,
}

/// `path` as a run recorded it, from here: joined to the run's working directory `cwd` when it
/// was relative (and the run recorded where it started).
pub fn resolve_in(cwd: Option<&Path>, path: &str) -> PathBuf {
    match cwd {
        Some(cwd) if Path::new(path).is_relative() => cwd.join(path),
        _ => PathBuf::from(path),
    }
}

/// The price table in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricesEntry {
    pub path: String,
    pub version: String,
}

/// A tool the catalog has not decided, over a whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunUnlistedTool {
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
    pub calls: u64,
    /// Trajectories that called it.
    pub trajectories: u64,
    /// The first trajectory (in input order) that called it, its file and the step.
    pub first_trajectory: String,
    pub first_file: String,
    pub first_step: u32,
}

/// Adds one verdict's undecided tools to a run's list (kept in first-seen order).
pub fn add_unlisted(
    run: &mut Vec<RunUnlistedTool>,
    index: &mut HashMap<(String, Option<String>), usize>,
    v: &crate::Verdict,
) {
    for u in &v.summary.unlisted_tools {
        let key = (u.tool.clone(), u.plugin.clone());
        match index.get(&key) {
            Some(&i) => {
                let r = &mut run[i];
                r.calls = r.calls.saturating_add(u64::from(u.calls));
                r.trajectories += 1;
            }
            None => {
                index.insert(key, run.len());
                run.push(RunUnlistedTool {
                    tool: u.tool.clone(),
                    plugin: u.plugin.clone(),
                    calls: u64::from(u.calls),
                    trajectories: 1,
                    first_trajectory: v.trajectory.clone(),
                    first_file: v.file.clone(),
                    first_step: u.first_step,
                });
            }
        }
    }
}

/// A run directory that cannot be trusted as a finished run.
#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    #[error(
        "{}: the run did not finish (killed, or still running): no whole manifest.json{}",
        dir.display(),
        resume_hint(dir)
    )]
    Unfinished { dir: PathBuf },
    #[error("{}: unreadable: the run did not finish writing it{}", path.display(), resume_hint(path.parent().unwrap_or(path)))]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn resume_hint(dir: &Path) -> String {
    if dir.join("results.partial.jsonl").is_file() || dir.join("run.json").is_file() {
        format!("\nhint: finish it with `goalpost run --resume {}`", dir.display())
    } else {
        String::new()
    }
}

/// blake3 over everything grading depends on, as loaded: scenarios, rubrics, their resolved
/// criteria, the tool catalogs they read (a catalog is a file of its own) and the price table.
/// The set holds only ordered maps, so its debug form is deterministic. A resumed run, and a
/// worker that loads the specs again (the Python package), must find the same hash.
pub fn specs_hash(specs: &SpecSet) -> String {
    blake3::hash(format!("{specs:?}").as_bytes()).to_hex().to_string()
}

/// The results table files of `path`: a results file itself; a run directory's
/// `results.parquet`; or, for a run written in parts (`goalpost.ray.grade_to`), its
/// `part-*.parquet` in name order (each part is named by its first input's place in the run).
/// Empty when there is none.
pub fn results_files(path: &Path) -> Vec<PathBuf> {
    if !path.is_dir() {
        return if path.is_file() { vec![path.to_owned()] } else { Vec::new() };
    }
    let whole = path.join("results.parquet");
    if whole.is_file() {
        return vec![whole];
    }
    let Ok(entries) = fs_err::read_dir(path) else { return Vec::new() };
    let mut parts: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("part-") && n.ends_with(".parquet"))
                && p.is_file()
        })
        .collect();
    parts.sort();
    parts
}

impl Manifest {
    /// The manifest of a run with no inputs or specs recorded yet, stamped with this build's
    /// versions and finished now; callers fill in what they know.
    pub fn new(run_id: &str, started_at: &str, totals: Totals) -> Manifest {
        Manifest {
            goalpost_version: env!("CARGO_PKG_VERSION").to_owned(),
            results_format: Some(RESULTS_FORMAT.to_owned()),
            trajectory_format: goalpost_trajectory::format_tag(),
            spec_format: goalpost_spec::SPEC_FORMAT_VERSION.to_owned(),
            run_id: run_id.to_owned(),
            started_at: started_at.to_owned(),
            finished_at: jiff::Timestamp::now().to_string(),
            trajectories: Vec::new(),
            inputs: Vec::new(),
            skipped: Vec::new(),
            scenarios: Vec::new(),
            rubrics: Vec::new(),
            catalogs: Vec::new(),
            prices: None,
            unlisted_tools: Vec::new(),
            totals,
            resumed: None,
            cached: None,
            ledger: None,
            cwd: None,
            shard: None,
            merged_from: Vec::new(),
        }
    }

    /// Records the plan a run graded with: its scenarios, rubrics and tool catalogs by content
    /// hash, and the price table.
    pub fn record_specs(&mut self, specs: &SpecSet) {
        let entry = |id: &str, path: &Path, blake3: &str| SpecEntry {
            id: id.to_owned(),
            path: path.display().to_string(),
            blake3: blake3.to_owned(),
        };
        self.scenarios = specs
            .plans()
            .filter_map(|p| p.scenario.as_ref())
            .map(|s| entry(&s.id, &s.source, &s.content_hash))
            .collect();
        self.rubrics = specs.rubrics().map(|r| entry(&r.id, &r.source, &r.content_hash)).collect();
        // Each catalog once, whichever rubrics read it.
        let mut seen = std::collections::BTreeMap::new();
        let unscoped = specs.unscoped_plan();
        for plan in unscoped.iter().chain(specs.plans().map(|p| &**p)) {
            for c in &plan.criteria {
                if let goalpost_spec::CriterionConfig::ApprovedTools(p) = &c.config {
                    seen.insert(p.loaded.source.display().to_string(), p.loaded.content_hash.clone());
                }
            }
        }
        self.catalogs = seen.into_iter().map(|(path, blake3)| FileHash { path, blake3 }).collect();
        self.prices = Some(PricesEntry {
            path: specs.prices().source.display().to_string(),
            version: specs.prices().version.clone(),
        });
    }

    /// A path the run recorded (an input, a row's `file`), as it is from here: joined to the
    /// run's working directory when it was relative.
    pub fn resolve(&self, path: &str) -> PathBuf {
        resolve_in(self.cwd.as_deref().map(Path::new), path)
    }

    /// Reads the manifest of the run directory `dir`.
    pub fn load(dir: &Path) -> Result<Manifest, RunDirError> {
        // A run writing into this directory (or killed while it did) makes any manifest here a
        // leftover: it never stands for the results beside it.
        if dir.join("run.json").exists() {
            return Err(RunDirError::Unfinished { dir: dir.to_owned() });
        }
        let path = dir.join("manifest.json");
        let text = match fs_err::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(RunDirError::Unfinished { dir: dir.to_owned() });
            }
            Err(e) => return Err(RunDirError::Io { path, source: e }),
        };
        serde_json::from_str(&text).map_err(|source| RunDirError::Corrupt { path, source })
    }

    /// Writes `dir/manifest.json` atomically: whole or absent.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        write_atomic(&dir.join("manifest.json"), |w| {
            serde_json::to_writer_pretty(&mut *w, self)?;
            w.write_all(b"\n")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runs_table_is_its_results_parquet_else_its_parts_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path();
        assert!(results_files(run).is_empty(), "an empty directory holds no table");
        for name in ["part-000000000010.parquet", "part-errors.parquet", "part-000000000000.parquet", "notes.parquet"] {
            fs_err::write(run.join(name), b"").unwrap();
        }
        fs_err::create_dir(run.join("part-000000000005.parquet")).unwrap(); // not a file
        let names: Vec<_> =
            results_files(run).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["part-000000000000.parquet", "part-000000000010.parquet", "part-errors.parquet"]);
        fs_err::write(run.join("results.parquet"), b"").unwrap();
        assert_eq!(results_files(run), [run.join("results.parquet")], "a whole table wins over parts");
        assert_eq!(results_files(&run.join("results.parquet")), [run.join("results.parquet")]);
        assert!(results_files(&run.join("missing.parquet")).is_empty());
    }
}
