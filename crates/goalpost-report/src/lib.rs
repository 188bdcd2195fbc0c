//! Reports over the results `goalpost run` writes, built on polars: `results.parquet` (one row
//! per trajectory and one per trajectory × criterion), the nightly summary, the comparison of
//! two agent revisions, and the release gate. This is the only crate that links polars.

use std::path::PathBuf;

pub mod compare;
pub mod dataset;
pub mod gate;
pub mod html;
pub mod markdown;
pub mod policy;
pub mod review;
pub mod stats;
pub mod summary;
pub mod table;
pub mod text;

/// What can go wrong reading or writing results.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: not a goalpost results table: {message}", path.display())]
    Table { path: PathBuf, message: String },
    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),
    #[error(transparent)]
    RunDir(#[from] goalpost_grade::manifest::RunDirError),
    #[error("{0}")]
    Invalid(String),
}
