//! The verdict cache: a run that meets an input it has graded before, with the same plan and
//! the same goalpost, takes that input's rows from here instead of reading and grading it.
//!
//! An entry is keyed by a blake3 of everything the rows depend on ([`key`]): the input's
//! path as the run names it (rows carry it), the content hash of its bytes and of every file
//! read with it (a SWE-bench report and test log), the plan (the hash of the scenarios, rubrics
//! and tool catalogs in force, and `--scenario`), goalpost's version and build (the program's size and modification time) and the results format.
//! Its value is the input's rows as `results.jsonl` lines, so a hit gives the same bytes as
//! grading would. Entries are written to a temporary file and renamed into place, so
//! concurrent runs and a killed run never leave half an entry (a torn or unreadable entry is a
//! miss, and is removed). The directory is bounded: [`VerdictCache::prune`] removes the least
//! recently used entries beyond its size.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::output::RowLines;
use crate::verdict::{ErrorKind, ErrorRow, Verdict};

/// The default bound of the cache directory, in bytes.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

/// One input's rows, as grading gave them (file order).
pub type Rows = Vec<Result<Verdict, ErrorRow>>;

/// The key of an input's rows: see the module's documentation. `files` are the content
/// hashes of the input and of every file read with it, in a fixed order; `plan` names the
/// plan in force.
pub fn key(path: &str, files: &[&str], plan: &str) -> String {
    let mut h = blake3::Hasher::new();
    for part in [env!("CARGO_PKG_VERSION"), build(), crate::manifest::RESULTS_FORMAT, plan, path] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    for f in files {
        h.update(&(f.len() as u64).to_le_bytes());
        h.update(f.as_bytes());
    }
    h.finalize().to_hex().to_string()
}

/// This build of goalpost: the running program's size and modification time. The version alone
/// does not tell two builds apart (a grader changed and rebuilt from source keeps its version),
/// and rows a different grader made must never be served. A program that cannot be named gets
/// an identity of its own process, so nothing is reused.
fn build() -> &'static str {
    static BUILD: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BUILD.get_or_init(|| {
        let stamp = std::env::current_exe().and_then(fs_err::metadata).ok().and_then(|m| {
            let modified = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
            Some(format!("{}:{}", m.len(), modified.as_nanos()))
        });
        stamp.unwrap_or_else(|| format!("process:{}:{:?}", std::process::id(), std::time::SystemTime::now()))
    })
}

/// A cache directory, and the key of each input of this run (by the input's path).
#[derive(Debug)]
pub struct VerdictCache {
    dir: PathBuf,
    max_bytes: u64,
    keys: std::collections::HashMap<PathBuf, String>,
    hits: std::sync::atomic::AtomicUsize,
}

impl VerdictCache {
    /// The cache in `dir` (created if need be), bounded to `max_bytes`, knowing each input's
    /// key.
    pub fn open(
        dir: &Path,
        max_bytes: u64,
        keys: impl IntoIterator<Item = (PathBuf, String)>,
    ) -> std::io::Result<VerdictCache> {
        fs_err::create_dir_all(dir)?;
        Ok(VerdictCache { dir: dir.to_owned(), max_bytes, keys: keys.into_iter().collect(), hits: Default::default() })
    }

    /// Where the cache lives.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Inputs whose rows came from the cache so far.
    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn entry(&self, key: &str) -> PathBuf {
        // Keys are hex made here, never text from an input.
        self.dir.join(&key[..2]).join(format!("{key}.jsonl"))
    }

