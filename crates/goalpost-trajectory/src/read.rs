use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::model::{Header, Origin, Record, Step, Trajectory};
use crate::{FORMAT_MAJOR, FORMAT_MINOR, FORMAT_NAME, IngestError, IngestWarning};

/// Bounds on what one trajectory may make the reader hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A longer line is an error for its trajectory (the line is skipped, not buffered).
    pub max_line_bytes: usize,
    /// More steps than this in one trajectory is an error for it.
    pub max_steps: usize,
    /// A file read whole (JSON formats, zip archives) larger than this is an error for it.
    pub max_file_bytes: u64,
    /// An archive (Inspect's `.eval`) whose entries expand past this in all is an error for it.
    pub max_unzipped_bytes: u64,
    /// An archive with more entries than this is an error for it.
    pub max_zip_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_line_bytes: 64 << 20,
            max_steps: 1_000_000,
            max_file_bytes: 512 << 20,
            max_unzipped_bytes: 2 << 30,
            max_zip_entries: 100_000,
        }
    }
}

/// Opens a canonical trajectory file for streaming.
pub fn read_file(path: &Path, limits: Limits) -> Result<TrajectoryReader<BufReader<fs_err::File>>, IngestError> {
    let file = fs_err::File::open(path).map_err(|e| IngestError::new(path, None, e.to_string()))?;
    Ok(TrajectoryReader::new(path, BufReader::with_capacity(1 << 16, file), limits))
}

/// The parts of one input, in file order, so that they can be read and graded on every core
/// while the file is read once, in order: a canonical file's trajectories ([`parts`]), or the
/// samples of an Inspect `.eval` archive (an item per entry, decompressed and parsed by
/// whichever thread reads it). Reading the parts one by one gives what reading the file gives.
pub struct Parts(PartsOf);

enum PartsOf {
    Lines(Box<LineParts>),
    Items(Box<dyn Iterator<Item = Part> + Send>),
}

impl Parts {
    /// Parts made by another reader (an archive's entries).
    pub(crate) fn items(items: Box<dyn Iterator<Item = Part> + Send>) -> Parts {
        Parts(PartsOf::Items(items))
    }
}

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            PartsOf::Lines(l) => l.fmt(f),
            PartsOf::Items(_) => f.write_str("Parts(items)"),
        }
    }
}

impl Iterator for Parts {
    type Item = Part;

    fn next(&mut self) -> Option<Part> {
        match &mut self.0 {
            PartsOf::Lines(l) => l.next(),
            PartsOf::Items(i) => i.next(),
        }
    }
}

/// Cuts a canonical file into the parts its trajectories make: each part starts at a line that
/// parses as a `header` record (the first part also holds any lines before the first header),
/// which is exactly where [`TrajectoryReader`] starts a trajectory, so reading the parts one by
/// one gives what reading the file gives, line numbers and content hashes included. Only a
/// line holding the bytes `header` is parsed here; the rest are only copied.
///
/// A line longer than the limit or a failed read ends the cutting: the last item is then a
/// reader of the rest of the file, from the start of the part that held it, as the whole-file
/// reader would read it.
#[derive(Debug)]
struct LineParts {
    path: PathBuf,
    /// Taken by the last part when the rest of the file is read whole.
    reader: Option<BufReader<fs_err::File>>,
    limits: Limits,
    /// Lines read so far, and bytes.
    line_no: u64,
    offset: u64,
    /// The part being gathered: its bytes, the line before it, and its offset in the file.
    cur: Vec<u8>,
    cur_after_line: u64,
    cur_offset: u64,
    line: Vec<u8>,
    done: bool,
}

/// One part of a file (see [`Parts`]).
#[derive(Debug)]
pub enum Part {
    /// A trajectory's lines (or the lines before the first header), after line `after_line`.
    Lines { after_line: u64, bytes: Vec<u8> },
    /// The rest of the file, read as the whole-file reader reads it.
    Rest(Box<TrajectoryReader<BufReader<fs_err::File>>>),
    /// One item, read where the part is read (an archive's entry, decompressed and parsed then).
    Item(Item),
}

