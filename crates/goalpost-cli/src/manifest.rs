use std::io::Write;
use std::path::Path;

use anyhow::Result;
use goalpost_grade::Totals;
use goalpost_spec::SpecSet;
use goalpost_trajectory::{Input, InputKind};
use serde::Serialize;

use crate::args::RunArgs;

#[derive(Debug, Serialize)]
pub(crate) struct InputEntry {
    path: String,
    format: &'static str,
    bytes: u64,
    blake3: String,
    /// The SWE-bench report read beside a mini-swe-agent trajectory.
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<FileHash>,
    /// The SWE-bench test log read beside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    test_output: Option<FileHash>,
}

#[derive(Debug, Serialize)]
struct FileHash {
    path: String,
    blake3: String,
}

fn hash_file(path: &Path) -> (u64, String) {
    let mut h = blake3::Hasher::new();
    match fs_err::File::open(path).and_then(|f| h.update_reader(f).map(|_| ())) {
        Ok(()) => (fs_err::metadata(path).map(|m| m.len()).unwrap_or(0), h.finalize().to_hex().to_string()),
        Err(_) => (0, String::new()),
    }
}

/// Every input with its content hash, in input order.
pub(crate) fn inputs(inputs: &[Input]) -> Vec<InputEntry> {
    inputs
        .iter()
        .map(|i| {
            let (bytes, blake3) = hash_file(&i.path);
            let format = i.kind.format_name();
            let companion = |p: &std::path::PathBuf| FileHash { path: p.display().to_string(), blake3: hash_file(p).1 };
            let (report, test_output) = match &i.kind {
                InputKind::MiniSweAgent { report, test_output } => {
                    (report.as_ref().map(companion), test_output.as_ref().map(companion))
                }
                _ => (None, None),
            };
            InputEntry { path: i.path.display().to_string(), format, bytes, blake3, report, test_output }
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

#[derive(Serialize)]
struct Manifest<'a> {
    goalpost_version: &'static str,
    trajectory_format: String,
    spec_format: &'static str,
    run_id: &'a str,
    started_at: String,
    finished_at: String,
    trajectories: Vec<String>,
    inputs: Vec<InputEntry>,
    scenarios: Vec<Spec>,
    rubrics: Vec<Spec>,
    totals: &'a Totals,
}

#[derive(Serialize)]
struct Spec {
    id: String,
    path: String,
    blake3: String,
}

pub(crate) fn write(
    path: &Path,
    run_id: &str,
    started: jiff::Timestamp,
    args: &RunArgs,
    specs: &SpecSet,
    inputs: Vec<InputEntry>,
    totals: &Totals,
) -> Result<()> {
    let m = Manifest {
        goalpost_version: env!("CARGO_PKG_VERSION"),
        trajectory_format: goalpost_trajectory::format_tag(),
        spec_format: goalpost_spec::SPEC_FORMAT_VERSION,
        run_id,
        started_at: started.to_string(),
        finished_at: jiff::Timestamp::now().to_string(),
        trajectories: args.trajectories.iter().map(|p| p.display().to_string()).collect(),
        inputs,
        scenarios: specs
            .plans()
            .filter_map(|p| p.scenario.as_ref())
            .map(|s| Spec { id: s.id.clone(), path: s.source.display().to_string(), blake3: s.content_hash.clone() })
            .collect(),
        rubrics: specs
            .rubrics()
            .map(|r| Spec { id: r.id.clone(), path: r.source.display().to_string(), blake3: r.content_hash.clone() })
            .collect(),
        totals,
    };
    let mut f = fs_err::File::create(path)?;
    serde_json::to_writer_pretty(&mut f, &m)?;
    f.write_all(b"\n")?;
    Ok(())
}