    /// Hands the rows of `input` to `emit` (as the lines they were written as, unparsed), a
    /// batch at a time, when the cache has them whole; `false` (and nothing handed) when it
    /// does not. The entry is checked before any row is handed out (its row count and the
    /// blake3 of its rows), so a torn or damaged entry gives nothing, and is removed.
    pub fn replay(&self, input: &Path, mut emit: impl FnMut(RowLines)) -> bool {
        let Some(key) = self.keys.get(input) else { return false };
        let path = self.entry(key);
        let Ok(mut file) = fs_err::File::open(&path) else { return false };
        // An entry of ordinary size is read once and checked in memory; a larger one is
        // checked, then read again a batch at a time, so memory never holds a large file's rows.
        let meta = file.metadata().ok();
        let small = meta.as_ref().is_some_and(|m| m.len() <= WHOLE_ENTRY_BYTES);
        // Used within the hour: pruning keeps it already (an inode written on every hit of a
        // nightly re-run is what this saves).
        let fresh =
            meta.and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok()).is_some_and(|age| age < TOUCH_AFTER);
        let damaged = if small {
            let mut bytes = Vec::new();
            let rows = match std::io::Read::read_to_end(&mut file, &mut bytes) {
                Ok(_) => whole_entry(bytes),
                Err(_) => None,
            };
            let Some(rows) = rows else {
                let _ = fs_err::remove_file(&path);
                return false;
            };
            emit(rows);
            false
        } else {
            let open = || fs_err::File::open(&path).ok().map(|f| std::io::BufReader::with_capacity(1 << 16, f));
            // Entries are replaced by rename, never written in place, so the file opened
            // again is the one checked.
            if !open().is_some_and(|mut r| check_entry(&mut r)) {
                let _ = fs_err::remove_file(&path);
                return false;
            }
            let Some(mut r) = open() else { return false };
            emit_rows(input, &path, &mut r, &mut emit)
        };
        if damaged {
            let _ = fs_err::remove_file(&path);
        } else if !fresh {
            // Recently used: pruning keeps it (set through the handle it was read by).
            let _ = file.file().set_modified(std::time::SystemTime::now());
        }
        self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        true
    }

    /// The rows of `input`, when the cache has them.
    #[cfg(test)]
    fn get(&self, input: &Path) -> Option<Rows> {
        let mut rows = Vec::new();
        self.replay(input, |batch| rows.extend(batch.rows(input))).then_some(rows)
    }

    /// A writer of the entry for `input`'s rows, fed as they are graded and committed when the
    /// input is done; `None` when the input has no key or the entry cannot be started (the
    /// cache only saves time).
    pub fn writer(&self, input: &Path) -> Option<EntryWriter> {
        let key = self.keys.get(input)?;
        let path = self.entry(key);
        let parent = path.parent()?;
        fs_err::create_dir_all(parent).ok()?;
        let tmp = tempfile::NamedTempFile::new_in(parent).ok()?;
        let mut w = EntryWriter { out: Some(std::io::BufWriter::new(tmp)), path, rows: 0, hash: blake3::Hasher::new() };
        w.write(crate::output::header_line().as_bytes());
        Some(w)
    }

    /// Keeps the rows of `input` (see [`EntryWriter`]).
    #[cfg(test)]
    fn put(&self, input: &Path, rows: &[Result<Verdict, ErrorRow>]) {
        if let Some(mut w) = self.writer(input) {
            let grader = rows.iter().any(|r| matches!(r, Err(e) if e.kind == ErrorKind::Grader));
            w.push(&RowLines::of(rows), grader);
            w.commit();
        }
    }

    /// Removes the least recently used entries until the directory holds at most its bound;
    /// returns how many it removed. Temporary files older than an hour (a killed run's) go too.
    pub fn prune(&self) -> usize {
        let mut entries = Vec::new();
        let mut total = 0u64;
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let mut removed = 0;
        for shard in fs_err::read_dir(&self.dir).into_iter().flatten().flatten() {
            for e in fs_err::read_dir(shard.path()).into_iter().flatten().flatten() {
                let Ok(meta) = e.metadata() else { continue };
                let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                let name = e.file_name();
                if !name.to_string_lossy().ends_with(".jsonl") {
                    if modified < hour_ago && fs_err::remove_file(e.path()).is_ok() {
                        removed += 1;
                    }
                    continue;
                }
                total += meta.len();
                entries.push((modified, meta.len(), e.path()));
            }
        }
        entries.sort();
        for (_, len, path) in entries {
            if total <= self.max_bytes {
                break;
            }
            if fs_err::remove_file(&path).is_ok() {
                total -= len;
                removed += 1;
            }
        }
        removed
    }
}

