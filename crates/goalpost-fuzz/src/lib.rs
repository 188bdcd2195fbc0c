//! A fuzz driver that runs on the stable toolchain.
//!
//! Every mutant starts from a real fixture (`fixtures/formats/**`, `fixtures/swebench-run`,
//! `examples/trajectories`), is changed by [`mutate::mutate`] under a seeded [`rng::Rng`], and
//! is written in place of the original inside a mirror of the fixture tree (the other files are
//! symlinks, so companions such as a SWE-bench `report.json` or Claude Code subagents are read
//! with it). Then the whole pipeline runs on it: `discover`, `Input::read`, `grade_trajectory`
//! against the real scenarios and rubrics, and `to_jsonl` read back, which must give the same
//! trajectory. A panic anywhere is caught, located and kept with the seed of its mutant.

pub mod archive;
pub mod mutate;
pub mod rng;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use goalpost_grade::Planner;
use goalpost_spec::{Plan, SpecSet};
use goalpost_trajectory::{InputKind, Limits, Record, Trajectory, TrajectoryReader, discover, to_jsonl};

use crate::rng::{Rng, mutant_seed};

/// The repository root, from this crate's manifest directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where crashing mutants are saved (gitignored).
pub fn crashes_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crashes")
}

/// One fixture file: its bytes, and the inputs (paths relative to the root) that read it.
#[derive(Debug)]
pub struct CorpusFile {
    pub rel: PathBuf,
    pub data: Vec<u8>,
    /// Inputs of the unmutated tree that read this file (itself, or the trajectory it
    /// accompanies), relative to the root.
    pub readers: Vec<PathBuf>,
    /// The file's directory holds few enough files to be discovered as a directory.
    pub small_dir: bool,
}

/// The fixtures, loaded once.
#[derive(Debug)]
pub struct Corpus {
    pub root: PathBuf,
    pub files: Vec<CorpusFile>,
    /// Indices of `files` by format directory (`fixtures/formats/codex`, `examples/trajectories`):
    /// the files that are mutated.
    pub groups: Vec<Vec<usize>>,
    /// The pattern [`Corpus::only`] kept the mutated files to.
    pub only: Option<String>,
}

const CORPUS_DIRS: &[&str] = &["fixtures/formats", "fixtures/swebench-run", "examples/trajectories"];

fn walk_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs_err::read_dir(dir) else { return };
    let mut children: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    children.sort();
    for c in children {
        if c.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
            continue;
        }
        if c.is_dir() {
            walk_files(&c, out);
        } else {
            out.push(c);
        }
    }
}

impl Corpus {
    /// Loads every fixture under the corpus directories of `root`.
    pub fn load(root: &Path) -> Self {
        let root = fs_err::canonicalize(root).unwrap_or_else(|_| root.to_owned());
        let mut paths = Vec::new();
        for d in CORPUS_DIRS {
            walk_files(&root.join(d), &mut paths);
        }
        let (inputs, _) = discover(&CORPUS_DIRS.iter().map(|d| root.join(d)).collect::<Vec<_>>());
        let rel = |p: &Path| p.strip_prefix(&root).map(Path::to_owned).unwrap_or_else(|_| p.to_owned());
        let mut per_dir: BTreeMap<PathBuf, usize> = BTreeMap::new();
        for p in &paths {
            if let Some(d) = p.parent() {
                *per_dir.entry(d.to_owned()).or_default() += 1;
            }
        }
        let mut files = Vec::new();
        for p in &paths {
            let Ok(data) = fs_err::read(p) else { continue };
            let mut readers: Vec<PathBuf> = Vec::new();
            if inputs.iter().any(|i| &i.path == p) {
                readers.push(rel(p));
            } else {
                // A companion: the SWE-bench instance it belongs to, else the inputs nearest
                // to it (those under its closest ancestor that has any).
                for i in &inputs {
                    if let InputKind::MiniSweAgent { report, test_output } = &i.kind
                        && (report.as_deref() == Some(p) || test_output.as_deref() == Some(p))
                    {
                        readers.push(rel(&i.path));
                    }
                }
                if readers.is_empty() {
                    for anc in p.ancestors().skip(1).take(3) {
                        let near: Vec<PathBuf> =
                            inputs.iter().filter(|i| i.path.starts_with(anc)).map(|i| rel(&i.path)).collect();
                        if !near.is_empty() {
                            readers = near.into_iter().take(4).collect();
                            break;
                        }
                    }
                }
            }
            let small_dir = p.parent().and_then(|d| per_dir.get(d)).is_some_and(|n| *n <= 6);
            files.push(CorpusFile { rel: rel(p), data, readers, small_dir });
        }
        let mut by_dir: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
        for (i, f) in files.iter().enumerate() {
            let depth = if f.rel.starts_with("fixtures/formats") { 3 } else { 2 };
            by_dir.entry(f.rel.components().take(depth).collect()).or_default().push(i);
        }
        Self { root, files, groups: by_dir.into_values().collect(), only: None }
    }

