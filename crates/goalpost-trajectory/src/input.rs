use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::formats::{self, Format, Peek};
use crate::{IngestError, Limits, Parts, Trajectory, read_file, swebench};

/// What an input file holds, decided from its content (never from its name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    /// Canonical JSON Lines; may hold several trajectories.
    Canonical,
    /// One mini-swe-agent `*.traj.json`, with its SWE-bench report and test log when the run
    /// has them.
    MiniSweAgent { report: Option<PathBuf>, test_output: Option<PathBuf> },
    /// A file in one of the external formats of [`formats`]' registry.
    External(&'static Format),
}

/// The external formats under the names they had as variants, for callers that compare kinds.
/// A new format needs no constant here: its row in the registry is enough.
#[allow(non_upper_case_globals)]
impl InputKind {
    /// One SWE-agent `.traj` (0.x or 1.x).
    pub const SweAgent: Self = Self::External(formats::named("swe-agent"));
    /// A batch of SWE-bench predictions (`preds.json`, `all_preds.jsonl`) without trajectories.
    pub const SweBenchPreds: Self = Self::External(formats::named("swe-bench-predictions"));
    /// A Claude Code session transcript (its subagent files are read with it).
    pub const ClaudeCode: Self = Self::External(formats::named("claude-code"));
    /// A Codex CLI rollout.
    pub const Codex: Self = Self::External(formats::named("codex-rollout"));
    /// OpenHands `output.jsonl`, an event stream, or an old flat history.
    pub const OpenHands: Self = Self::External(formats::named("openhands"));
    /// An Inspect AI eval log, `.json` or `.eval` (zip).
    pub const Inspect: Self = Self::External(formats::named("inspect-ai"));
    /// Harbor's Agent Trajectory Interchange Format (`agent/trajectory.json`).
    pub const Atif: Self = Self::External(formats::named("atif"));
    /// A Terminal-Bench trial (`results.json` beside `commands.txt`, panes and sessions).
    pub const TerminalBench: Self = Self::External(formats::named("terminal-bench"));
    /// OpenTelemetry GenAI spans exported as OTLP JSON.
    pub const Otel: Self = Self::External(formats::named("otel-genai"));
}

impl InputKind {
    /// The name of the format, as shown in manifests and docs.
    pub fn format_name(&self) -> &'static str {
        match self {
            Self::Canonical => crate::FORMAT_NAME,
            Self::MiniSweAgent { .. } => "mini-swe-agent",
            Self::External(f) => f.name,
        }
    }

    /// The kind [`InputKind::format_name`] names, with a mini-swe-agent input's companions:
    /// how an input found on one machine is handed to a worker that reads it on another.
    /// `None` for a name this build does not know.
    pub fn named(name: &str, report: Option<PathBuf>, test_output: Option<PathBuf>) -> Option<InputKind> {
        match name {
            crate::FORMAT_NAME => Some(Self::Canonical),
            "mini-swe-agent" => Some(Self::MiniSweAgent { report, test_output }),
            _ => formats::FORMATS.iter().find(|f| f.name == name).map(Self::External),
        }
    }

    /// Whether a file of this kind holds trajectories (and not only an index of a batch).
    fn is_batch_index(&self) -> bool {
        matches!(self, Self::External(f) if f.is_batch_index())
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
            InputKind::External(format) => match format.parts(&self.path, &limits) {
                // Read part by part, in order: memory holds one item at a time, not the file.
                Some(Ok(parts)) => Box::new(parts.flat_map(move |part| part.read(&self.path, limits))),
                Some(Err(e)) => Box::new(std::iter::once(Err(e))),
                None => Box::new(format.read(&self.path, &limits).into_iter()),
            },
        }
    }

    /// The parts of this input when it is read part by part (see [`Parts`]): a canonical file,
    /// an Inspect `.eval` archive; `None` for a file read whole. Reading the parts one by one,
    /// in order, gives what [`Input::read`] gives, but for a canonical file's [`Part::Rest`],
    /// which the caller streams.
    ///
    /// [`Part::Rest`]: crate::Part::Rest
    pub fn parts(&self, limits: Limits) -> Option<Result<Parts, IngestError>> {
        match &self.kind {
            InputKind::Canonical => Some(crate::parts(&self.path, limits)),
            InputKind::MiniSweAgent { .. } => None,
            InputKind::External(format) => format.parts(&self.path, &limits),
        }
    }
}

