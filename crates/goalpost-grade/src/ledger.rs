//! The reviewers' ledger: a person's decision on a criterion that awaits review (or on a
//! failure they overturn), kept in the repository as plain text, one JSON line per decision
//! (`reviews/ledger.jsonl` unless told otherwise), so that it diffs and merges like code.
//!
//! A decision is keyed by the trajectory's content hash and the criterion: it survives
//! re-runs, and lapses when the trajectory changes (another hash) or the grader's verdict on
//! the criterion is no longer the one decided (`was`). A later decision (by `at`, then by
//! line) for the same key supersedes an earlier one; nothing is ever rewritten, so the file is
//! its own history.
//!
//! Applying a decision: `accept` makes the criterion a pass (a failure accepted is
//! *overturned*, and counted so); `reject` makes it a failure (a rejected review item is then
//! promoted by the regression store like any failure). The verdict is settled again
//! ([`crate::settle`]) and every decided criterion carries who decided, when and why.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::verdict::{Status, Verdict};

/// Where the ledger lives when no path is given, relative to the working directory.
pub const DEFAULT_PATH: &str = "reviews/ledger.jsonl";

/// Longest `by` or `why` accepted, in characters.
const MAX_TEXT: usize = 2_000;
/// Largest ledger read, in bytes.
const MAX_BYTES: u64 = 64 << 20;

/// What the reviewer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    /// The criterion is fine: it becomes a pass.
    Accept,
    /// The criterion is not: it becomes a failure.
    Reject,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Accept => "accept",
            Verb::Reject => "reject",
        }
    }

    /// The verb named `s` ([`Verb::as_str`]'s inverse).
    pub fn parse(s: &str) -> Option<Verb> {
        match s {
            "accept" => Some(Verb::Accept),
            "reject" => Some(Verb::Reject),
            _ => None,
        }
    }

    /// The status a decided criterion takes.
    pub fn status(self) -> Status {
        match self {
            Verb::Accept => Status::Pass,
            Verb::Reject => Status::Fail,
        }
    }
}

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// When it was decided (RFC 3339, UTC).
    pub at: String,
    /// The trajectory's id, for the people reading the file (not part of the key).
    pub trajectory: String,
    /// The trajectory's content hash (blake3, hex), as the run recorded it.
    pub content_hash: String,
    /// The criterion's id.
    pub criterion: String,
    /// The grader's status the decision answers: `review` or `fail`.
    pub was: Status,
    pub decision: Verb,
    pub by: String,
    pub why: String,
}

/// A decision as applied to a criterion: shown wherever the criterion is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decided {
    pub decision: Verb,
    pub by: String,
    pub why: String,
    pub at: String,
    /// The grader's status before the decision.
    pub was: Status,
}

impl Decided {
    /// Whether the decision turned a failure into a pass.
    pub fn overturned(&self) -> bool {
        self.was == Status::Fail && self.decision == Verb::Accept
    }
}

/// What the ledger says to a criterion the grader gave a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer<'a> {
    /// No decision on it.
    None,
    /// The decision answers that status: apply it.
    Applies(&'a Decision),
    /// The decision answered another status (the rubric changed since): not applied.
    Lapsed(&'a Decision),
}

impl Decision {
    /// The criterion's score once decided.
    pub fn score(&self) -> f64 {
        match self.decision {
            Verb::Accept => 1.0,
            Verb::Reject => 0.0,
        }
    }

    /// How it is recorded on the criterion it decides.
    pub fn decided(&self) -> Decided {
        Decided {
            decision: self.decision,
            by: self.by.clone(),
            why: self.why.clone(),
            at: self.at.clone(),
            was: self.was,
        }
    }

    /// What is wrong with this decision, as `(field, problem)`.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let hex = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex(&self.content_hash) {
            return Err(("content_hash", "must be a blake3 hash: 64 lowercase hex digits".into()));
        }
        let id = |s: &str| {
            !s.is_empty() && s.len() <= 200 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        };
        if !id(&self.criterion) {
            return Err(("criterion", "must be a criterion id (letters, digits, `-`, `_`, `.`)".into()));
        }
        if !matches!(self.was, Status::Review | Status::Fail) {
            return Err(("was", format!("`{}`: only a review item or a failure is decided", self.was.as_str())));
        }
        for (field, text) in [("by", &self.by), ("why", &self.why)] {
            if text.trim().is_empty() {
                return Err((field, "must not be empty: a decision names who made it and why".into()));
            }
            if text.chars().count() > MAX_TEXT {
                return Err((field, format!("is longer than {MAX_TEXT} characters")));
            }
            // One line, shown as typed: no line break, control or text-reordering character
            // can make a decision read as something else on a terminal, a page or a diff.
            if let Some(c) = text.chars().find(|&c| c == '\n' || c == '\t' || goalpost_trajectory::text::is_hidden(c)) {
                return Err((
                    field,
                    format!("holds the control or invisible character U+{:04X}: write it out", u32::from(c)),
                ));
            }
        }
        if instant(&self.at).is_none() {
            return Err(("at", "must be an RFC 3339 time".into()));
        }
        Ok(())
    }
}