/// See [`Part::Item`]: how to read one item, and about how many bytes reading it holds.
pub struct Item {
    len: usize,
    read: Box<dyn Fn() -> Result<crate::Trajectory, IngestError> + Send + Sync>,
}

impl Item {
    pub(crate) fn new(
        len: usize,
        read: impl Fn() -> Result<crate::Trajectory, IngestError> + Send + Sync + 'static,
    ) -> Item {
        Item { len, read: Box::new(read) }
    }

    /// An error found while listing the parts.
    pub(crate) fn error(e: IngestError) -> Item {
        Item::new(0, move || Err(e.clone()))
    }
}

impl std::fmt::Debug for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Item").field("len", &self.len).finish_non_exhaustive()
    }
}

impl Part {
    /// What reading this part gives (a `Rest` is streamed by the caller instead: here empty).
    pub fn read(&self, path: &Path, limits: Limits) -> Vec<Result<crate::Trajectory, IngestError>> {
        match self {
            Part::Lines { after_line, bytes } => {
                TrajectoryReader::after_line(path, std::io::Cursor::new(bytes.as_slice()), limits, *after_line)
                    .collect()
            }
            Part::Rest(_) => Vec::new(),
            Part::Item(item) => vec![(item.read)()],
        }
    }

    /// Bytes it holds in memory, or (an item) about how many reading it will hold.
    pub fn len(&self) -> usize {
        match self {
            Part::Lines { bytes, .. } => bytes.len(),
            Part::Rest(_) => 0,
            Part::Item(item) => item.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The parts of the canonical file at `path`.
pub fn parts(path: &Path, limits: Limits) -> Result<Parts, IngestError> {
    let file = fs_err::File::open(path).map_err(|e| IngestError::new(path, None, e.to_string()))?;
    Ok(Parts(PartsOf::Lines(Box::new(LineParts {
        path: path.to_owned(),
        reader: Some(BufReader::with_capacity(1 << 16, file)),
        limits,
        line_no: 0,
        offset: 0,
        cur: Vec::new(),
        cur_after_line: 0,
        cur_offset: 0,
        line: Vec::new(),
        done: false,
    }))))
}

impl LineParts {
    /// The rest of the file from the start of the current part, for the whole-file reader.
    fn rest(&mut self) -> Option<Part> {
        use std::io::{Seek, SeekFrom};
        self.done = true;
        // The file already open, wound back: a seek on an open regular file does not fail, and
        // no second open can find another file at the path.
        let mut reader = self.reader.take()?;
        reader.seek(SeekFrom::Start(self.cur_offset)).ok()?;
        Some(Part::Rest(Box::new(TrajectoryReader::after_line(&self.path, reader, self.limits, self.cur_after_line))))
    }
}

static HEADER_WORD: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"header"));

impl Iterator for LineParts {
    type Item = Part;

