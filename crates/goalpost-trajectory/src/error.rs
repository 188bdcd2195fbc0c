use std::fmt;
use std::path::PathBuf;

/// A trajectory that could not be read. Names the file, and the line and field when known.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
pub struct IngestError {
    pub path: PathBuf,
    pub line: Option<u64>,
    pub field: Option<String>,
    pub message: String,
    /// goalpost itself failed on this item (a panic caught at its boundary): a bug to report,
    /// not a fault of the input.
    pub bug: bool,
}

impl IngestError {
    pub fn new(path: impl Into<PathBuf>, line: Option<u64>, message: impl Into<String>) -> Self {
        Self { path: path.into(), line, field: None, message: message.into(), bug: false }
    }

    /// A reader's panic on one item of `path` (`what`: "sample 3", "trace ab12").
    pub fn reader_bug(path: impl Into<PathBuf>, what: &str, panic: &str) -> Self {
        Self {
            bug: true,
            ..Self::new(
                path,
                None,
                format!("the reader failed on {what}: {panic} (a bug in goalpost; please report it with this file)"),
            )
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        let f = field.into();
        self.field = (!f.is_empty() && f != ".").then_some(f);
        self
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Something odd that did not stop the trajectory from being graded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IngestWarning {
    pub line: Option<u64>,
    pub field: Option<String>,
    pub message: String,
}