/// When a decision was made, for ordering (checked to parse when the line was read).
fn instant(at: &str) -> Option<jiff::Timestamp> {
    at.parse::<jiff::Timestamp>().ok()
}

/// Why the ledger cannot be used: a decision silently dropped would change verdicts, so a
/// bad ledger stops the command (naming file, line and field) instead.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: larger than {} MiB", path.display(), MAX_BYTES >> 20)]
    TooLarge { path: PathBuf },
    #[error("{}:{line}: {}{message}", path.display(), field.map(|f| format!("field `{f}`: ")).unwrap_or_default())]
    Line { path: PathBuf, line: usize, field: Option<&'static str>, message: String },
    #[error("the decision is not valid: field `{field}` {message}")]
    Invalid { field: &'static str, message: String },
}

/// The latest decision of every key.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    path: Option<PathBuf>,
    latest: HashMap<(String, String), Decision>,
    lines: usize,
    hash: Option<String>,
}

/// What applying the ledger to a verdict did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub decided: usize,
    pub overturned: usize,
    /// Decisions on this trajectory that no longer answer the grader's verdict.
    pub lapsed: usize,
}

/// What a run applies to each verdict last, after grading (the same whether its rows were
/// graded now, resumed or cached): the run's team to a trajectory whose scenario names none,
/// then reviewers' decisions. Whether it changed the verdict.
pub fn finish_verdict(v: &mut Verdict, team: Option<&str>, ledger: &Ledger) -> bool {
    let teamed = match (&v.team, team) {
        (None, Some(t)) => {
            v.team = Some(t.to_owned());
            true
        }
        _ => false,
    };
    ledger.apply(v) != Applied::default() || teamed
}

impl Ledger {
    /// A ledger with no decision.
    pub fn empty() -> Ledger {
        Ledger::default()
    }

