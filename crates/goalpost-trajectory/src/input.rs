use std::io::Read;
use std::path::{Path, PathBuf};

use crate::{IngestError, Limits, Trajectory, read_file, swebench};

/// What an input file holds, decided from its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    /// Canonical JSON Lines; may hold several trajectories.
    Canonical,
    /// One mini-swe-agent `*.traj.json`, with its SWE-bench report when the run has one.
    MiniSweAgent { report: Option<PathBuf> },
}

/// One input file to read trajectories from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    pub kind: InputKind,
}

impl Input {
    /// Streams the trajectories of this input.
    pub fn read(&self, limits: Limits) -> Box<dyn Iterator<Item = Result<Trajectory, IngestError>> + Send + '_> {
        match &self.kind {
            InputKind::Canonical => match read_file(&self.path, limits) {
                Ok(r) => Box::new(r),
                Err(e) => Box::new(std::iter::once(Err(e))),
            },
            InputKind::MiniSweAgent { report } => {
                Box::new(std::iter::once(swebench::read_instance(&self.path, report.as_deref())))
            }
        }
    }
}

/// Finds every input under `paths`. A directory is walked (hidden entries skipped); a
/// SWE-bench run directory expands to one input per instance. A file whose content is in no
/// known format becomes an error, so it is counted, never silently dropped. Sorted by path.
pub fn discover(paths: &[PathBuf]) -> (Vec<Input>, Vec<IngestError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut inputs, &mut errors);
        } else if path.exists() {
            classify(path, true, &mut inputs, &mut errors);
        } else {
            errors.push(IngestError::new(path, None, "no such file or directory"));
        }
    }
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    inputs.dedup();
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    (inputs, errors)
}

fn walk(dir: &Path, inputs: &mut Vec<Input>, errors: &mut Vec<IngestError>) {
    let run = swebench::instances(dir);
    if !run.is_empty() {
        for (id, traj) in run {
            inputs
                .push(Input { path: traj, kind: InputKind::MiniSweAgent { report: swebench::report_path(dir, &id) } });
        }
        return;
    }
    let entries = match fs_err::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return errors.push(IngestError::new(dir, None, e.to_string())),
    };
    let mut children: Vec<_> =
        entries.flatten().filter(|e| !e.file_name().to_string_lossy().starts_with('.')).map(|e| e.path()).collect();
    children.sort();
    for child in children {
        if child.is_dir() {
            walk(&child, inputs, errors);
        } else if child.extension().is_some_and(|e| e == "jsonl" || e == "json" || e == "traj") {
            classify(&child, false, inputs, errors);
        }
    }
}

fn classify(path: &Path, explicit: bool, inputs: &mut Vec<Input>, errors: &mut Vec<IngestError>) {
    let (head, tail) = match peek(path) {
        Ok(p) => p,
        Err(e) => return errors.push(IngestError::new(path, None, e.to_string())),
    };
    let head = String::from_utf8_lossy(&head);
    let tail = String::from_utf8_lossy(&tail);
    if head.contains("\"goalpost-trajectory/") {
        inputs.push(Input { path: path.to_owned(), kind: InputKind::Canonical });
    } else if head.contains("\"mini-swe-agent") || tail.contains("\"mini-swe-agent") {
        let report = path
            .parent()
            .filter(|p| p.ends_with("trajs"))
            .and_then(Path::parent)
            .and_then(|run| swebench::report_path(run, swebench::instance_id_of(path)?));
        inputs.push(Input { path: path.to_owned(), kind: InputKind::MiniSweAgent { report } });
    } else if explicit || !head.trim().is_empty() {
        errors.push(IngestError::new(
            path,
            Some(1),
            "not a trajectory in any format this build reads (canonical goalpost-trajectory, mini-swe-agent)",
        ));
    }
}

/// The first 64 KiB and last 4 KiB of a file: enough to tell formats apart.
fn peek(path: &Path) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    use std::io::{Seek, SeekFrom};
    let mut f = fs_err::File::open(path)?;
    let mut head = Vec::new();
    (&mut f).take(64 << 10).read_to_end(&mut head)?;
    let len = f.metadata()?.len();
    let mut tail = Vec::new();
    if len > head.len() as u64 {
        f.seek(SeekFrom::Start(len.saturating_sub(4096)))?;
        f.read_to_end(&mut tail)?;
    }
    Ok((head, tail))
}