/// Serialised as `{path, format, report?, test_output?}`.
impl serde::Serialize for Input {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct View<'a> {
            path: &'a Path,
            format: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            report: Option<&'a Path>,
            #[serde(skip_serializing_if = "Option::is_none")]
            test_output: Option<&'a Path>,
        }
        let (report, test_output) = match &self.kind {
            InputKind::MiniSweAgent { report, test_output } => (report.as_deref(), test_output.as_deref()),
            _ => (None, None),
        };
        View { path: &self.path, format: self.kind.format_name(), report, test_output }.serialize(s)
    }
}

/// A file discovery found and deliberately did not read, with why: a file that only
/// accompanies a run, a named pipe or socket, the same file reached a second time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// Everything discovery found: inputs to read, files that could not be (each one error), and
/// files skipped on purpose. Each list is sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Discovery {
    pub inputs: Vec<Input>,
    pub errors: Vec<IngestError>,
    pub skipped: Vec<Skipped>,
}

/// [`discover_all`] without the skipped files.
pub fn discover(paths: &[PathBuf]) -> (Vec<Input>, Vec<IngestError>) {
    let d = discover_all(paths);
    (d.inputs, d.errors)
}

/// Finds every input under `paths`, and accounts for every file it finds.
///
/// A directory is walked (hidden entries skipped; files named `*.json`, `*.jsonl`, `*.traj`,
/// `*.eval` are looked at, others ignored); a SWE-bench run directory expands to one input per
/// instance. Each file found is an input, an error, or skipped with a reason:
/// - a file in no known format is an error, and so is an empty or whitespace-only one;
/// - a file that only accompanies a run (`formats::companion`: a SWE-bench report, an
///   OpenHands evaluation's metadata, ...) is skipped, whether walked or named;
/// - only regular files are opened: a named pipe, socket or device is skipped (named or walked);
/// - SWE-bench predictions beside the trajectories they came from are skipped.
///
/// Symbolic links: a path given is followed. During a walk, links are followed after the real
/// tree under the path is walked, so a file reachable both ways is listed under its real path.
/// A directory is walked once and a file read once, whatever the links or hard links to them
/// (identity is device and inode on Unix, the canonical path elsewhere); a second path to
/// either is skipped naming the first, so a link to `.` or two links into each other end.
/// A link to a file or directory outside the tree is followed (once). A broken link with a
/// walked name is an error.
///
/// The file type is checked before a file is opened; a file swapped for a pipe in between
/// could still block.
pub fn discover_all(paths: &[PathBuf]) -> Discovery {
    let mut w = Walker::default();
    for path in paths {
        w.root(path);
    }
    let mut d = w.out;
    d.inputs.sort_by(|a, b| a.path.cmp(&b.path));
    d.inputs.dedup();
    d.errors.sort_by(|a, b| a.path.cmp(&b.path));
    d.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    d.skipped.dedup();
    d
}

/// File names worth opening while walking a directory.
fn walkable(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "jsonl" || e == "json" || e == "traj" || e == "eval")
}

/// What identifies a file or directory whatever the path to it.
#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = PathBuf;

#[cfg(unix)]
fn file_id(_path: &Path, meta: &std::fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path, _meta: &std::fs::Metadata) -> Option<FileId> {
    fs_err::canonicalize(path).ok()
}

/// Why a file that is neither a regular file nor a directory is not opened.
fn not_regular(ft: std::fs::FileType) -> String {
    #[cfg(unix)]
    let what = {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            "a named pipe"
        } else if ft.is_socket() {
            "a socket"
        } else if ft.is_block_device() {
            "a block device"
        } else if ft.is_char_device() {
            "a character device"
        } else {
            "not a regular file"
        }
    };
    #[cfg(not(unix))]
    let what = {
        let _ = ft;
        "not a regular file"
    };
    format!("{what}; only regular files are read")
}