    fn next(&mut self) -> Option<Part> {
        if self.done {
            return None;
        }
        let limit = self.limits.max_line_bytes;
        loop {
            self.line.clear();
            let reader = self.reader.as_mut()?;
            let n = match reader.take(limit as u64 + 1).read_until(b'\n', &mut self.line) {
                Ok(n) => n,
                Err(_) => return self.rest(),
            };
            if n == 0 {
                self.done = true;
                return (!self.cur.is_empty())
                    .then(|| Part::Lines { after_line: self.cur_after_line, bytes: std::mem::take(&mut self.cur) });
            }
            if self.line.len() > limit && self.line.last() != Some(&b'\n') {
                return self.rest();
            }
            // A line whose type comes first (as goalpost writes it) is a header only if that
            // type says so (a record has one `type`); any other is parsed when it could be.
            let could = match leading_type(&self.line) {
                Some(ty) => ty == "header",
                None => HEADER_WORD.find(&self.line).is_some(),
            };
            let starts = could && matches!(parse_record(&self.line), Ok(Record::Header(_)));
            let (line_no, offset) = (self.line_no, self.offset);
            self.line_no += 1;
            self.offset += n as u64;
            if starts && !self.cur.is_empty() {
                let done = Part::Lines { after_line: self.cur_after_line, bytes: std::mem::take(&mut self.cur) };
                self.cur.extend_from_slice(&self.line);
                (self.cur_after_line, self.cur_offset) = (line_no, offset);
                return Some(done);
            }
            if self.cur.is_empty() {
                (self.cur_after_line, self.cur_offset) = (line_no, offset);
            }
            self.cur.extend_from_slice(&self.line);
        }
    }
}

/// Streams the trajectories of one canonical JSONL source, one at a time.
///
/// An error (bad JSON, wrong field, oversized line, step before any header) ends the
/// trajectory it occurs in: the reader yields the error and resumes at the next header, so
/// one bad line never costs the trajectories around it.
#[derive(Debug)]
pub struct TrajectoryReader<R> {
    path: PathBuf,
    reader: R,
    limits: Limits,
    line_no: u64,
    buf: Vec<u8>,
    /// A header already read that starts the next trajectory.
    pending: Option<Pending>,
    /// After an error: discard lines until the next header.
    skipping: bool,
    eof: bool,
    /// An error found while finishing the previous trajectory, reported next.
    deferred: Option<IngestError>,
}

#[derive(Debug)]
struct Pending {
    header: Header,
    line: u64,
    hash: ContentHash,
    bytes: u64,
    warnings: Vec<IngestWarning>,
}

/// A trajectory's content hash, made from its lines as they are read. Lines are gathered
/// into a buffer hashed 64 KiB at a time: blake3 hashes whole 1 KiB chunks many at once, and
/// line-sized updates would take its one-block-at-a-time path instead.
#[derive(Debug)]
struct ContentHash {
    hasher: blake3::Hasher,
    staged: Vec<u8>,
}

impl ContentHash {
    const STAGE: usize = 64 << 10;

    fn new() -> Self {
        Self { hasher: blake3::Hasher::new(), staged: Vec::new() }
    }

    fn update(&mut self, line: &[u8]) {
        if self.staged.len() + line.len() > Self::STAGE && !self.staged.is_empty() {
            self.hasher.update(&self.staged);
            self.staged.clear();
        }
        if line.len() >= Self::STAGE {
            self.hasher.update(line);
        } else {
            self.staged.extend_from_slice(line);
        }
    }

    fn finalize(mut self) -> String {
        self.hasher.update(&self.staged);
        self.hasher.finalize().to_hex().to_string()
    }
}

enum Line {
    Eof,
    Blank,
    Text,
}

impl<R: BufRead> TrajectoryReader<R> {
    pub fn new(path: impl Into<PathBuf>, reader: R, limits: Limits) -> Self {
        Self::after_line(path, reader, limits, 0)
    }

    /// A reader of lines that follow line `line_no` of `path` (a [`Part`] of it): lines are
    /// numbered as in the whole file.
    pub fn after_line(path: impl Into<PathBuf>, reader: R, limits: Limits, line_no: u64) -> Self {
        Self {
            path: path.into(),
            reader,
            limits,
            line_no,
            buf: Vec::new(),
            pending: None,
            skipping: false,
            eof: false,
            deferred: None,
        }
    }

    fn err(&self, message: impl Into<String>) -> IngestError {
        IngestError::new(&self.path, Some(self.line_no), message)
    }

    /// Reads the next line into `self.buf`, refusing to buffer more than the limit.
    fn read_line(&mut self) -> Result<Line, IngestError> {
        if self.eof {
            return Ok(Line::Eof);
        }
        self.buf.clear();
        let limit = self.limits.max_line_bytes;
        let n = (&mut self.reader).take(limit as u64 + 1).read_until(b'\n', &mut self.buf).map_err(|e| {
            self.eof = true;
            IngestError::new(&self.path, Some(self.line_no + 1), format!("read failed: {e}"))
        })?;
        if n == 0 {
            self.eof = true;
            return Ok(Line::Eof);
        }
        self.line_no += 1;
        if self.buf.len() > limit && self.buf.last() != Some(&b'\n') {
            // Drain the rest of the line without keeping it.
            loop {
                let (done, used) = {
                    let (path, line) = (&self.path, self.line_no);
                    let chunk = self
                        .reader
                        .fill_buf()
                        .map_err(|e| IngestError::new(path, Some(line), format!("read failed: {e}")))?;
                    if chunk.is_empty() {
                        (true, 0)
                    } else if let Some(i) = chunk.iter().position(|&b| b == b'\n') {
                        (true, i + 1)
                    } else {
                        (false, chunk.len())
                    }
                };
                self.reader.consume(used);
                if done {
                    break;
                }
            }
            self.buf.clear();
            return Err(self.err(format!("line longer than the limit of {limit} bytes")));
        }
        if self.buf.iter().all(u8::is_ascii_whitespace) {
            return Ok(Line::Blank);
        }
        Ok(Line::Text)
    }

