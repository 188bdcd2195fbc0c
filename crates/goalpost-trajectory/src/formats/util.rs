//! What every format reader needs: bounded reading, JSON with field paths, lenient typed
//! getters that turn a wrong type into a warning, and a [`Builder`] that numbers steps.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::model::{FinalState, Header, Origin, Record, SourceInfo, Step, Trajectory};
use crate::{IngestError, IngestWarning, Limits, format_tag};

/// Reads one item of a file that holds many (a sample, an instance, a trace) behind a panic
/// boundary: a reader bug that one item trips costs that item, not the file.
pub(crate) fn guarded<T>(
    path: &Path,
    what: impl FnOnce() -> String,
    read: impl FnOnce() -> Result<T, IngestError>,
) -> Result<T, IngestError> {
    crate::isolate::isolate(read).unwrap_or_else(|panic| Err(IngestError::reader_bug(path, &what(), &panic)))
}

/// Reads a whole file, refusing one larger than `limits.max_file_bytes`.
pub(crate) fn read_bounded(path: &Path, limits: &Limits) -> Result<Vec<u8>, IngestError> {
    let meta = fs_err::metadata(path).map_err(|e| IngestError::new(path, None, e.to_string()))?;
    if meta.len() > limits.max_file_bytes {
        return Err(IngestError::new(
            path,
            None,
            format!("file is {} bytes, over the limit of {}", meta.len(), limits.max_file_bytes),
        ));
    }
    fs_err::read(path).map_err(|e| IngestError::new(path, None, e.to_string()))
}

/// Parses one JSON document; an error names the line and the field path where it happened.
pub(crate) fn parse_json(path: &Path, bytes: &[u8]) -> Result<Value, IngestError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let line = (e.line() > 0).then_some(e.line() as u64);
        let msg = if e.is_eof() { format!("truncated JSON: {e}") } else { e.to_string() };
        IngestError::new(path, line, msg)
    })
}

/// The JSON values of a JSON Lines file, with their line numbers; blank lines are skipped.
/// A line longer than `limits.max_line_bytes` is an error (and is never buffered whole);
/// so is a line that is not JSON, which covers a file truncated mid-record.
pub(crate) fn json_lines(path: &Path, limits: &Limits) -> Result<JsonLines, IngestError> {
    let file = fs_err::File::open(path).map_err(|e| IngestError::new(path, None, e.to_string()))?;
    Ok(JsonLines {
        path: path.to_owned(),
        reader: BufReader::with_capacity(1 << 16, Box::new(file)),
        line: 0,
        max: limits.max_line_bytes,
        buf: Vec::new(),
        done: false,
    })
}

/// Same as [`json_lines`], over bytes already in memory (a zip entry, a test string).
pub(crate) fn json_lines_from(path: &Path, bytes: Vec<u8>, limits: &Limits) -> JsonLines {
    JsonLines {
        path: path.to_owned(),
        reader: BufReader::new(Box::new(std::io::Cursor::new(bytes))),
        line: 0,
        max: limits.max_line_bytes,
        buf: Vec::new(),
        done: false,
    }
}

/// Iterator of `(line number, value)`; stops after the first error.
pub(crate) struct JsonLines {
    path: PathBuf,
    reader: BufReader<Box<dyn Read + Send>>,
    line: u64,
    max: usize,
    buf: Vec<u8>,
    done: bool,
}

impl std::fmt::Debug for JsonLines {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLines").field("path", &self.path).field("line", &self.line).finish_non_exhaustive()
    }
}