    /// Mutates only the files whose path contains `pattern` (`.eval`, `inspect/`); the others
    /// stay in the mirror, read with them.
    pub fn only(&mut self, pattern: &str) {
        let files = &self.files;
        for g in &mut self.groups {
            g.retain(|&i| files[i].rel.to_string_lossy().contains(pattern));
        }
        self.groups.retain(|g| !g.is_empty());
        self.only = Some(pattern.to_owned());
    }

    /// The environment that replays the mutant of `seed`.
    pub fn replay_env(&self, seed: u64) -> String {
        let only = self.only.as_ref().map(|p| format!("GOALPOST_FUZZ_ONLY='{p}' ")).unwrap_or_default();
        format!("{only}GOALPOST_FUZZ_REPLAY={seed:#018x}")
    }
}

/// A symlink mirror of the corpus in a temporary directory, in which one file at a time is
/// replaced by a mutant.
#[derive(Debug)]
struct Mirror {
    dir: tempfile::TempDir,
}

impl Mirror {
    fn new(corpus: &Corpus) -> std::io::Result<Self> {
        let dir = tempfile::Builder::new().prefix("goalpost-fuzz-").tempdir()?;
        for f in &corpus.files {
            let to = dir.path().join(&f.rel);
            if let Some(parent) = to.parent() {
                fs_err::create_dir_all(parent)?;
            }
            link(&corpus.root.join(&f.rel), &to)?;
        }
        Ok(Self { dir })
    }

    fn path(&self, rel: &Path) -> PathBuf {
        self.dir.path().join(rel)
    }
}

#[cfg(unix)]
fn link(from: &Path, to: &Path) -> std::io::Result<()> {
    fs_err::os::unix::fs::symlink(from, to)
}

#[cfg(not(unix))]
fn link(from: &Path, to: &Path) -> std::io::Result<()> {
    fs_err::copy(from, to).map(|_| ())
}

/// A panic, where it happened and what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanicSite {
    pub location: String,
    pub message: String,
}

thread_local! {
    static CAPTURING: RefCell<Option<Option<PanicSite>>> = const { RefCell::new(None) };
}