    /// Reads the ledger at `path`; a missing file is an empty ledger.
    pub fn load(path: &Path) -> Result<Ledger, LedgerError> {
        let io = |source| LedgerError::Io { path: path.to_owned(), source };
        let bytes = match fs_err::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Ledger { path: Some(path.to_owned()), ..Ledger::default() });
            }
            Err(e) => return Err(io(e)),
            Ok(m) if m.len() > MAX_BYTES => return Err(LedgerError::TooLarge { path: path.to_owned() }),
            Ok(_) => fs_err::read(path).map_err(io)?,
        };
        let mut ledger = Ledger {
            path: Some(path.to_owned()),
            hash: Some(blake3::hash(&bytes).to_hex().to_string()),
            ..Ledger::default()
        };
        let text = String::from_utf8(bytes).map_err(|e| LedgerError::Line {
            path: path.to_owned(),
            line: 1 + e.as_bytes()[..e.utf8_error().valid_up_to()].iter().filter(|&&b| b == b'\n').count(),
            field: None,
            message: "not UTF-8".into(),
        })?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = |field, message| LedgerError::Line { path: path.to_owned(), line: i + 1, field, message };
            let d: Decision = serde_json::from_str(line).map_err(|e| bad(None, e.to_string()))?;
            d.check().map_err(|(field, message)| bad(Some(field), message))?;
            ledger.lines += 1;
            // The latest by time wins (then the later line): two branches that each appended a
            // decision merge to the same answer whichever order their lines land in.
            let key = (d.content_hash.clone(), d.criterion.clone());
            match ledger.latest.get(&key) {
                Some(old) if instant(&old.at) > instant(&d.at) => {}
                _ => {
                    ledger.latest.insert(key, d);
                }
            }
        }
        Ok(ledger)
    }

    /// Appends one decision to the ledger at `path` (created with its directory if need be),
    /// as one write of one line, synced before it returns.
    pub fn append(path: &Path, d: &Decision) -> Result<(), LedgerError> {
        d.check().map_err(|(field, message)| LedgerError::Invalid { field, message })?;
        let io = |source| LedgerError::Io { path: path.to_owned(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs_err::create_dir_all(dir).map_err(io)?;
        }
        let mut line = serde_json::to_string(d).map_err(|e| io(std::io::Error::other(e)))?;
        line.push('\n');
        let mut f = fs_err::OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
        f.write_all(line.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)
    }

    /// Where it was read from.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The blake3 of the file read (`None` when there was none): recorded in a run's
    /// manifest, so that what a run applied can be told apart.
    pub fn hash(&self) -> Option<&str> {
        self.hash.as_deref()
    }

    /// Decision lines read (superseded ones included).
    pub fn lines(&self) -> usize {
        self.lines
    }

    /// The latest decision on `criterion` of the trajectory with `content_hash`.
    pub fn get(&self, content_hash: &str, criterion: &str) -> Option<&Decision> {
        self.latest.get(&(content_hash.to_owned(), criterion.to_owned()))
    }

    /// What the ledger says to `criterion` of the trajectory with `content_hash`, which the
    /// grader gave `graded` (for a criterion already decided, its `was`): the one rule of
    /// when a decision applies, for the grader and for reports alike.
    pub fn answer(&self, content_hash: &str, criterion: &str, graded: Status) -> Answer<'_> {
        match self.get(content_hash, criterion) {
            None => Answer::None,
            Some(d) if d.was == graded => Answer::Applies(d),
            Some(d) => Answer::Lapsed(d),
        }
    }

    /// Every latest decision, in no particular order.
    pub fn decisions(&self) -> impl Iterator<Item = &Decision> {
        self.latest.values()
    }

    /// Applies the decisions on `v` and settles it again. A decision whose `was` is no longer
    /// the criterion's status lapses: it is said in the verdict's warnings, and not applied.
    pub fn apply(&self, v: &mut Verdict) -> Applied {
        let mut out = Applied::default();
        if self.latest.is_empty() {
            return out;
        }
        for c in &mut v.criteria {
            // A verdict read back may carry a decision already: answer the grader's status.
            let graded = c.decision.as_ref().map_or(c.status, |x| x.was);
            let d = match self.answer(&v.content_hash, &c.id, graded) {
                Answer::None => continue,
                Answer::Applies(d) => d,
                Answer::Lapsed(d) => {
                    out.lapsed += 1;
                    v.warnings.push(format!(
                    "a reviewer's decision on `{}` ({} by {} at {}) answered a `{}` verdict, and it is now `{}`: not applied",
                    c.id,
                    d.decision.as_str(),
                    d.by,
                    d.at,
                    d.was.as_str(),
                        graded.as_str()
                    ));
                    continue;
                }
            };
            c.status = d.decision.status();
            c.reason = None;
            c.score = Some(d.score());
            c.decision = Some(d.decided());
            out.decided += 1;
            out.overturned += usize::from(c.decision.as_ref().is_some_and(Decided::overturned));
        }
        if out.decided > 0 {
            v.resettle();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision() -> Decision {
        Decision {
            at: "2026-12-03T20:00:00Z".into(),
            trajectory: "t".into(),
            content_hash: "a".repeat(64),
            criterion: "test-integrity".into(),
            was: Status::Review,
            decision: Verb::Accept,
            by: "alice".into(),
            why: "the official test patch changes the same value".into(),
        }
    }

    #[test]
    fn a_later_line_supersedes_and_a_bad_line_names_its_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reviews/ledger.jsonl");
        assert_eq!(Ledger::load(&path).unwrap().lines(), 0, "a missing ledger is empty");
        Ledger::append(&path, &decision()).unwrap();
        Ledger::append(&path, &Decision { decision: Verb::Reject, by: "bob".into(), ..decision() }).unwrap();
        let l = Ledger::load(&path).unwrap();
        assert_eq!(l.lines(), 2);
        let d = l.get(&"a".repeat(64), "test-integrity").unwrap();
        assert_eq!((d.decision, d.by.as_str()), (Verb::Reject, "bob"));

        let mut text = fs_err::read_to_string(&path).unwrap();
        text.push_str(&serde_json::to_string(&Decision { why: "  ".into(), ..decision() }).unwrap());
        fs_err::write(&path, text).unwrap();
        let e = Ledger::load(&path).unwrap_err().to_string();
        assert!(e.ends_with(":3: field `why`: must not be empty: a decision names who made it and why"), "{e}");

        let e = Ledger::append(&path, &Decision { was: Status::Pass, ..decision() }).unwrap_err().to_string();
        assert!(e.contains("field `was`"), "{e}");
        let e = Ledger::append(&path, &Decision { content_hash: "../../x".into(), ..decision() }).unwrap_err();
        assert!(e.to_string().contains("content_hash"), "{e}");
    }
}