#[derive(Default)]
struct Walker {
    out: Discovery,
    /// The first path each directory was walked at.
    dirs: HashMap<FileId, PathBuf>,
    /// The first path each file was found at.
    files: HashMap<FileId, PathBuf>,
    /// Symbolic links met while walking, followed once the real tree is walked.
    links: Vec<PathBuf>,
}

impl Walker {
    fn error(&mut self, path: &Path, message: impl Into<String>) {
        self.out.errors.push(IngestError::new(path, None, message));
    }

    fn skip(&mut self, path: &Path, reason: impl Into<String>) {
        self.out.skipped.push(Skipped { path: path.to_owned(), reason: reason.into() });
    }

    /// A path the user gave: followed if a link.
    fn root(&mut self, path: &Path) {
        let meta = match fs_err::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return self.error(path, "no such file or directory");
            }
            Err(e) => return self.error(path, e.to_string()),
        };
        if meta.is_dir() {
            self.dir(path, &meta);
            while !self.links.is_empty() {
                let mut links = std::mem::take(&mut self.links);
                links.sort();
                for link in links {
                    self.link(&link);
                }
            }
        } else if meta.is_file() {
            if self.claim(path, &meta) {
                self.classify(path);
            }
        } else {
            self.skip(path, not_regular(meta.file_type()));
        }
    }

    /// Whether `path` is the first path found to this file; a second path is skipped.
    fn claim(&mut self, path: &Path, meta: &std::fs::Metadata) -> bool {
        claim(&mut self.files, &mut self.out.skipped, path, meta, "file", "read")
    }

    fn dir(&mut self, dir: &Path, meta: &std::fs::Metadata) {
        if !claim(&mut self.dirs, &mut self.out.skipped, dir, meta, "directory", "walked") {
            return;
        }
        let run = swebench::instances(dir);
        if !run.is_empty() {
            for (id, traj) in run {
                match fs_err::metadata(&traj) {
                    Ok(m) if m.is_file() => {
                        if !self.claim(&traj, &m) {
                            continue;
                        }
                    }
                    Ok(m) => {
                        self.skip(&traj, not_regular(m.file_type()));
                        continue;
                    }
                    Err(e) => {
                        self.error(&traj, format!("unreadable: {}", e.kind()));
                        continue;
                    }
                }
                self.out.inputs.push(Input {
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
            Err(e) => return self.error(dir, e.to_string()),
        };
        let mut children = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.error(dir, e.to_string());
                    continue;
                }
            };
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            match entry.file_type() {
                Ok(t) => children.push((entry.path(), t)),
                Err(e) => self.error(&entry.path(), e.to_string()),
            }
        }
        children.sort_by(|a, b| a.0.cmp(&b.0));
        let before = self.out.inputs.len();
        let mut preds = Vec::new();
        for (child, ft) in children {
            if ft.is_symlink() {
                self.links.push(child);
            } else if ft.is_dir() {
                self.subdir(&child);
            } else if !walkable(&child) {
                // Not a name a trajectory has (logs, patches, READMEs): not looked at.
                continue;
            } else if ft.is_file() {
                let n = self.out.inputs.len();
                let meta = match fs_err::metadata(&child) {
                    Ok(m) => m,
                    Err(e) => {
                        self.error(&child, e.to_string());
                        continue;
                    }
                };
                if self.claim(&child, &meta) {
                    self.classify(&child);
                }
                if self.out.inputs.get(n).is_some_and(|i| i.kind.is_batch_index()) {
                    preds.push(n);
                }
            } else {
                self.skip(&child, not_regular(ft));
            }
        }
        // Predictions beside their own trajectories are the batch's index: the trajectories carry
        // the same patches, so reading both would grade every instance twice.
        let has_trajectories =
            self.out.inputs[before..].iter().any(|i| !i.kind.is_batch_index() && i.kind != InputKind::Canonical);
        if has_trajectories {
            for n in preds.into_iter().rev() {
                let dropped = self.out.inputs.remove(n);
                self.skip(
                    &dropped.path,
                    format!(
                        "{} beside the trajectories they came from, which carry the same patches",
                        dropped.kind.format_name()
                    ),
                );
            }
        }
    }

    /// A directory met during a walk, not through a link.
    fn subdir(&mut self, dir: &Path) {
        if is_claude_subagents_dir(dir) {
            return self.skip(dir, "Claude Code subagent transcripts, read with their session");
        }
        match fs_err::metadata(dir) {
            Ok(m) => self.dir(dir, &m),
            Err(e) => self.error(dir, e.to_string()),
        }
    }

    /// A symbolic link met during a walk, followed after the real tree.
    fn link(&mut self, link: &Path) {
        match fs_err::metadata(link) {
            Err(e) => {
                if walkable(link) {
                    self.error(link, format!("broken symbolic link ({})", e.kind()));
                }
            }
            Ok(m) if m.is_dir() => {
                if is_claude_subagents_dir(link) {
                    self.skip(link, "Claude Code subagent transcripts, read with their session");
                } else {
                    self.dir(link, &m);
                }
            }
            Ok(_) if !walkable(link) => {}
            Ok(m) if m.is_file() => {
                if self.claim(link, &m) {
                    self.classify(link);
                }
            }
            Ok(m) => self.skip(link, not_regular(m.file_type())),
        }
    }

    /// Reads the head and tail of a regular file and lists it as an input, an error or
    /// skipped.
    fn classify(&mut self, path: &Path) {
        let (head, tail, len) = match peek(path) {
            Ok(Head::Canonical) => {
                self.out.inputs.push(Input { path: path.to_owned(), kind: InputKind::Canonical });
                return;
            }
            Ok(Head::Peeked { head, tail, len }) => (head, tail, len),
            Err(e) => return self.error(path, e.to_string()),
        };
        let magic = &head[..head.len().min(8)];
        let (head_s, tail_s) = (peeked_text(&head, false), peeked_text(&tail, true));
        let p = Peek { head: &head_s, tail: &tail_s, magic };
        let seen_all = len <= (head.len() + tail.len()) as u64;
        if len == 0 {
            return self.error(path, "empty file");
        }
        if seen_all && head.trim_ascii().is_empty() && tail.trim_ascii().is_empty() {
            return self.error(path, "empty file (only whitespace)");
        }
        let kind = if formats::sniff_canonical(&p) {
            InputKind::Canonical
        } else if formats::sniff_mini_swe_agent(&p) {
            let run = path.parent().filter(|p| p.ends_with("trajs")).and_then(Path::parent);
            let id = swebench::instance_id_of(path);
            InputKind::MiniSweAgent {
                report: run.zip(id).and_then(|(run, id)| swebench::report_path(run, id)),
                test_output: run.zip(id).and_then(|(run, id)| swebench::test_output_path(run, id)),
            }
        } else if let Some(format) = formats::detect(&p) {
            InputKind::External(format)
        } else if let Some(what) = formats::companion(&p) {
            return self.skip(path, format!("{what}: it accompanies a run and holds no trajectory"));
        } else {
            return self.error(path, "not a trajectory in any format this build reads; see docs/trajectory-format.md");
        };
        self.out.inputs.push(Input { path: path.to_owned(), kind });
    }
}