/// Installs (once) a panic hook that, on a thread inside [`capture`], records the panic's
/// location and message instead of printing them; elsewhere the previous hook runs.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Ours goes over goalpost's own (which keeps panics caught at a trajectory's boundary
        // quiet), so every panic passes through ours first, caught further in or not.
        goalpost_trajectory::isolate::install_hook();
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let captured = CAPTURING.with(|c| {
                let mut c = c.borrow_mut();
                match c.as_mut() {
                    Some(slot) => {
                        let mut location = info
                            .location()
                            .map_or("<unknown>".to_owned(), |l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                        if !location.contains("crates/goalpost-") {
                            // In the standard library (an iterator's `sum`): name the caller.
                            let bt = std::backtrace::Backtrace::force_capture().to_string();
                            if let Some(at) = bt.lines().map(str::trim).find_map(|l| {
                                l.strip_prefix("at ")
                                    .filter(|p| p.contains("crates/goalpost-") && !p.contains("goalpost-fuzz"))
                            }) {
                                location = format!("{} (via {location})", at.trim_start_matches("./"));
                            }
                        }
                        let payload = info.payload();
                        let message = payload
                            .downcast_ref::<&str>()
                            .map(|s| (*s).to_owned())
                            .or_else(|| payload.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        // The first panic is the one that matters (a second is a panic in drop).
                        if slot.is_none() {
                            *slot = Some(PanicSite { location, message });
                        }
                        true
                    }
                    None => false,
                }
            });
            if !captured {
                prev(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into its site.
pub fn capture<T>(f: impl FnOnce() -> T) -> Result<T, PanicSite> {
    install_hook();
    CAPTURING.with(|c| *c.borrow_mut() = Some(None));
    let r = catch_unwind(AssertUnwindSafe(f));
    let site = CAPTURING.with(|c| c.borrow_mut().take()).flatten();
    match (r, site) {
        // A panic that something inside caught (a panic boundary of the engine) still counts.
        (_, Some(site)) => Err(site),
        (Ok(v), None) => Ok(v),
        (Err(_), None) => Err(PanicSite { location: "<unknown>".into(), message: String::new() }),
    }
}

/// What one pipeline run saw.
#[derive(Debug, Default)]
pub struct PipelineStats {
    pub inputs: usize,
    pub trajectories: usize,
    pub errors: usize,
    /// Round trips that changed the trajectory: (dedupe key, detail).
    pub mismatches: Vec<(String, String)>,
}

/// The specs the grader uses, with the unscoped plan.
#[derive(Debug)]
pub struct Specs {
    pub set: SpecSet,
    pub unscoped: Option<Arc<Plan>>,
}

impl Specs {
    pub fn load(root: &Path) -> Self {
        let (set, _) = goalpost_spec::load(&root.join("scenarios"), &root.join("rubrics"));
        let unscoped = set.unscoped_plan().map(Arc::new);
        Self { set, unscoped }
    }

    fn planner(&self) -> Planner<'_> {
        Planner { specs: &self.set, unscoped: self.unscoped.as_ref(), assigned: None }
    }
}

/// Discover, read, grade, write back and re-read: everything a trajectory goes through.
pub fn pipeline(paths: &[PathBuf], specs: &Specs) -> PipelineStats {
    let mut stats = PipelineStats::default();
    let (inputs, errors) = discover(paths);
    stats.errors += errors.len();
    for e in &errors {
        let _ = e.to_string();
    }
    for input in &inputs {
        stats.inputs += 1;
        let _ = input.kind.format_name();
        for item in input.read(Limits::default()) {
            match item {
                Ok(t) => {
                    stats.trajectories += 1;
                    // A panic behind the engine's boundary still reaches our hook first, with
                    // its own location (see `install_hook`).
                    let _ = goalpost_grade::grade_trajectory(&t, specs.planner());
                    for s in &t.steps {
                        let _ = s.record.describe();
                        let _ = t.step(s.n);
                    }
                    if let Some(m) = round_trip(&t) {
                        stats.mismatches.push(m);
                    }
                }
                Err(e) => {
                    stats.errors += 1;
                    let _ = e.to_string();
                }
            }
        }
    }
    stats
}

/// The parts of a trajectory that the canonical format carries.
fn shape(
    t: &Trajectory,
) -> (&goalpost_trajectory::Header, Vec<(u32, &Record)>, Option<&goalpost_trajectory::FinalState>) {
    (&t.header, t.steps.iter().map(|s| (s.n, &s.record)).collect(), t.final_state.as_ref())
}

/// `to_jsonl` then reading back must give the same header, steps and final state.
fn round_trip(t: &Trajectory) -> Option<(String, String)> {
    let format = t.header.source.as_ref().map_or("goalpost-trajectory".to_owned(), |s| s.format.clone());
    let format = format.split('/').next().unwrap_or_default().to_owned();
    let text = to_jsonl(t);
    let back: Vec<_> =
        TrajectoryReader::new("roundtrip.jsonl", Cursor::new(text.as_bytes()), Limits::default()).collect();
    let key = |what: &str| format!("{format}: {what}");
    match back.as_slice() {
        [Ok(b)] => {
            let (a, b) = (shape(t), shape(b));
            if a == b {
                return None;
            }
            let what = if a.0 != b.0 {
                describe_diff("header", &a.0, &b.0)
            } else if a.1.len() != b.1.len() {
                ("step count".to_owned(), format!("{} steps became {}", a.1.len(), b.1.len()))
            } else if let Some((x, y)) = a.1.iter().zip(&b.1).find(|(x, y)| x != y) {
                describe_diff(x.1.type_name(), x.1, y.1)
            } else {
                describe_diff("final", &a.2, &b.2)
            };
            let (path, detail) = what;
            Some((key(&path), format!("{detail}\n  written: {}", text.chars().take(400).collect::<String>())))
        }
        [Err(e)] => Some((key(&format!("read back failed: {}", e.message)), text.chars().take(2000).collect())),
        other => Some((key(&format!("read back gave {} items", other.len())), text.chars().take(2000).collect())),
    }
}

/// The first field where two records differ, as `type.field: a != b` (values cut short).
fn describe_diff<T: serde::Serialize>(what: &str, a: &T, b: &T) -> (String, String) {
    fn first(a: &serde_json::Value, b: &serde_json::Value, path: &mut String) -> Option<(String, String)> {
        use serde_json::Value;
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, v) in x {
                    let len = path.len();
                    path.push('.');
                    path.push_str(k);
                    if let Some(d) = first(v, y.get(k).unwrap_or(&Value::Null), path) {
                        return Some(d);
                    }
                    path.truncate(len);
                }
                y.keys().find(|k| !x.contains_key(*k)).map(|k| (format!("{path}.{k}"), "<absent>".to_owned()))
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                x.iter().zip(y).enumerate().find_map(|(i, (v, w))| {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    let d = first(v, w, path);
                    path.truncate(len);
                    d
                })
            }
            _ if a == b => None,
            _ => {
                let cut = |v: &Value| v.to_string().chars().take(80).collect::<String>();
                Some((path.clone(), format!("{} became {}", cut(a), cut(b))))
            }
        }
    }
    let (a, b) = (serde_json::to_value(a).unwrap_or_default(), serde_json::to_value(b).unwrap_or_default());
    let mut path = what.to_owned();
    match first(&a, &b, &mut path) {
        Some((p, d)) => (p.clone(), format!("{p}: {d}")),
        // Equal as JSON but not as Rust values: a float that serialises alike (NaN, -0.0).
        None => (what.to_owned(), format!("{what}: equal as JSON, different in memory")),
    }
}

