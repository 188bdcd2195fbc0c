use std::io::Read;
use std::path::{Path, PathBuf};

use crate::formats::{self, Peek, has_key};
use crate::{IngestError, Limits, Trajectory, read_file, swebench};

/// What an input file holds, decided from its content (never from its name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    /// Canonical JSON Lines; may hold several trajectories.
    Canonical,
    /// One mini-swe-agent `*.traj.json`, with its SWE-bench report and test log when the run
    /// has them.
    MiniSweAgent { report: Option<PathBuf>, test_output: Option<PathBuf> },
    /// One SWE-agent `.traj` (0.x or 1.x).
    SweAgent,
    /// A batch of SWE-bench predictions (`preds.json`, `all_preds.jsonl`) without trajectories.
    SweBenchPreds,
    /// A Claude Code session transcript (its subagent files are read with it).
    ClaudeCode,
    /// A Codex CLI rollout.
    Codex,
    /// OpenHands `output.jsonl`, an event stream, or an old flat history.
    OpenHands,
    /// An Inspect AI eval log, `.json` or `.eval` (zip).
    Inspect,
    /// Harbor's Agent Trajectory Interchange Format (`agent/trajectory.json`).
    Atif,
    /// A Terminal-Bench trial (`results.json` beside `commands.txt`, panes and sessions).
    TerminalBench,
    /// OpenTelemetry GenAI spans exported as OTLP JSON.
    Otel,
}

impl InputKind {
    /// The name of the format, as shown in manifests and docs.
    pub fn format_name(&self) -> &'static str {
        match self {
            Self::Canonical => "goalpost-trajectory",
            Self::MiniSweAgent { .. } => "mini-swe-agent",
            Self::SweAgent => "swe-agent",
            Self::SweBenchPreds => "swe-bench-predictions",
            Self::ClaudeCode => "claude-code",
            Self::Codex => "codex-rollout",
            Self::OpenHands => "openhands",
            Self::Inspect => "inspect-ai",
            Self::Atif => "atif",
            Self::TerminalBench => "terminal-bench",
            Self::Otel => "otel-genai",
        }
    }
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
            InputKind::MiniSweAgent { report, test_output } => Box::new(std::iter::once(swebench::read_instance(
                &self.path,
                report.as_deref(),
                test_output.as_deref(),
            ))),
            kind => Box::new(formats::read(kind, &self.path, &limits).into_iter()),
        }
    }
}

/// Finds every input under `paths`. A directory is walked (hidden entries skipped); a
/// SWE-bench run directory expands to one input per instance. A file whose content is in no
/// known format becomes an error, so it is counted, never silently dropped; files that only
/// accompany a trajectory (a SWE-bench report, a run-level summary) are read with it and not
/// listed. Sorted by path.
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

/// File names worth opening while walking a directory.
fn walkable(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "jsonl" || e == "json" || e == "traj" || e == "eval")
}