    fn parse(&self) -> Result<Record, IngestError> {
        parse_record(&self.buf).map_err(|(field, message)| self.err(message).with_field(field))
    }

    fn start(&self, header: Header) -> Result<Pending, IngestError> {
        let mut warnings = Vec::new();
        check_version(&header.format).map_err(|m| self.err(m).with_field("format"))?.into_iter().for_each(|m| {
            warnings.push(IngestWarning { line: Some(self.line_no), field: Some("format".into()), message: m });
        });
        let mut hash = ContentHash::new();
        hash.update(&self.buf);
        Ok(Pending { header, line: self.line_no, hash, bytes: self.buf.len() as u64, warnings })
    }

    fn next_trajectory(&mut self) -> Option<Result<Trajectory, IngestError>> {
        let mut cur = match self.pending.take() {
            Some(p) => p,
            None => loop {
                match self.read_line() {
                    Ok(Line::Eof) => return None,
                    Ok(Line::Blank) => continue,
                    Err(e) => {
                        if self.skipping {
                            continue;
                        }
                        self.skipping = true;
                        return Some(Err(e));
                    }
                    Ok(Line::Text) => {}
                }
                match self.parse() {
                    Ok(Record::Header(h)) => match self.start(h) {
                        Ok(p) => {
                            self.skipping = false;
                            break p;
                        }
                        Err(e) => {
                            self.skipping = true;
                            return Some(Err(e));
                        }
                    },
                    _ if self.skipping => continue,
                    Ok(_) => {
                        self.skipping = true;
                        return Some(Err(self.err("expected a `header` record before any step")));
                    }
                    Err(e) => {
                        self.skipping = true;
                        return Some(Err(e));
                    }
                }
            },
        };
        let mut steps = Vec::new();
        let mut final_state = None;
        loop {
            match self.read_line() {
                Ok(Line::Eof) => break,
                Ok(Line::Blank) => continue,
                Ok(Line::Text) => {}
                Err(e) => {
                    self.skipping = true;
                    return Some(Err(e));
                }
            }
            let record = match self.parse() {
                Ok(r) => r,
                Err(e) => {
                    self.skipping = true;
                    return Some(Err(e));
                }
            };
            match record {
                Record::Header(h) => {
                    match self.start(h) {
                        Ok(p) => self.pending = Some(p),
                        Err(e) => {
                            // The finished trajectory is fine; the error belongs to the next one,
                            // whose header we cannot use: report it on the next call.
                            self.skipping = true;
                            self.pending = None;
                            let done = finish(&self.path, cur, steps, final_state);
                            self.deferred = Some(e);
                            return Some(Ok(done));
                        }
                    }
                    break;
                }
                Record::Final(f) => {
                    if final_state.is_some() {
                        self.skipping = true;
                        return Some(Err(self.err("a second `final` record; a trajectory has one")));
                    }
                    final_state = Some(f);
                }
                other => {
                    if final_state.is_some() {
                        self.skipping = true;
                        return Some(Err(self.err("a step after the `final` record")));
                    }
                    if steps.len() >= self.limits.max_steps {
                        self.skipping = true;
                        return Some(Err(
                            self.err(format!("more than {} steps in one trajectory", self.limits.max_steps))
                        ));
                    }
                    steps.push(Step { n: steps.len() as u32 + 1, line: self.line_no, record: other });
                }
            }
            cur.hash.update(&self.buf);
            cur.bytes += self.buf.len() as u64;
        }
        Some(Ok(finish(&self.path, cur, steps, final_state)))
    }
}

impl<R: BufRead> Iterator for TrajectoryReader<R> {
    type Item = Result<Trajectory, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.deferred.take() {
            return Some(Err(e));
        }
        self.next_trajectory()
    }
}

