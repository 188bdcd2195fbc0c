//! Reports over the results `goalpost run` writes, built on polars: `results.parquet` (one row
//! per trajectory and one per trajectory × criterion), the nightly summary, the comparison of
//! two agent revisions, and the release gate. This is the only crate that links polars.

use std::path::PathBuf;

pub mod compare;
pub mod dataset;
pub mod gate;
pub mod html;
pub mod markdown;
pub mod page;
pub mod policy;
pub mod review;
pub mod stats;
pub mod summary;
pub mod table;
pub mod text;

/// What can go wrong reading or writing results. A variant that wraps a cause says what
/// failed and where; the cause's own message follows in the chain ([`Error::with_causes`]).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not parquet, or parquet polars cannot read.
    #[error("{}: not a goalpost results table", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: polars::error::PolarsError,
    },
    #[error("{}: not a goalpost results table: column `{column}` is missing", path.display())]
    MissingColumn { path: PathBuf, column: &'static str },
    /// A table whose values this build does not know (a newer goalpost wrote it, or it was
    /// edited): never read as some default.
    #[error("{}: not a goalpost results table", path.display())]
    BadTable {
        path: PathBuf,
        #[source]
        source: dataset::ValueError,
    },
    /// The same, in a data frame that did not come from a file.
    #[error(transparent)]
    Value(#[from] dataset::ValueError),
    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),
    #[error(transparent)]
    RunDir(#[from] goalpost_grade::manifest::RunDirError),
    /// A policy file that parses to no usable policy; the cause names the rule.
    #[error("{}: not a usable policy", path.display())]
    Policy {
        path: PathBuf,
        #[source]
        source: policy::PolicyError,
    },
    #[error("cannot write the gate's JUnit XML")]
    Junit(#[source] quick_junit::SerializeError),
}

impl Error {
    /// The message followed by each cause's (`a: b: c`), on one line: for a note in a report
    /// or a hint, where no cause chain is printed.
    pub fn with_causes(&self) -> String {
        let mut out = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            out.push_str(": ");
            out.push_str(&c.to_string());
            cause = c.source();
        }
        out
    }
}