impl Iterator for JsonLines {
    type Item = Result<(u64, Value), IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.buf.clear();
            self.line += 1;
            let n = match (&mut self.reader).take(self.max as u64 + 1).read_until(b'\n', &mut self.buf) {
                Ok(n) => n,
                Err(e) => {
                    self.done = true;
                    return Some(Err(IngestError::new(&self.path, Some(self.line), e.to_string())));
                }
            };
            if n == 0 {
                self.done = true;
                return None;
            }
            if self.buf.len() > self.max && self.buf.last() != Some(&b'\n') {
                self.done = true;
                return Some(Err(IngestError::new(
                    &self.path,
                    Some(self.line),
                    format!("line is longer than the limit of {} bytes", self.max),
                )));
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(match serde_json::from_slice(&self.buf) {
                Ok(v) => Ok((self.line, v)),
                Err(e) => {
                    self.done = true;
                    let msg = if e.is_eof() { format!("truncated record: {e}") } else { e.to_string() };
                    Err(IngestError::new(&self.path, Some(self.line), msg))
                }
            });
        }
        None
    }
}

/// The deepest nesting kept of JSON decoded out of a string (tool arguments): serde_json reads
/// at most 128 levels, and a canonical record puts such a value a few levels down, so a deeper
/// one would be written but could not be read back.
pub(crate) const MAX_EMBEDDED_DEPTH: usize = 64;

/// JSON encoded inside a string, decoded; `None` if it is not JSON or nests deeper than
/// [`MAX_EMBEDDED_DEPTH`] levels (the caller keeps the string as text).
pub(crate) fn embedded_json(s: &str) -> Option<Value> {
    let v: Value = serde_json::from_str(s).ok()?;
    let mut stack = vec![(&v, 1usize)];
    while let Some((x, d)) = stack.pop() {
        if d > MAX_EMBEDDED_DEPTH && (x.is_array() || x.is_object()) {
            return None;
        }
        match x {
            Value::Array(a) => stack.extend(a.iter().map(|y| (y, d + 1))),
            Value::Object(o) => stack.extend(o.values().map(|y| (y, d + 1))),
            _ => {}
        }
    }
    Some(v)
}

/// Most bytes of command or tool output kept in a record.
pub(crate) const MAX_OUTPUT: usize = 64 << 10;

/// At most [`MAX_OUTPUT`] bytes of `text`, cut at a char boundary and marked when cut.
pub(crate) fn cap(text: &str) -> String {
    if text.len() <= MAX_OUTPUT {
        return text.to_owned();
    }
    let mut end = MAX_OUTPUT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[truncated]", text.get(..end).unwrap_or_default())
}

/// `mcp__server__tool` → (`tool`, `server`); any other name is kept whole.
pub(crate) fn split_mcp(name: &str) -> (String, Option<String>) {
    match name.strip_prefix("mcp__").and_then(|rest| rest.split_once("__")) {
        Some((server, tool)) if !server.is_empty() && !tool.is_empty() => (tool.to_owned(), Some(server.to_owned())),
        _ => (name.to_owned(), None),
    }
}

/// What a JSON value is, as said in a wrong-type warning.
pub(crate) fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short hex digest of some bytes (trajectory content hashes).
pub(crate) fn hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// The parts of a header a reader knows; the format tag and source are filled in by
/// [`Builder::finish`].
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderParts {
    pub(crate) id: String,
    pub(crate) agent: String,
    pub(crate) agent_revision: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) scenario: Option<String>,
    pub(crate) attempt: Option<u32>,
    pub(crate) started_at: Option<String>,
    /// The directory the agent worked in, when the format records one.
    pub(crate) workspace: Option<String>,
}

/// Builds one canonical [`Trajectory`] from a foreign format: numbers steps in push order,
/// converts timestamps to seconds since the first one, and collects warnings.
#[derive(Debug)]
pub(crate) struct Builder {
    path: PathBuf,
    format: String,
    steps: Vec<Step>,
    warnings: Vec<IngestWarning>,
    t0: Option<f64>,
    last_elapsed: Option<f64>,
    max_steps: usize,
    too_many: bool,
}

impl Builder {
    /// `format` names the source format and its version as read (`claude-code/2.1.12`).
    pub(crate) fn new(path: &Path, format: impl Into<String>, limits: &Limits) -> Self {
        Self {
            path: path.to_owned(),
            format: format.into(),
            steps: Vec::new(),
            warnings: Vec::new(),
            t0: None,
            last_elapsed: None,
            max_steps: limits.max_steps,
            too_many: false,
        }
    }