fn finish(path: &Path, cur: Pending, steps: Vec<Step>, final_state: Option<crate::FinalState>) -> Trajectory {
    Trajectory {
        header: cur.header,
        steps,
        final_state,
        origin: Origin { path: path.to_owned(), line: cur.line },
        content_hash: cur.hash.finalize(),
        bytes: cur.bytes,
        warnings: cur.warnings,
        embedded_scenario: None,
    }
}

/// Accepts `goalpost-trajectory/1.x`; a newer minor is a warning, anything else an error.
fn check_version(format: &str) -> Result<Option<String>, String> {
    let bad =
        || format!("unsupported format `{}`; this build reads `{FORMAT_NAME}/{FORMAT_MAJOR}.x`", format.escape_debug());
    let version = format.strip_prefix(FORMAT_NAME).and_then(|v| v.strip_prefix('/')).ok_or_else(bad)?;
    let (major, minor) = version.split_once('.').ok_or_else(bad)?;
    let (major, minor): (u32, u32) = (major.parse().map_err(|_| bad())?, minor.parse().map_err(|_| bad())?);
    if major != FORMAT_MAJOR {
        return Err(bad());
    }
    Ok((minor > FORMAT_MINOR).then(|| {
        format!("format minor version {major}.{minor} is newer than this build's {FORMAT_MAJOR}.{FORMAT_MINOR}; fields it added are rejected")
    }))
}

#[derive(Deserialize)]
struct TypeOnly<'a> {
    #[serde(borrow, rename = "type")]
    ty: Option<Cow<'a, str>>,
}

/// Parses one line: first its `type`, then the record of that type, so that an error names
/// the exact field (`exit_code`, `tests[2].outcome`) rather than the whole line.
fn parse_record(line: &[u8]) -> Result<Record, (String, String)> {
    // A line that starts with its plain `type` (as every writer of the format puts it) is
    // parsed once, straight into its record; anything else, and any line that fails, takes
    // the careful path below, which names what is wrong.
    if let Some(ty) = leading_type(line)
        && let Some(record) = parse_body(ty, line, false).and_then(Result::ok)
    {
        return Ok(record);
    }
    let tag: TypeOnly<'_> = serde_json::from_slice(line).map_err(|e| (String::new(), format!("invalid JSON: {e}")))?;
    let ty = tag.ty.ok_or_else(|| ("type".to_owned(), "missing field `type`".to_owned()))?;
    parse_body(&ty, line, true)
        .unwrap_or_else(|| Err(("type".to_owned(), format!("unknown record type `{}`", ty.escape_debug()))))
}