/// How a fuzz run is carried out.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    pub iterations: u64,
    pub workers: usize,
    /// Where to save each distinct crash's mutant, if anywhere.
    pub crashes: Option<PathBuf>,
    /// A mutant slower than this is reported as slow.
    pub slow: Duration,
    /// Print each mutant's replay environment before it runs (to find the one that aborts the
    /// process: a stack overflow, running out of memory).
    pub trace: bool,
}

/// A distinct finding (a panic site or a round-trip difference), first seen with `seed`.
#[derive(Debug, Clone)]
pub struct Finding {
    pub key: String,
    pub message: String,
    pub seed: u64,
    pub file: PathBuf,
    pub mutations: Vec<String>,
    /// The environment that replays it.
    pub replay: String,
    pub count: u64,
    pub saved: Option<PathBuf>,
}

/// What a fuzz run found.
#[derive(Debug, Default)]
pub struct Report {
    pub tried: u64,
    pub trajectories: u64,
    pub elapsed: Duration,
    pub panics: BTreeMap<String, Finding>,
    pub mismatches: BTreeMap<String, Finding>,
    pub slow: Vec<(u64, PathBuf, Duration)>,
    /// Per format directory: mutants tried, and trajectories they read as.
    pub per_group: BTreeMap<String, (u64, u64)>,
}

impl Report {
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} mutants, {} trajectories read, {:.1} s; {} distinct panics, {} round-trip differences, {} slow mutants",
            self.tried,
            self.trajectories,
            self.elapsed.as_secs_f64(),
            self.panics.len(),
            self.mismatches.len(),
            self.slow.len()
        );
        for (g, (n, t)) in &self.per_group {
            let _ = writeln!(s, "  {g}: {n} mutants, {t} trajectories");
        }
        for (title, map) in [("panic", &self.panics), ("round trip", &self.mismatches)] {
            for f in map.values() {
                let _ = writeln!(
                    s,
                    "\n{title} at {} ({} times)\n  message: {}\n  first from {} with seed {:#018x} ({})\n  mutations: {}",
                    f.key,
                    f.count,
                    f.message.chars().take(600).collect::<String>(),
                    f.file.display(),
                    f.seed,
                    f.replay,
                    f.mutations.join("; ")
                );
                if let Some(p) = &f.saved {
                    let _ = writeln!(s, "  saved: {}", p.display());
                }
            }
        }
        for (seed, file, d) in self.slow.iter().take(20) {
            let _ = writeln!(s, "slow: {:.1} s for {} (seed {seed:#018x})", d.as_secs_f64(), file.display());
        }
        s
    }
}