    /// Appends a record; returns its step number. `line` is the source line (0 if none).
    pub(crate) fn push(&mut self, line: u64, record: Record) -> u32 {
        if self.steps.len() >= self.max_steps {
            self.too_many = true;
            return self.steps.len() as u32;
        }
        let n = self.steps.len() as u32 + 1;
        self.steps.push(Step { n, line, record });
        n
    }

    pub(crate) fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub(crate) fn steps_mut(&mut self) -> &mut [Step] {
        &mut self.steps
    }

    /// Records something odd that does not stop grading.
    pub(crate) fn warn(&mut self, line: Option<u64>, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        self.warnings.push(IngestWarning {
            line: line.filter(|l| *l > 0),
            field: (!field.is_empty()).then_some(field),
            message: message.into(),
        });
    }

    /// Seconds since the first time seen, from a timestamp in any form [`super::time`]
    /// accepts; remembered as the latest elapsed time. A timestamp that does not parse is a
    /// warning.
    pub(crate) fn elapsed_timestamp(&mut self, ts: Option<&str>, line: Option<u64>, field: &str) -> Option<f64> {
        let ts = ts?;
        match super::time::seconds(ts) {
            Some(s) => self.elapsed_epoch(Some(s)),
            None => {
                self.warn(line, field, format!("`{}` is not a timestamp", ts.escape_debug()));
                None
            }
        }
    }

    /// Seconds since the first time seen, from seconds since the Unix epoch.
    pub(crate) fn elapsed_epoch(&mut self, secs: Option<f64>) -> Option<f64> {
        let s = secs.filter(|s| s.is_finite())?;
        let e = (s - *self.t0.get_or_insert(s)).max(0.0);
        self.last_elapsed = Some(self.last_elapsed.map_or(e, |l| l.max(e)));
        Some(e)
    }

    /// The first time seen, as seconds since the Unix epoch.
    pub(crate) fn t0(&self) -> Option<f64> {
        self.t0
    }

    /// The latest elapsed time seen so far.
    pub(crate) fn last_elapsed(&self) -> Option<f64> {
        self.last_elapsed
    }