/// A hit marks its entry used only when it was last marked longer ago than this.
const TOUCH_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Rows a replayed entry hands out at a time.
const REPLAY_BATCH: usize = 256;

/// An entry up to this size is read whole and checked in memory.
const WHOLE_ENTRY_BYTES: u64 = 8 << 20;

/// The rows of a whole entry read into memory, when it checks (see [`check_entry`]).
fn whole_entry(mut bytes: Vec<u8>) -> Option<RowLines> {
    let header = crate::output::header_line();
    let body = bytes.strip_prefix(header.as_bytes())?;
    // The trailer is the last line; every row before it ends with its newline.
    let trailer_at = body.strip_suffix(b"\n")?.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let (rows, trailer) = body.split_at(trailer_at);
    let (count, hash) = trailer_of(trailer)?;
    if blake3::hash(rows).to_hex().as_str() != hash {
        return None;
    }
    bytes.truncate(header.len() + trailer_at);
    bytes.drain(..header.len());
    let lines = RowLines::from_text(bytes)?;
    (lines.len() == count).then_some(lines)
}

/// `#rows N HASH` (with its newline): the count and blake3 of an entry's rows.
fn trailer_of(line: &[u8]) -> Option<(usize, &str)> {
    let rest = std::str::from_utf8(line.strip_prefix(b"#rows ")?.strip_suffix(b"\n")?).ok()?;
    let (count, hash) = rest.split_once(' ')?;
    Some((count.parse().ok()?, hash))
}

/// Hands out the rows of a checked entry; whether one was damaged. A row that is not a
/// results line (a damaged disk between the check and the read) stays a row: a grader error in
/// its place, never a gap in the counts.
fn emit_rows(input: &Path, path: &Path, r: &mut impl std::io::BufRead, emit: &mut impl FnMut(RowLines)) -> bool {
    let mut line = Vec::new();
    let _ = r.read_until(b'\n', &mut line);
    let (mut batch, mut count, mut damaged) = (Vec::new(), 0, false);
    let flush = |batch: &mut Vec<u8>, emit: &mut dyn FnMut(RowLines)| -> bool {
        match RowLines::from_text(std::mem::take(batch)) {
            Some(lines) => {
                emit(lines);
                true
            }
            None => {
                emit(RowLines::of(&[Err(damaged_row(input, path))]));
                false
            }
        }
    };
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) => break,
            // Rows past a failed read would be lost without a trace: the entry is damaged.
            Err(_) => {
                damaged = true;
                break;
            }
            Ok(_) => {}
        }
        if line.starts_with(b"#rows ") {
            break;
        }
        batch.extend_from_slice(&line);
        count += 1;
        if count == REPLAY_BATCH {
            damaged |= !flush(&mut batch, emit);
            count = 0;
        }
    }
    if !batch.is_empty() {
        damaged |= !flush(&mut batch, emit);
    }
    if damaged {
        emit(RowLines::of(&[Err(damaged_row(input, path))]));
    }
    damaged
}

/// The grader error in place of a cached row that could not be read.
fn damaged_row(input: &Path, path: &Path) -> ErrorRow {
    ErrorRow {
        kind: ErrorKind::Grader,
        file: input.display().to_string(),
        line: None,
        field: None,
        trajectory: None,
        message: format!(
            "a row of this input's verdict cache entry `{}` is damaged; it was removed: run again (or with --no-cache)",
            path.display()
        ),
    }
}

/// Whether an entry is whole: the results header, then rows, then `#rows N HASH` with N the
/// number of rows and HASH the blake3 of their bytes, and nothing after it.
fn check_entry(r: &mut impl std::io::BufRead) -> bool {
    let mut line = Vec::new();
    if r.read_until(b'\n', &mut line).is_err() || line != crate::output::header_line().as_bytes() {
        return false;
    }
    let (mut rows, mut hash, mut trailer) = (0usize, blake3::Hasher::new(), None);
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(_) => return false,
        }
        if trailer.is_some() {
            return false;
        }
        if line.starts_with(b"#rows ") {
            trailer = Some(std::mem::take(&mut line));
        } else {
            hash.update(&line);
            rows += 1;
        }
    }
    trailer.as_deref().and_then(trailer_of) == Some((rows, hash.finalize().to_hex().as_str()))
}

