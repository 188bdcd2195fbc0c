//! `results.parquet`: a run's results as one long table that pandas, polars and duckdb load as
//! they are. Each trajectory has one row with `row = "trajectory"` (its outcome, score, cost,
//! tokens, duration and summary) and one row per criterion with `row = "criterion"`; an input
//! that could not be graded has one row with `row = "error"` and `status = "error"`, so that it
//! stays in every denominator. The columns and their types never depend on the data: the files
//! of a history concatenate. The rows are built by `goalpost_grade::table` (the one builder, which
//! the Python package's Arrow table shares); this module writes them with polars.

use std::borrow::Cow;
use std::path::Path;

use goalpost_grade::{ErrorRow, RunResults, Verdict};
use polars::prelude::*;

use crate::Error;

pub use goalpost_grade::table::{COLUMNS, DECISION_COLUMNS, RowKind, RunMeta, SCHEMA_VERSION};
use goalpost_grade::table::{Columns, Values};

/// A list[str] column, built in one pass (a Series per cell would be far slower).
fn string_lists(name: &str, items: &[&[String]]) -> Column {
    let values = items.iter().map(|i| i.len()).sum();
    let mut b = ListStringChunkedBuilder::new(name.into(), items.len(), values);
    for i in items {
        b.append_values_iter(i.iter().map(String::as_str));
    }
    b.finish().into_series().into_column()
}

/// A list[u32] column, built in one pass.
fn step_lists(name: &str, items: &[Cow<'_, [u32]>]) -> Column {
    let values = items.iter().map(|i| i.len()).sum();
    let mut b = ListPrimitiveChunkedBuilder::<UInt32Type>::new(name.into(), items.len(), values, DataType::UInt32);
    for i in items {
        b.append_slice(i);
    }
    b.finish().into_series().into_column()
}

/// The builder's columns as a data frame: each column's polars type follows from its values'
/// type alone, so the Python package's Arrow table (built from the same [`Columns`]) has the
/// same columns and types.
fn frame(columns: Columns<'_>, meta: RunMeta<'_>) -> PolarsResult<DataFrame> {
    let n = columns.len();
    let columns = columns
        .finish(meta)
        .into_iter()
        .map(|(name, values)| match values {
            Values::Str(v) => {
                Series::new(name.into(), v.iter().map(|x| x.as_deref()).collect::<Vec<Option<&str>>>()).into_column()
            }
            Values::U32(v) => Series::new(name.into(), v).into_column(),
            Values::U64(v) => Series::new(name.into(), v).into_column(),
            Values::F64(v) => Series::new(name.into(), v).into_column(),
            Values::Bool(v) => Series::new(name.into(), v).into_column(),
            Values::StrList(v) => string_lists(name, &v),
            Values::U32List(v) => step_lists(name, &v),
        })
        .collect();
    DataFrame::new(n, columns)
}

/// The run's results as a data frame with the columns of [`COLUMNS`].
pub fn results_frame(meta: RunMeta<'_>, results: &RunResults) -> Result<DataFrame, Error> {
    Ok(frame(Columns::of(results), meta)?)
}

/// Writes `results.parquet` atomically (a temporary file beside it, renamed over it).
pub fn write_parquet(path: &Path, meta: RunMeta<'_>, results: &RunResults) -> Result<(), Error> {
    let mut w = ParquetStream::create(path, meta)?;
    for v in &results.verdicts {
        w.verdict(v.clone())?;
    }
    for e in &results.errors {
        w.error(e.clone())?;
    }
    w.commit()
}

/// `results.parquet` written a batch of rows at a time (verdicts first, then errors), so that
/// memory holds one batch, not the run; put in place whole by [`ParquetStream::commit`].
pub struct ParquetStream {
    writer: polars::io::parquet::write::BatchedWriter<std::fs::File>,
    tmp: tempfile::NamedTempFile,
    path: std::path::PathBuf,
    run_id: String,
    started_at: String,
    verdicts: Vec<Verdict>,
    errors: Vec<ErrorRow>,
}

impl std::fmt::Debug for ParquetStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetStream").field("path", &self.path).finish_non_exhaustive()
    }
}

/// Verdicts (and their criteria) a row group holds.
const BATCH: usize = 1024;

impl ParquetStream {
    pub fn create(path: &Path, meta: RunMeta<'_>) -> Result<ParquetStream, Error> {
        let write = |e: std::io::Error| Error::Write { path: path.to_owned(), source: e };
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut builder = tempfile::Builder::new();
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let tmp = builder.tempfile_in(dir).map_err(write)?;
        let file = tmp.as_file().try_clone().map_err(write)?;
        let schema = frame(Columns::default(), meta)?.schema().clone();
        // The Arrow schema the file declares (readers take their Arrow types from it): the
        // oldest-compatible one, large strings and lists of them. polars would declare string
        // views, which pandas (through pyarrow) cannot load inside a list, and which older
        // readers do not know; with this key given, polars writes ours instead of its own.
        let arrow = polars_parquet::write::schema_to_metadata_key(&schema.to_arrow(CompatLevel::oldest()));
        let kv = KeyValueMetadata::Static(vec![
            arrow,
            polars_parquet::write::KeyValue {
                key: "goalpost.schema_version".to_owned(),
                value: Some(SCHEMA_VERSION.to_string()),
            },
            polars_parquet::write::KeyValue { key: "goalpost.run_id".to_owned(), value: Some(meta.run_id.to_owned()) },
        ]);
        let writer = ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .with_key_value_metadata(Some(kv))
            .batched(&schema)?;
        Ok(ParquetStream {
            writer,
            tmp,
            path: path.to_owned(),
            run_id: meta.run_id.to_owned(),
            started_at: meta.started_at.to_owned(),
            verdicts: Vec::new(),
            errors: Vec::new(),
        })
    }

    pub fn verdict(&mut self, v: Verdict) -> Result<(), Error> {
        self.verdicts.push(v);
        if self.verdicts.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    pub fn error(&mut self, e: ErrorRow) -> Result<(), Error> {
        self.errors.push(e);
        if self.errors.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        if self.verdicts.is_empty() && self.errors.is_empty() {
            return Ok(());
        }
        let mut c = Columns::default();
        for v in &self.verdicts {
            c.verdict(v);
        }
        for e in &self.errors {
            c.error(e);
        }
        let meta = RunMeta { run_id: &self.run_id, started_at: &self.started_at };
        let mut df = frame(c, meta)?;
        df.align_chunks_par();
        self.writer.write_batch(&df)?;
        self.verdicts.clear();
        self.errors.clear();
        Ok(())
    }

    /// Writes what is left and the footer, and puts the file in place.
    pub fn commit(mut self) -> Result<(), Error> {
        self.flush()?;
        self.writer.finish()?;
        let write = |e: std::io::Error| Error::Write { path: self.path.clone(), source: e };
        self.tmp.as_file().sync_data().map_err(write)?;
        self.tmp.persist(&self.path).map_err(|e| write(e.error))?;
        Ok(())
    }
}