    /// A string at a JSON pointer; present but not a string is a warning.
    pub(crate) fn str<'a>(&mut self, v: &'a Value, ptr: &str, line: Option<u64>) -> Option<&'a str> {
        match v.pointer(ptr)? {
            Value::String(s) => Some(s),
            Value::Null => None,
            other => {
                self.wrong_type(line, ptr, "a string", other);
                None
            }
        }
    }

    /// An unsigned integer at a JSON pointer; present but not one is a warning.
    pub(crate) fn u64(&mut self, v: &Value, ptr: &str, line: Option<u64>) -> Option<u64> {
        match v.pointer(ptr)? {
            Value::Null => None,
            Value::Number(n) if n.as_u64().is_some() => n.as_u64(),
            Value::Number(n) if n.as_f64().is_some_and(|f| f >= 0.0 && f.fract() == 0.0) => {
                n.as_f64().map(|f| f as u64)
            }
            other => {
                self.wrong_type(line, ptr, "a non-negative integer", other);
                None
            }
        }
    }

    /// A signed integer at a JSON pointer; present but not one is a warning.
    pub(crate) fn i64(&mut self, v: &Value, ptr: &str, line: Option<u64>) -> Option<i64> {
        match v.pointer(ptr)? {
            Value::Null => None,
            Value::Number(n) if n.as_i64().is_some() => n.as_i64(),
            other => {
                self.wrong_type(line, ptr, "an integer", other);
                None
            }
        }
    }

    /// A number at a JSON pointer; present but not a finite number is a warning.
    pub(crate) fn f64(&mut self, v: &Value, ptr: &str, line: Option<u64>) -> Option<f64> {
        match v.pointer(ptr)? {
            Value::Null => None,
            Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
            other => {
                self.wrong_type(line, ptr, "a number", other);
                None
            }
        }
    }

    /// A boolean at a JSON pointer; present but not a boolean is a warning.
    pub(crate) fn bool(&mut self, v: &Value, ptr: &str, line: Option<u64>) -> Option<bool> {
        match v.pointer(ptr)? {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            other => {
                self.wrong_type(line, ptr, "a boolean", other);
                None
            }
        }
    }

    /// An array at a JSON pointer; present but not an array is a warning.
    pub(crate) fn array<'a>(&mut self, v: &'a Value, ptr: &str, line: Option<u64>) -> &'a [Value] {
        match v.pointer(ptr) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(a)) => a,
            Some(other) => {
                self.wrong_type(line, ptr, "an array", other);
                &[]
            }
        }
    }

    fn wrong_type(&mut self, line: Option<u64>, ptr: &str, expected: &str, got: &Value) {
        self.warn(line, pointer_to_field(ptr), format!("expected {expected}, found {}; ignored", json_type(got)));
    }

    /// The trajectory. `content` is what the trajectory was read from (hashed for its id).
    pub(crate) fn finish(
        mut self,
        header: HeaderParts,
        final_state: Option<FinalState>,
        content: &[u8],
        origin_line: u64,
    ) -> Result<Trajectory, IngestError> {
        if self.too_many {
            return Err(IngestError::new(
                &self.path,
                None,
                format!("more than {} steps in one trajectory", self.max_steps),
            ));
        }
        if header.id.is_empty() {
            self.warn(None, "", "the source names no id for this trajectory; its content hash is used");
        }
        let content_hash = hash(content);
        let id = if header.id.is_empty() { content_hash[..16].to_owned() } else { header.id };
        Ok(Trajectory {
            header: Header {
                format: format_tag(),
                id,
                agent: if header.agent.is_empty() { "unknown".to_owned() } else { header.agent },
                agent_revision: header.agent_revision,
                model: header.model,
                scenario: header.scenario,
                attempt: header.attempt.unwrap_or(1).max(1),
                started_at: header.started_at,
                source: Some(SourceInfo { format: self.format, path: self.path.display().to_string() }),
                workspace: header.workspace.filter(|w| w.starts_with('/')),
            },
            steps: self.steps,
            final_state,
            origin: Origin { path: self.path, line: origin_line },
            content_hash,
            bytes: content.len() as u64,
            warnings: self.warnings,
            embedded_scenario: None,
        })
    }
}

/// `/a/0/b` → `a[0].b`, the dotted form used in every diagnostic.
pub(crate) fn pointer_to_field(ptr: &str) -> String {
    let mut out = String::new();
    for part in ptr.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&part);
        }
    }
    out
}