/// One mutant of the corpus: which file and its bytes, fixed by `seed`.
pub fn make_mutant(corpus: &Corpus, seed: u64) -> (&CorpusFile, mutate::Mutant) {
    let mut rng = Rng::new(seed);
    // A format first (each is as likely as any other, however many fixtures it has), then a
    // file of it; trajectories are picked more often than the files around them.
    let file = loop {
        let group = rng.pick(&corpus.groups);
        let f = &corpus.files[*rng.pick(group)];
        if !f.readers.is_empty() && (f.readers.contains(&f.rel) || rng.chance(1, 3)) {
            break f;
        }
        if f.readers.is_empty() && rng.chance(1, 8) {
            break f;
        }
    };
    let m = mutate::mutate(&mut rng, &file.data);
    (file, m)
}

/// Where one mutant is: its file in the mirror, and the paths to discover.
struct Placed {
    paths: Vec<PathBuf>,
    target: PathBuf,
    original: PathBuf,
}

fn place(mirror: &Mirror, corpus: &Corpus, file: &CorpusFile, bytes: &[u8], seed: u64) -> std::io::Result<Placed> {
    let target = mirror.path(&file.rel);
    fs_err::remove_file(&target)?;
    fs_err::write(&target, bytes)?;
    let mut paths = vec![target.clone()];
    paths.extend(file.readers.iter().map(|r| mirror.path(r)).filter(|p| *p != target));
    // Sometimes the directory, so the walk and the batch logic see the mutant too.
    if file.small_dir && Rng::new(seed ^ 0x5555).chance(1, 6) {
        paths = vec![target.parent().map_or_else(|| target.clone(), Path::to_owned)];
    }
    Ok(Placed { paths, target, original: corpus.root.join(&file.rel) })
}

fn unplace(p: &Placed) {
    let _ = fs_err::remove_file(&p.target);
    let _ = link(&p.original, &p.target);
}

/// The outcome of one mutant.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<PipelineStats, PanicSite>,
    pub elapsed: Duration,
}

fn run_mutant(mirror: &Mirror, corpus: &Corpus, specs: &Specs, seed: u64) -> (PathBuf, mutate::Mutant, Outcome) {
    let (file, m) = make_mutant(corpus, seed);
    let start = Instant::now();
    let result = match place(mirror, corpus, file, &m.bytes, seed) {
        Ok(placed) => {
            let r = capture(|| pipeline(&placed.paths, specs));
            unplace(&placed);
            r
        }
        Err(e) => Err(PanicSite { location: "<harness>".into(), message: format!("could not write the mutant: {e}") }),
    };
    (file.rel.clone(), m, Outcome { result, elapsed: start.elapsed() })
}

fn save(dir: &Path, seed: u64, replay: &str, file: &Path, m: &mutate::Mutant, what: &str) -> Option<PathBuf> {
    fs_err::create_dir_all(dir).ok()?;
    let name = file.file_name()?.to_string_lossy().into_owned();
    let out = dir.join(format!("{seed:016x}-{name}"));
    fs_err::write(&out, &m.bytes).ok()?;
    let info = format!(
        "seed: {seed:#018x}\nfile: {}\nfinding: {what}\nmutations:\n  {}\nreplay: {replay} cargo test -p goalpost-fuzz -- --nocapture\n",
        file.display(),
        m.log.join("\n  ")
    );
    fs_err::write(dir.join(format!("{seed:016x}.txt")), info).ok()?;
    Some(out)
}