/// Records `path` as the first path to the file or directory `meta` describes, or, when
/// another path came first, lists it as skipped naming that one (silently when it is the same
/// path given twice). Whether `path` came first.
fn claim(
    seen: &mut HashMap<FileId, PathBuf>,
    skipped: &mut Vec<Skipped>,
    path: &Path,
    meta: &std::fs::Metadata,
    what: &str,
    done: &str,
) -> bool {
    let Some(id) = file_id(path, meta) else { return true };
    match seen.entry(id) {
        Entry::Vacant(v) => {
            v.insert(path.to_owned());
            true
        }
        Entry::Occupied(first) => {
            if first.get() != path {
                let reason = format!("the same {what} as `{}`, {done} once", first.get().display());
                skipped.push(Skipped { path: path.to_owned(), reason });
            }
            false
        }
    }
}

/// `<session>/subagents/` beside `<session>.jsonl`: read with the session, not on its own.
fn is_claude_subagents_dir(dir: &Path) -> bool {
    dir.file_name().is_some_and(|n| n == "subagents")
        && dir.parent().is_some_and(|session| session.with_extension("jsonl").is_file())
}

/// The first 64 KiB and last 4 KiB of a file, and its length: enough to tell formats apart.
/// Peeked bytes as text for the sniffers: borrowed when they are UTF-8 but for a character
/// the peek cut in two at either end (the common case, checked at the speed of validation),
/// replaced lossily otherwise.
fn peeked_text(b: &[u8], tail: bool) -> std::borrow::Cow<'_, str> {
    // A tail starts anywhere: skip continuation bytes of a character cut at its start.
    let start = if tail { b.iter().take(3).take_while(|&&c| c & 0xC0 == 0x80).count() } else { 0 };
    match std::str::from_utf8(&b[start..]) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(e) if e.error_len().is_none() => {
            std::borrow::Cow::Borrowed(std::str::from_utf8(&b[start..start + e.valid_up_to()]).unwrap_or_default())
        }
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// The first `n` bytes of a file (fewer when it is shorter).
/// What discovery reads of a file to tell its format.
enum Head {
    /// Canonical, by the mark in its first 4 KiB.
    Canonical,
    /// The first 64 KiB, the last 4 KiB (empty when the head holds the whole file), the length.
    Peeked { head: Vec<u8>, tail: Vec<u8>, len: u64 },
}

