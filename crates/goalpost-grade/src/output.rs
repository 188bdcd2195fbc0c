//! Results on disk: `results.jsonl` (one verdict or error per line) and `results.csv`.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::manifest::RESULTS_FORMAT;

use crate::verdict::{ErrorRow, Status, Verdict};

/// One line of `results.jsonl`, and of `results.partial.jsonl` while a run grades (the same
/// rows, so anything that reads results reads a partial run). The first line is a header
/// naming the format; then verdicts and errors, each tagged with its `type`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResultRow {
    Header { format: String },
    Verdict(Box<Verdict>),
    Error(ErrorRow),
}

/// Read as its derived twin ([`Tagged`]) would read it, but in one pass when `type` comes
/// first (as goalpost writes it): the rest of the object goes straight to the verdict or
/// error, where the derived form buffers the whole row first to find its tag.
impl<'de> Deserialize<'de> for ResultRow {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(RowVisitor)
    }
}

/// The derived form of [`ResultRow`]'s reading: for a row whose `type` is not its first key.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Tagged {
    Header { format: String },
    Verdict(Box<Verdict>),
    Error(ErrorRow),
}

struct RowVisitor;

impl<'de> serde::de::Visitor<'de> for RowVisitor {
    type Value = ResultRow;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a results row: an object with a `type`")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<ResultRow, A::Error> {
        use serde::de::{Error as _, value::MapAccessDeserializer};
        let Some(first) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
            return Err(A::Error::missing_field("type"));
        };
        if first != "type" {
            let mut obj = serde_json::Map::new();
            obj.insert(first.into_owned(), map.next_value()?);
            while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                obj.insert(k, v);
            }
            return Ok(match Tagged::deserialize(serde_json::Value::Object(obj)).map_err(A::Error::custom)? {
                Tagged::Header { format } => ResultRow::Header { format },
                Tagged::Verdict(v) => ResultRow::Verdict(v),
                Tagged::Error(e) => ResultRow::Error(e),
            });
        }
        let ty = map.next_value::<std::borrow::Cow<'de, str>>()?;
        let rest = MapAccessDeserializer::new(map);
        match &*ty {
            "verdict" => Ok(ResultRow::Verdict(Box::new(Verdict::deserialize(rest)?))),
            "error" => Ok(ResultRow::Error(ErrorRow::deserialize(rest)?)),
            "header" => {
                #[derive(Deserialize)]
                struct Header {
                    format: String,
                }
                Ok(ResultRow::Header { format: Header::deserialize(rest)?.format })
            }
            other => Err(A::Error::unknown_variant(other, &["header", "verdict", "error"])),
        }
    }
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line<'a> {
    Header { format: &'a str },
    Verdict(&'a Verdict),
    Error(&'a ErrorRow),
}

/// The header line of a results file, with its newline.
pub fn header_line() -> String {
    line(&Line::Header { format: RESULTS_FORMAT })
}

/// One result as a line of a results file, with its newline.
pub fn row_line(row: Result<&Verdict, &ErrorRow>) -> String {
    match row {
        Ok(v) => line(&Line::Verdict(v)),
        Err(e) => line(&Line::Error(e)),
    }
}

/// A batch of one input's rows as `results.jsonl` lines (file order), made once and handed as
/// they are to the partial results file and to the verdict cache; a cached entry's lines are
/// handed on without being parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowLines {
    text: Vec<u8>,
    /// Each line's length (newline included) and whether it is an error row.
    rows: Vec<(u32, bool)>,
}

impl RowLines {
    /// The lines of `rows`.
    pub fn of(rows: &[crate::Row]) -> RowLines {
        let mut out = RowLines::default();
        for r in rows {
            out.push(row_line(r.as_ref()).as_bytes(), r.is_err());
        }
        out
    }

    /// Lines exactly as [`row_line`] writes them, one after another: each verdict or error row
    /// is told apart by its leading `type` (an error row begins `{"type":"error"`); `None` when
    /// a line is not one of them (nor may a line be longer than 4 GiB).
    pub fn from_text(text: Vec<u8>) -> Option<RowLines> {
        let mut rows = Vec::new();
        for line in text.split_inclusive(|&b| b == b'\n') {
            let error = if line.starts_with(b"{\"type\":\"error\",") {
                true
            } else if line.starts_with(b"{\"type\":\"verdict\",") {
                false
            } else {
                return None;
            };
            if line.last() != Some(&b'\n') {
                return None;
            }
            rows.push((u32::try_from(line.len()).ok()?, error));
        }
        Some(RowLines { text, rows })
    }

    fn push(&mut self, line: &[u8], error: bool) {
        self.text.extend_from_slice(line);
        self.rows.push((u32::try_from(line.len()).unwrap_or(u32::MAX), error));
    }

    /// All the lines, one after another.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// How many are error rows.
    pub fn errors(&self) -> usize {
        self.rows.iter().filter(|r| r.1).count()
    }

    /// Each line (newline included) and whether it is an error row.
    pub fn lines(&self) -> impl Iterator<Item = (&[u8], bool)> {
        let mut at = 0usize;
        self.rows.iter().map(move |&(len, error)| {
            let line = &self.text[at..at + len as usize];
            at += len as usize;
            (line, error)
        })
    }

    /// The rows, read back; a line that does not read back (it always should: these are the
    /// lines [`row_line`] wrote) is a grader error of `file`, never a gap.
    pub fn rows(&self, file: &Path) -> Vec<crate::Row> {
        self.lines()
            .map(|(line, _)| match serde_json::from_slice::<ResultRow>(line) {
                Ok(ResultRow::Verdict(v)) => Ok(*v),
                Ok(ResultRow::Error(e)) => Err(e),
                Ok(ResultRow::Header { .. }) | Err(_) => Err(crate::verdict::ErrorRow {
                    kind: crate::verdict::ErrorKind::Grader,
                    file: file.display().to_string(),
                    line: None,
                    field: None,
                    trajectory: None,
                    message: "a row of this input does not read back: not kept".to_owned(),
                }),
            })
            .collect()
    }
}

fn line(l: &Line<'_>) -> String {
    // Serialising these types cannot fail: no maps with non-string keys, no custom impls.
    let mut s = serde_json::to_string(l).unwrap_or_default();
    s.push('\n');
    s
}

/// The rows of a results file (`results.jsonl` or a partial one). A line that does not parse
/// is counted, not fatal: a killed run leaves its last line torn.
pub fn read_rows(path: &Path) -> io::Result<(Vec<ResultRow>, usize)> {
    // Bytes, not text: a write cut inside a multibyte character leaves a line that is not UTF-8.
    let bytes = fs_err::read(path)?;
    let mut rows = Vec::new();
    let mut bad = 0;
    for l in bytes.split(|b| *b == b'\n').filter(|l| !l.trim_ascii().is_empty()) {
        match serde_json::from_slice(l) {
            Ok(r) => rows.push(r),
            Err(_) => bad += 1,
        }
    }
    Ok((rows, bad))
}

/// A temporary file beside `path`, with the usual permissions of a results file.
fn temp_beside(path: &Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    // Results are for sharing: the usual permissions, not a temporary file's private ones.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    builder.tempfile_in(dir)
}

/// Puts a written temporary file in place: on disk before the rename, so that even a power
/// cut never leaves a renamed, empty file.
fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> io::Result<()> {
    tmp.as_file().sync_data()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `path` all at once: into a temporary file beside it, then renamed over it, so a
/// reader never sees half a file and a crash leaves the old one (or none) in place.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut std::fs::File>) -> io::Result<()>,
) -> io::Result<()> {
    let mut tmp = temp_beside(path)?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        write(&mut w)?;
        w.flush()?;
    }
    persist(tmp, path)
}