fn walk(dir: &Path, inputs: &mut Vec<Input>, errors: &mut Vec<IngestError>) {
    let run = swebench::instances(dir);
    if !run.is_empty() {
        for (id, traj) in run {
            inputs.push(Input {
                path: traj,
                kind: InputKind::MiniSweAgent {
                    report: swebench::report_path(dir, &id),
                    test_output: swebench::test_output_path(dir, &id),
                },
            });
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
    let before = inputs.len();
    let mut preds = Vec::new();
    for child in children {
        if child.is_dir() {
            if is_claude_subagents_dir(&child) {
                continue;
            }
            walk(&child, inputs, errors);
        } else if walkable(&child) {
            let n = inputs.len();
            classify(&child, false, inputs, errors);
            if inputs.len() > n && inputs[n].kind == InputKind::SweBenchPreds {
                preds.push(n);
            }
        }
    }
    // Predictions beside their own trajectories are the batch's index: the trajectories carry
    // the same patches, so reading both would grade every instance twice.
    let has_trajectories =
        inputs[before..].iter().any(|i| !matches!(i.kind, InputKind::SweBenchPreds | InputKind::Canonical));
    if has_trajectories {
        for n in preds.into_iter().rev() {
            inputs.remove(n);
        }
    }
}

/// `<session>/subagents/` beside `<session>.jsonl`: read with the session, not on its own.
fn is_claude_subagents_dir(dir: &Path) -> bool {
    dir.file_name().is_some_and(|n| n == "subagents")
        && dir.parent().is_some_and(|session| session.with_extension("jsonl").is_file())
}

fn classify(path: &Path, explicit: bool, inputs: &mut Vec<Input>, errors: &mut Vec<IngestError>) {
    let (head, tail) = match peek(path) {
        Ok(p) => p,
        Err(e) => return errors.push(IngestError::new(path, None, e.to_string())),
    };
    let magic = &head[..head.len().min(8)];
    let head_s = String::from_utf8_lossy(&head);
    let tail_s = String::from_utf8_lossy(&tail);
    let p = Peek { head: &head_s, tail: &tail_s, magic };
    let kind = if p.head.contains("\"goalpost-trajectory/") {
        InputKind::Canonical
    } else if p.contains("\"mini-swe-agent") || (has_key(p.head, "mini_version") && has_key(p.head, "messages")) {
        let run = path.parent().filter(|p| p.ends_with("trajs")).and_then(Path::parent);
        let id = swebench::instance_id_of(path);
        InputKind::MiniSweAgent {
            report: run.zip(id).and_then(|(run, id)| swebench::report_path(run, id)),
            test_output: run.zip(id).and_then(|(run, id)| swebench::test_output_path(run, id)),
        }
    } else if formats::inspect::sniff(&p) {
        InputKind::Inspect
    } else if formats::atif::sniff(&p) {
        InputKind::Atif
    } else if formats::codex::sniff(&p) {
        InputKind::Codex
    } else if formats::claude_code::sniff(&p) {
        InputKind::ClaudeCode
    } else if formats::otel::sniff(&p) {
        InputKind::Otel
    } else if formats::terminal_bench::sniff(&p) {
        InputKind::TerminalBench
    } else if formats::swe_agent::sniff(&p) {
        InputKind::SweAgent
    } else if formats::openhands::sniff(&p) {
        InputKind::OpenHands
    } else if formats::swe_agent::sniff_preds(&p) {
        InputKind::SweBenchPreds
    } else if !explicit && formats::companion(&p).is_some() {
        return;
    } else if explicit || !p.head.trim().is_empty() {
        let why = formats::companion(&p).map_or(String::new(), |c| {
            format!(" (it looks like {c}, which is read with the trajectories it belongs to)")
        });
        return errors.push(IngestError::new(
            path,
            None,
            format!("not a trajectory in any format this build reads{why}; see docs/trajectory-format.md"),
        ));
    } else {
        return;
    };
    inputs.push(Input { path: path.to_owned(), kind });
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
        f.seek(SeekFrom::Start(len.saturating_sub(4096).max(head.len() as u64)))?;
        f.read_to_end(&mut tail)?;
    }
    Ok((head, tail))
}

/// Reads the trajectories named `ids` from `path` again, in whatever format it is (reports and
/// the regression store look back at what a run graded). Callers compare `content_hash` with
/// what the run recorded. An unreadable or unrecognised file is an error.
pub fn read_back(path: &Path, ids: &[&str]) -> Result<Vec<Trajectory>, String> {
    let (inputs, errors) = discover(&[path.to_owned()]);
    if let Some(e) = errors.first() {
        return Err(e.to_string());
    }
    if inputs.is_empty() {
        return Err("not found".into());
    }
    Ok(inputs
        .iter()
        .flat_map(|i| i.read(Limits::default()))
        .flatten()
        .filter(|t| ids.contains(&t.header.id.as_str()))
        .collect())
}