fn peek(path: &Path) -> std::io::Result<Head> {
    use std::io::{Seek, SeekFrom};
    let mut f = fs_err::File::open(path)?;
    let mut head = Vec::new();
    // Most inputs are canonical and say so on their first line: their first 4 KiB decide
    // them, as the whole head would (canonical is the first format tried, and the same mark
    // is looked for), without reading 64 KiB and the tail of every file.
    (&mut f).take(4 << 10).read_to_end(&mut head)?;
    if memchr::memmem::find(&head, formats::CANONICAL_MARK.as_bytes()).is_some() {
        return Ok(Head::Canonical);
    }
    (&mut f).take((64 << 10) - head.len() as u64).read_to_end(&mut head)?;
    let len = f.metadata()?.len();
    let mut tail = Vec::new();
    if len > head.len() as u64 {
        f.seek(SeekFrom::Start(len.saturating_sub(4096).max(head.len() as u64)))?;
        f.read_to_end(&mut tail)?;
    }
    Ok(Head::Peeked { head, tail, len })
}

/// Reads the trajectories named `ids` from `path` again, in whatever format it is (reports and
/// the regression store look back at what a run graded). Callers compare `content_hash` with
/// what the run recorded. An unreadable or unrecognised file is an error naming it.
pub fn read_back(path: &Path, ids: &[&str]) -> Result<Vec<Trajectory>, IngestError> {
    let (inputs, errors) = discover(&[path.to_owned()]);
    if let Some(e) = errors.into_iter().next() {
        return Err(e);
    }
    if inputs.is_empty() {
        return Err(IngestError::new(path, None, "not found"));
    }
    // Behind the panic boundary: a reader bug another trajectory of the file trips must not end
    // the report or the promote that looks back.
    let mut found = Vec::new();
    for i in &inputs {
        let read = crate::isolate::isolate(|| {
            i.read(Limits::default()).flatten().filter(|t| ids.contains(&t.header.id.as_str())).collect::<Vec<_>>()
        });
        found.extend(read.map_err(|panic| IngestError::reader_bug(&i.path, "re-reading it", &panic))?);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_named_back_from_its_format_name() {
        let mut kinds = vec![
            InputKind::Canonical,
            InputKind::MiniSweAgent { report: Some(PathBuf::from("r.json")), test_output: None },
        ];
        kinds.extend(formats::FORMATS.iter().map(InputKind::External));
        for kind in kinds {
            let (report, test_output) = match &kind {
                InputKind::MiniSweAgent { report, test_output } => (report.clone(), test_output.clone()),
                _ => (None, None),
            };
            assert_eq!(InputKind::named(kind.format_name(), report, test_output), Some(kind.clone()));
        }
        assert_eq!(InputKind::named("no-such-format", None, None), None);
    }
}