/// Message content as text: a string, or the text parts of a content list.
pub(crate) fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| match p {
                Value::String(s) => Some(s.as_str()),
                _ => p.get("text").and_then(Value::as_str),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_on_one_item_is_that_items_error_and_says_it_is_a_bug() {
        let path = Path::new("log.eval");
        let items: Vec<Result<u32, IngestError>> = (0..3u32)
            .map(|i| {
                guarded(
                    path,
                    || format!("sample {i}"),
                    || {
                        let ids = ["a", "修"];
                        // Item 1 trips a bug: a byte index inside a multibyte character.
                        Ok(ids[i as usize % 2][usize::from(i == 1)..].len() as u32)
                    },
                )
            })
            .collect();
        assert_eq!(items[0].as_ref().ok(), Some(&1));
        assert_eq!(items[2].as_ref().ok(), Some(&1));
        let e = items[1].as_ref().unwrap_err();
        assert!(e.bug, "{e:?}");
        assert!(
            e.message.starts_with("the reader failed on sample 1: start byte index 1 is not a char boundary"),
            "{e}"
        );
        assert!(e.message.contains("a bug in goalpost"), "{e}");
        assert!(e.to_string().starts_with("log.eval: "), "{e}");
    }

    #[test]
    fn output_is_capped_at_a_char_boundary() {
        let long = "é".repeat(MAX_OUTPUT);
        let c = cap(&long);
        assert!(c.ends_with("…[truncated]"));
        assert!(c.len() <= MAX_OUTPUT + "…[truncated]".len());
        assert_eq!(cap("short"), "short");
    }

    #[test]
    fn mcp_names_split_into_tool_and_server() {
        assert_eq!(split_mcp("mcp__github__create_pr"), ("create_pr".to_owned(), Some("github".to_owned())));
        assert_eq!(split_mcp("mcp____x"), ("mcp____x".to_owned(), None));
        assert_eq!(split_mcp("bash_command"), ("bash_command".to_owned(), None));
    }

    #[test]
    fn pointers_become_dotted_fields() {
        assert_eq!(pointer_to_field("/message/usage/input_tokens"), "message.usage.input_tokens");
        assert_eq!(pointer_to_field("/samples/3/events/0/result"), "samples[3].events[0].result");
        assert_eq!(pointer_to_field("/a~1b"), "a/b");
    }

    #[test]
    fn wrong_types_are_warnings_not_values() {
        let mut b = Builder::new(Path::new("x.jsonl"), "test", &Limits::default());
        let v: Value = serde_json::json!({"n": "12", "ok": 3, "s": 5, "f": 1.5});
        assert_eq!(b.u64(&v, "/n", Some(4)), None);
        assert_eq!(b.bool(&v, "/ok", Some(4)), None);
        assert_eq!(b.str(&v, "/s", None), None);
        assert_eq!(b.f64(&v, "/f", None), Some(1.5));
        assert_eq!(b.u64(&v, "/missing", None), None);
        assert_eq!(b.warnings.len(), 3);
        assert_eq!(b.warnings[0].line, Some(4));
        assert_eq!(b.warnings[0].field.as_deref(), Some("n"));
        assert!(b.warnings[0].message.contains("found a string"), "{}", b.warnings[0].message);
    }

    #[test]
    fn json_lines_stop_at_an_oversized_or_truncated_line() {
        let limits = Limits { max_line_bytes: 16, ..Limits::default() };
        let items: Vec<_> =
            json_lines_from(Path::new("f.jsonl"), b"{\"a\":1}\n\n{\"b\":\"0123456789abcdef\"}\n{}\n".to_vec(), &limits)
                .collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].as_ref().unwrap().0, 1);
        let e = items[1].as_ref().unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("longer than"), "{e}");
        let items: Vec<_> =
            json_lines_from(Path::new("f.jsonl"), b"{\"a\":1}\n{\"b\":".to_vec(), &Limits::default()).collect();
        let e = items[1].as_ref().unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
    }

    #[test]
    fn elapsed_is_relative_to_the_first_timestamp() {
        let mut b = Builder::new(Path::new("x"), "test", &Limits::default());
        assert_eq!(b.elapsed_timestamp(Some("2025-01-01T00:00:10Z"), None, "ts"), Some(0.0));
        assert_eq!(b.elapsed_timestamp(Some("2025-01-01T00:01:10.5Z"), None, "ts"), Some(60.5));
        assert_eq!(b.elapsed_timestamp(Some("yesterday"), Some(2), "timestamp"), None);
        assert_eq!(b.last_elapsed(), Some(60.5));
        assert_eq!(b.warnings.len(), 1);
    }

    #[test]
    fn embedded_json_deeper_than_a_record_can_hold_stays_text() {
        let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(embedded_json(&deep(MAX_EMBEDDED_DEPTH)).map(|v| v.is_array()), Some(true));
        assert_eq!(embedded_json(&deep(MAX_EMBEDDED_DEPTH + 1)), None);
        assert_eq!(embedded_json("{\"a\": {\"b\": 1}}"), Some(serde_json::json!({"a": {"b": 1}})));
        assert_eq!(embedded_json("not json"), None);
    }
}