/// Runs `config.iterations` mutants on `config.workers` threads.
pub fn run(corpus: &Corpus, specs: &Specs, config: &Config) -> Report {
    let start = Instant::now();
    let report = Mutex::new(Report::default());
    let next = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..config.workers.max(1) {
            scope.spawn(|| {
                let Ok(mirror) = Mirror::new(corpus) else { return };
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= config.iterations {
                        break;
                    }
                    let seed = mutant_seed(config.seed, i);
                    if config.trace {
                        use std::io::Write as _;
                        let _ = writeln!(std::io::stderr(), "mutant {i}: {}", corpus.replay_env(seed));
                    }
                    let (rel, m, outcome) = run_mutant(&mirror, corpus, specs, seed);
                    let mut r = report.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    r.tried += 1;
                    let group: PathBuf =
                        rel.components().take(if rel.starts_with("fixtures/formats") { 3 } else { 2 }).collect();
                    let traj = outcome.result.as_ref().map_or(0, |s| s.trajectories as u64);
                    // `.eval` archives apart: they go through the zip-aware mutations.
                    let eval = if rel.extension().is_some_and(|e| e == "eval") { " (.eval)" } else { "" };
                    let g = r.per_group.entry(format!("{}{eval}", group.display())).or_default();
                    g.0 += 1;
                    g.1 += traj;
                    if outcome.elapsed > config.slow {
                        r.slow.push((seed, rel.clone(), outcome.elapsed));
                    }
                    let mut record = |map_is_panics: bool, key: String, message: String| {
                        let map = if map_is_panics { &mut r.panics } else { &mut r.mismatches };
                        if let Some(f) = map.get_mut(&key) {
                            f.count += 1;
                            return;
                        }
                        let saved = config
                            .crashes
                            .as_deref()
                            .and_then(|d| save(d, seed, &corpus.replay_env(seed), &rel, &m, &key));
                        map.insert(
                            key.clone(),
                            Finding {
                                key,
                                message,
                                seed,
                                file: rel.clone(),
                                mutations: m.log.clone(),
                                replay: corpus.replay_env(seed),
                                count: 1,
                                saved,
                            },
                        );
                    };
                    match outcome.result {
                        Ok(stats) => {
                            let n = stats.trajectories as u64;
                            for (key, detail) in stats.mismatches {
                                record(false, key, detail);
                            }
                            r.trajectories += n;
                        }
                        Err(site) => record(true, site.location, site.message),
                    }
                }
            });
        }
    });
    let mut report = report.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    report.slow.sort_by_key(|s| std::cmp::Reverse(s.2));
    report.elapsed = start.elapsed();
    report
}

/// Runs the mutant of one seed and says what happened (for replaying a finding).
pub fn replay(corpus: &Corpus, specs: &Specs, seed: u64, save_to: Option<&Path>) -> String {
    let Ok(mirror) = Mirror::new(corpus) else { return "could not build the mirror".into() };
    let (rel, m, outcome) = run_mutant(&mirror, corpus, specs, seed);
    if let Some(dir) = save_to {
        save(dir, seed, &corpus.replay_env(seed), &rel, &m, "replay");
    }
    let result = match &outcome.result {
        Ok(s) => format!(
            "no panic: {} inputs, {} trajectories, {} errors, round-trip differences: {:?}",
            s.inputs,
            s.trajectories,
            s.errors,
            s.mismatches.iter().map(|m| &m.1).collect::<BTreeSet<_>>()
        ),
        Err(p) => format!("panic at {}: {}", p.location, p.message),
    };
    format!("seed {seed:#018x}: {}\nmutations: {}\n{result}", rel.display(), m.log.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_located_and_the_thread_goes_on() {
        let r: Result<(), PanicSite> = capture(|| {
            let v: Vec<u8> = Vec::new();
            let i = v.len() + 3;
            let _ = v[i];
        });
        let site = r.unwrap_err();
        assert!(site.location.contains("src/lib.rs"), "{site:?}");
        assert!(site.message.contains("index out of bounds"), "{site:?}");
        assert_eq!(capture(|| 7), Ok(7));
    }
}

#[cfg(test)]
mod boundary_tests {
    #[test]
    fn a_panic_caught_at_a_trajectory_boundary_is_still_a_finding() {
        let got = super::capture(|| goalpost_trajectory::isolate::isolate(|| panic!("deep inside a reader")));
        let site = got.expect_err("the fuzzer sees panics that goalpost caught itself");
        assert!(site.message.contains("deep inside a reader"), "{site:?}");
        assert!(site.location.contains("lib.rs"), "{site:?}");
    }
}