/// One input's entry being written, in a temporary file beside where it goes. Rows with a
/// grader error are not kept (a bug, fixed in a later version, would otherwise outlive its fix
/// within this one): one makes the entry abandoned. A failure to write abandons it too.
#[derive(Debug)]
pub struct EntryWriter {
    out: Option<std::io::BufWriter<tempfile::NamedTempFile>>,
    path: PathBuf,
    rows: usize,
    /// Of the rows' bytes, for the trailer.
    hash: blake3::Hasher,
}

impl EntryWriter {
    fn write(&mut self, bytes: &[u8]) {
        if let Some(out) = &mut self.out
            && out.write_all(bytes).is_err()
        {
            self.out = None;
        }
    }

    /// The next rows of the input, in file order; `grader`: whether one is a grader error.
    pub fn push(&mut self, rows: &RowLines, grader: bool) {
        if grader {
            self.out = None;
        }
        if self.out.is_none() {
            return;
        }
        self.write(rows.text());
        self.hash.update(rows.text());
        self.rows += rows.len();
    }

    /// Puts the entry in place, whole: the rows, then their count.
    pub fn commit(mut self) {
        let count = format!("#rows {} {}\n", self.rows, self.hash.finalize().to_hex());
        self.write(count.as_bytes());
        let Some(out) = self.out.take() else { return };
        if let Ok(tmp) = out.into_inner() {
            let _ = tmp.persist(&self.path);
        }
    }
}

/// What a file's metadata says of its bytes: the same stamp, the same bytes (the file was not
/// written since), as git's index and build caches judge it. The change time is in it, which
/// no program can set back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Stamp {
    len: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    ino: u64,
    dev: u64,
}

impl Stamp {
    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt as _;
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        let stamp = Stamp {
            len: meta.len(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
            dev: meta.dev(),
        };
        // A file written in the last two seconds may be written again within its clock's tick:
        // its stamp says nothing yet.
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos() as i128;
        (now - stamp.mtime_ns.max(stamp.ctime_ns) > 2_000_000_000).then_some(stamp)
    }

    #[cfg(not(unix))]
    fn of(_meta: &std::fs::Metadata) -> Option<Stamp> {
        None
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Memo {
    path: String,
    stamp: Stamp,
    blake3: String,
}

/// Content hashes of the files a run reads, remembered by their stamp (`files.jsonl` in the
/// cache directory), so that a re-run of an unchanged corpus reads none of its bytes to name
/// them. A file whose stamp changed, or that was written in the last seconds, is hashed.
#[derive(Debug, Default)]
pub struct FileHashes {
    path: Option<PathBuf>,
    known: std::collections::HashMap<String, (Stamp, String)>,
    seen: std::sync::Mutex<std::collections::BTreeMap<String, (Stamp, String)>>,
}

/// The blake3 of a file, read in chunks of 16 MiB, each large one hashed on every core.
fn hash_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    let mut f = fs_err::File::open(path)?;
    let mut h = blake3::Hasher::new();
    // No larger than the file: most are small, and a buffer is zeroed when it is made.
    let len = f.metadata()?.len();
    let mut buf = vec![0u8; usize::try_from(len.clamp(1, 16 << 20)).unwrap_or(16 << 20)];
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            match f.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if filled == 0 {
            break;
        }
        // Every core for a large chunk; a small file is hashed on its thread (the run hashes
        // many files at once, and splitting 200 KB costs more than it saves).
        if filled >= 4 << 20 {
            h.update_rayon(&buf[..filled]);
        } else {
            h.update(&buf[..filled]);
        }
        if filled < buf.len() {
            break;
        }
    }
    Ok(h.finalize().to_hex().to_string())
}

/// At most this many files are remembered.
const MAX_MEMOS: usize = 100_000;

impl FileHashes {
    /// No memory: every file is hashed.
    pub fn none() -> FileHashes {
        FileHashes::default()
    }