/// The tag of a line that begins `{"type":"<tag>"` (whitespace allowed where JSON allows it),
/// when the tag has no escapes.
fn leading_type(line: &[u8]) -> Option<&str> {
    let skip_ws = |s: &[u8]| -> usize { s.iter().take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')).count() };
    let mut s = line;
    s = &s[skip_ws(s)..];
    s = s.strip_prefix(b"{")?;
    s = &s[skip_ws(s)..];
    s = s.strip_prefix(b"\"type\"")?;
    s = &s[skip_ws(s)..];
    s = s.strip_prefix(b":")?;
    s = &s[skip_ws(s)..];
    s = s.strip_prefix(b"\"")?;
    let end = s.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
    if s[end] != b'"' {
        return None;
    }
    std::str::from_utf8(&s[..end]).ok()
}

/// The record of type `ty` in `line`; `None` for a type the format does not have. With
/// `named`, a line that does not parse is parsed again to name the field that is wrong.
fn parse_body(ty: &str, line: &[u8], named: bool) -> Option<Result<Record, (String, String)>> {
    fn body<T: DeserializeOwned>(line: &[u8], wrap: fn(T) -> Record, named: bool) -> Result<Record, (String, String)> {
        // The field path is tracked only to name what went wrong: a line that parses is parsed
        // once, without it; one that does not is parsed again to name the field.
        let mut de = serde_json::Deserializer::from_slice(line);
        match T::deserialize(skip_tag::SkipTag(&mut de)).and_then(|v| de.end().map(|()| v)) {
            Ok(value) => return Ok(wrap(value)),
            Err(e) if !named => return Err((String::new(), e.to_string())),
            Err(_) => {}
        }
        let mut de = serde_json::Deserializer::from_slice(line);
        let value: T = serde_path_to_error::deserialize(skip_tag::SkipTag(&mut de)).map_err(|e| {
            let mut path = e.path().to_string();
            let inner = e.into_inner();
            let msg = inner.to_string();
            // serde reports a missing field against the enclosing object.
            if let Some(missing) = msg.strip_prefix("missing field `").and_then(|m| m.split('`').next()) {
                path = if path == "." { missing.to_owned() } else { format!("{path}.{missing}") };
            }
            (path, strip_position(&msg))
        })?;
        Ok(wrap(value))
    }
    Some(match ty {
        "header" => body(line, Record::Header, named),
        "message" => body(line, Record::Message, named),
        "tool_call" => body(line, Record::ToolCall, named),
        "tool_result" => body(line, Record::ToolResult, named),
        "command" => body(line, Record::Command, named),
        "file_edit" => body(line, Record::FileEdit, named),
        "test_run" => body(line, Record::TestRun, named),
        "side_effect" => body(line, Record::SideEffect, named),
        "usage" => body(line, Record::Usage, named),
        "metric" => body(line, Record::Metric, named),
        "error" => body(line, Record::Error, named),
        "final" => body(line, Record::Final, named),
        _ => return None,
    })
}

/// serde_json appends "at line 1 column 57"; within one JSONL line the column is noise next
/// to the field path.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// A deserializer that hides the top-level `type` key from the record struct, so that the
/// structs can deny unknown fields while the line still carries its tag.
mod skip_tag {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};

    pub(super) struct SkipTag<D>(pub(super) D);

    impl<'de, D: Deserializer<'de>> Deserializer<'de> for SkipTag<D> {
        type Error = D::Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            self.0.deserialize_any(SkipVisitor(visitor))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.deserialize_struct(name, fields, SkipVisitor(visitor))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }

    struct SkipVisitor<V>(V);

    impl<'de, V: Visitor<'de>> Visitor<'de> for SkipVisitor<V> {
        type Value = V::Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.expecting(f)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            self.0.visit_map(SkipMap(map, false))
        }
    }

    /// The map, and whether its `type` key has been seen.
    struct SkipMap<A>(A, bool);

    /// A map key, borrowed from the line when it has no escapes (serde's own `Cow<str>`
    /// always copies).
    struct Key<'de>(Cow<'de, str>);

    impl<'de> de::Deserialize<'de> for Key<'de> {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct KeyVisitor;
            impl<'de> Visitor<'de> for KeyVisitor {
                type Value = Key<'de>;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a key")
                }

                fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Borrowed(v)))
                }

                fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(v.to_owned())))
                }

                fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(v)))
                }
            }
            d.deserialize_str(KeyVisitor)
        }
    }

    impl<'de, A: MapAccess<'de>> MapAccess<'de> for SkipMap<A> {
        type Error = A::Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
            loop {
                let Some(Key(key)) = self.0.next_key::<Key<'de>>()? else { return Ok(None) };
                if key == "type" {
                    // Two tags make a line whose type depends on the reader: refused, as the
                    // tag's own parse refuses it.
                    if std::mem::replace(&mut self.1, true) {
                        return Err(de::Error::duplicate_field("type"));
                    }
                    self.0.next_value::<de::IgnoredAny>()?;
                    continue;
                }
                // A key borrowed from the line when it has no escapes: no allocation per key.
                return match key {
                    Cow::Borrowed(k) => seed.deserialize(de::value::BorrowedStrDeserializer::new(k)).map(Some),
                    Cow::Owned(k) => {
                        let k: de::value::StringDeserializer<A::Error> = k.into_deserializer();
                        seed.deserialize(k).map(Some)
                    }
                };
            }
        }

        fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
            self.0.next_value_seed(seed)
        }
    }
}