/// A file written a piece at a time and put in place whole by [`AtomicFile::commit`] (see
/// [`write_atomic`]); dropped uncommitted, it leaves nothing.
#[derive(Debug)]
pub struct AtomicFile {
    out: BufWriter<tempfile::NamedTempFile>,
    path: std::path::PathBuf,
}

impl AtomicFile {
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        Ok(AtomicFile { out: BufWriter::with_capacity(1 << 16, temp_beside(path)?), path: path.to_owned() })
    }

    pub fn commit(self) -> io::Result<()> {
        let tmp = self.out.into_inner().map_err(io::IntoInnerError::into_error)?;
        persist(tmp, &self.path)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// `results.jsonl` written a row at a time (verdicts first, then errors), put in place whole.
#[derive(Debug)]
pub struct JsonlWriter(AtomicFile);

impl JsonlWriter {
    pub fn create(path: &Path) -> io::Result<JsonlWriter> {
        let mut f = AtomicFile::create(path)?;
        f.write_all(header_line().as_bytes())?;
        Ok(JsonlWriter(f))
    }

    pub fn row(&mut self, row: Result<&Verdict, &ErrorRow>) -> io::Result<()> {
        self.0.write_all(row_line(row).as_bytes())
    }

    /// A row already written once by [`row_line`] (a partial file's), as it is.
    pub fn line(&mut self, line: &[u8]) -> io::Result<()> {
        self.0.write_all(line)
    }

    pub fn commit(self) -> io::Result<()> {
        self.0.commit()
    }
}

/// `results.csv` written a row at a time (verdicts first, then errors), put in place whole:
/// one row per trajectory (graded or errored), flat columns for spreadsheets and data frames.
#[derive(Debug)]
pub struct CsvWriter(csv::Writer<AtomicFile>);

const CSV_COLUMNS: [&str; 33] = [
    "trajectory",
    "scenario",
    "team",
    "file",
    "line",
    "agent",
    "agent_revision",
    "model",
    "attempt",
    "rubric",
    "outcome",
    "passed",
    "score",
    "objective_met",
    "criteria_pass",
    "criteria_fail",
    "criteria_unscored",
    "criteria_not_applicable",
    "failed_criteria",
    "cost_usd",
    "cost_estimated",
    "tokens",
    "duration_s",
    "steps",
    "first_out_of_scope_step",
    "source_format",
    "source_scores",
    "error",
    "error_kind",
    "unassessed",
    "criteria_review",
    "criteria_decided",
    "overturned",
];

impl CsvWriter {
    pub fn create(path: &Path) -> io::Result<CsvWriter> {
        let mut w = csv::Writer::from_writer(AtomicFile::create(path)?);
        w.write_record(CSV_COLUMNS)?;
        Ok(CsvWriter(w))
    }

    pub fn row(&mut self, row: Result<&Verdict, &ErrorRow>) -> io::Result<()> {
        match row {
            Ok(v) => self.0.write_record(csv_verdict(v))?,
            Err(e) => self.0.write_record(csv_error(e))?,
        }
        Ok(())
    }

    pub fn commit(self) -> io::Result<()> {
        self.0.into_inner().map_err(|e| io::Error::other(e.to_string()))?.commit()
    }
}

fn csv_verdict(v: &Verdict) -> [String; CSV_COLUMNS.len()] {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let count = |s: Status| v.criteria.iter().filter(|c| c.status == s).count().to_string();
    let failed: Vec<&str> = v.criteria.iter().filter(|c| c.status == Status::Fail).map(|c| c.id.as_str()).collect();
    [
        v.trajectory.clone(),
        opt(v.scenario.clone()),
        opt(v.team.clone()),
        v.file.clone(),
        String::new(),
        v.agent.clone(),
        opt(v.agent_revision.clone()),
        opt(v.model.clone()),
        v.attempt.to_string(),
        v.rubric.clone(),
        v.outcome.as_str().to_owned(),
        opt(v.passed.map(|p| p.to_string())),
        v.score.to_string(),
        opt(v.objective_met.map(|p| p.to_string())),
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Unscored),
        count(Status::NotApplicable),
        failed.join(";"),
        opt(v.summary.cost_usd.map(|c| c.to_string())),
        opt(v.summary.cost_usd.map(|_| v.summary.cost_estimated.to_string())),
        opt(v.summary.tokens.map(|c| c.to_string())),
        opt(v.summary.duration_s.map(|c| c.to_string())),
        v.summary.steps.to_string(),
        opt(v.summary.first_out_of_scope_step.map(|c| c.to_string())),
        opt(v.source_format.clone()),
        v.source_scores.iter().map(|s| format!("{}={}", s.name, s.value)).collect::<Vec<_>>().join(";"),
        String::new(),
        String::new(),
        opt(v.unassessed.map(|u| u.as_str().to_owned())),
        count(Status::Review),
        v.criteria.iter().filter(|c| c.decision.is_some()).count().to_string(),
        v.criteria.iter().filter(|c| c.decision.as_ref().is_some_and(|d| d.overturned())).count().to_string(),
    ]
}

fn csv_error(e: &ErrorRow) -> [String; CSV_COLUMNS.len()] {
    let mut row: [String; CSV_COLUMNS.len()] = std::array::from_fn(|_| String::new());
    // By name, not position: a column added before these cannot shift them.
    let mut set = |name: &str, value: String| {
        if let Some(i) = CSV_COLUMNS.iter().position(|c| *c == name) {
            row[i] = value;
        }
    };
    set("trajectory", e.trajectory.clone().unwrap_or_default());
    set("file", e.file.clone());
    set("line", e.line.map(|l| l.to_string()).unwrap_or_default());
    set("outcome", "error".into());
    set("error_kind", e.kind.as_str().to_owned());
    set(
        "error",
        match &e.field {
            Some(f) => format!("field `{f}`: {}", e.message),
            None => e.message.clone(),
        },
    );
    row
}