    /// The hashes remembered in the cache directory `dir` (none when it has none, or when
    /// its file does not read).
    pub fn load(dir: &Path) -> FileHashes {
        let path = dir.join("files.jsonl");
        let known = fs_err::read_to_string(&path)
            .map(|text| {
                text.lines()
                    .filter_map(|l| serde_json::from_str::<Memo>(l).ok())
                    .map(|m| (m.path, (m.stamp, m.blake3)))
                    .collect()
            })
            .unwrap_or_default();
        FileHashes { path: Some(path), known, seen: Default::default() }
    }

    /// The size and blake3 of `path` (`(0, "")` when it cannot be read).
    pub fn hash(&self, path: &Path) -> (u64, String) {
        let key = path.display().to_string();
        let stamp = self.path.as_ref().and_then(|_| fs_err::metadata(path).ok()).and_then(|m| Stamp::of(&m));
        if let Some(s) = stamp
            && let Some((known, hash)) = self.known.get(&key)
            && *known == s
        {
            self.remember(key, s, hash.clone());
            return (s.len, hash.clone());
        }
        let hashed = match hash_file(path) {
            Ok(h) => (fs_err::metadata(path).map(|m| m.len()).unwrap_or(0), h),
            Err(_) => return (0, String::new()),
        };
        // Remembered only when the file did not change while it was read.
        if let Some(s) = stamp
            && fs_err::metadata(path).ok().and_then(|m| Stamp::of(&m)) == Some(s)
        {
            self.remember(key, s, hashed.1.clone());
        }
        hashed
    }

    fn remember(&self, key: String, stamp: Stamp, hash: String) {
        self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key, (stamp, hash));
    }

    /// Writes what this run saw, then what was known before and not seen (up to a bound),
    /// atomically; a failure only costs a later run the hashing.
    pub fn save(&self) {
        let Some(path) = &self.path else { return };
        let seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut text = String::new();
        let line = |text: &mut String, path: &str, (stamp, hash): &(Stamp, String)| {
            let memo = Memo { path: path.to_owned(), stamp: *stamp, blake3: hash.clone() };
            if let Ok(l) = serde_json::to_string(&memo) {
                text.push_str(&l);
                text.push('\n');
            }
        };
        for (p, v) in seen.iter() {
            line(&mut text, p, v);
        }
        let mut old: Vec<(&String, &(Stamp, String))> =
            self.known.iter().filter(|(p, _)| !seen.contains_key(*p)).collect();
        old.sort_by(|a, b| a.0.cmp(b.0));
        for (p, v) in old.into_iter().take(MAX_MEMOS.saturating_sub(seen.len())) {
            line(&mut text, p, v);
        }
        let Some(dir) = path.parent() else { return };
        if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir)
            && tmp.write_all(text.as_bytes()).is_ok()
        {
            let _ = tmp.persist(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replayed_entry_is_touched_and_a_damaged_or_torn_one_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let (input, key) = (Path::new("in.jsonl"), "ab".repeat(32));
        let cache = VerdictCache::open(dir.path(), u64::MAX, [(input.to_owned(), key.clone())]).unwrap();
        let row = |n: u64| ErrorRow {
            kind: ErrorKind::Input,
            file: "in.jsonl".into(),
            line: Some(n),
            field: Some("steps".into()),
            trajectory: None,
            message: format!("bad line {n} \u{202e}"),
        };
        let rows: Rows = (1..=3).map(|n| Err(row(n))).collect();
        cache.put(input, &rows);
        let entry = cache.entry(&key);
        let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
        fs_err::File::options().append(true).open(&entry).unwrap().set_modified(day_ago).unwrap();
        assert_eq!(cache.get(input), Some(rows.clone()));
        let touched = fs_err::metadata(&entry).unwrap().modified().unwrap();
        assert!(touched > day_ago + std::time::Duration::from_secs(3600), "a hit is recently used");
        // Marked used minutes ago: a hit leaves it as it is (no inode written on every hit).
        let minutes_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
        fs_err::File::options().append(true).open(&entry).unwrap().set_modified(minutes_ago).unwrap();
        assert_eq!(cache.get(input), Some(rows.clone()));
        assert_eq!(fs_err::metadata(&entry).unwrap().modified().unwrap(), minutes_ago);

        // The second row damaged, the entry still whole: a miss (graded again), and removed.
        let text = fs_err::read_to_string(&entry).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines[2] = "{\"type\":\"error\",\"file\":";
        fs_err::write(&entry, lines.join("\n") + "\n").unwrap();
        assert_eq!(cache.get(input), None);
        assert!(!entry.exists(), "a damaged entry is removed");
        // A torn one (its count gone) is a miss.
        cache.put(input, &rows);
        let text = fs_err::read_to_string(&entry).unwrap();
        fs_err::write(&entry, &text[..text.rfind("#rows").unwrap()]).unwrap();
        assert_eq!(cache.get(input), None);
        assert!(!entry.exists());
        // A row changed but still a row (a flipped bit): its hash no longer matches, a miss.
        cache.put(input, &rows);
        let text = fs_err::read_to_string(&entry).unwrap();
        fs_err::write(&entry, text.replacen("bad line 2", "bad line 9", 1)).unwrap();
        assert_eq!(cache.get(input), None);
        assert!(!entry.exists());
    }

    #[test]
    fn an_entry_larger_than_is_read_whole_is_checked_and_replayed_in_batches() {
        let dir = tempfile::tempdir().unwrap();
        let (input, key) = (Path::new("big.jsonl"), "cd".repeat(32));
        let cache = VerdictCache::open(dir.path(), u64::MAX, [(input.to_owned(), key.clone())]).unwrap();
        let message = "x".repeat(1000);
        let rows: Rows = (1..=9_000)
            .map(|n| {
                Err(ErrorRow {
                    kind: ErrorKind::Input,
                    file: "big.jsonl".into(),
                    line: Some(n),
                    field: None,
                    trajectory: None,
                    message: message.clone(),
                })
            })
            .collect();
        cache.put(input, &rows);
        let entry = cache.entry(&key);
        assert!(fs_err::metadata(&entry).unwrap().len() > WHOLE_ENTRY_BYTES);
        let mut batches = 0;
        let mut got = Vec::new();
        assert!(cache.replay(input, |b| {
            batches += 1;
            got.extend(b.rows(input));
        }));
        assert_eq!(got, rows);
        assert_eq!(batches, 9_000usize.div_ceil(REPLAY_BATCH));
        // One byte of one row changed: the check before any row is handed out fails.
        let mut bytes = fs_err::read(&entry).unwrap();
        let at = bytes.len() / 2 + bytes[bytes.len() / 2..].iter().position(|&b| b == b'x').unwrap();
        bytes[at] = b'y';
        fs_err::write(&entry, &bytes).unwrap();
        assert!(!cache.replay(input, |_| panic!("nothing is handed out")));
        assert!(!entry.exists());
    }

    #[test]
    fn a_remembered_hash_is_used_only_while_the_stamp_is_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.jsonl");
        fs_err::write(&file, "{}\n").unwrap();
        let right = blake3::hash(b"{}\n").to_hex().to_string();
        // A memo that names the file with another stamp (another length): not believed.
        let meta = fs_err::metadata(&file).unwrap();
        let stale = Memo {
            path: file.display().to_string(),
            stamp: Stamp { len: meta.len() + 1, mtime_ns: 0, ctime_ns: 0, ino: 0, dev: 0 },
            blake3: "0".repeat(64),
        };
        fs_err::write(dir.path().join("files.jsonl"), serde_json::to_string(&stale).unwrap() + "\n").unwrap();
        let hashes = FileHashes::load(dir.path());
        assert_eq!(hashes.hash(&file), (3, right.clone()));
        // A file written just now is not remembered: its stamp may not change with its bytes.
        hashes.save();
        let saved = fs_err::read_to_string(dir.path().join("files.jsonl")).unwrap();
        assert!(!saved.contains(&right), "{saved}");
        assert_eq!(FileHashes::none().hash(&dir.path().join("missing")), (0, String::new()));
    }
}
